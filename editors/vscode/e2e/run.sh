#!/usr/bin/env bash
# End-to-end test of the VS Code extension in a real VS Code: code-server (VS Code 1.100 in
# the browser, from npm) in headless Chromium, driven by Playwright.
#
#   editors/vscode/e2e/run.sh [ARTIFACTS_DIR]      (or ./run vscode-e2e)
#
# 1. builds countersign.vsix (npm ci + vsce package), the fake AI test extension and a
#    stand-in Python extension (ms-python.python's environments API);
# 2. installs both into a fresh code-server profile, opens a git repository made by
#    workspace.py (infra/*.tf, app/payments.py and a 20,000-line big.py with AI lines);
# 3. extension-host suite (suite/index.js, inside VS Code): accepting the fake AI's inline
#    suggestion raises the countersign DES001 diagnostic and a gutter mark, typing the line
#    by hand does not, palette commands, marks following edits, big.py's 2,000 marks and
#    how long they take to draw, paste = human, chat edits, server discovery;
# 4. UI test (ui.js): Tab accepts the ghost text, the squiggle, status bar, Problems panel
#    and gutter show it; the report webview (with the sign-off state of the branch's signed
#    commits); marks per kind, hover, acknowledged, toggle;
#    frame times while big.py's marks move; typing by hand shows nothing. Screenshots and
#    timings (vscode-*-timings.json) are kept in ARTIFACTS_DIR.
#
# The server is COUNTERSIGN (default: the repository's .venv/bin/countersign, made by
# ./run). npm installs are cached in node_modules (editors/vscode and editors/vscode/e2e).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
EXT=$(dirname "$HERE")
ROOT=$(cd "$EXT/../.." && pwd)
ARTIFACTS=$(mkdir -p "${1:-$HERE/artifacts}" && cd "${1:-$HERE/artifacts}" && pwd)
COUNTERSIGN=${COUNTERSIGN:-$ROOT/.venv/bin/countersign}
CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
export CHROMIUM

fail() { echo "vscode-e2e: $1" >&2; [ -z "${2:-}" ] || echo "hint: $2" >&2; exit 1; }
[ -x "$COUNTERSIGN" ] || fail "no countersign executable at $COUNTERSIGN" "./run check (creates .venv), or COUNTERSIGN=/path/to/countersign"
command -v npm >/dev/null || fail "npm not found" "install Node.js 20+ and npm"
[ -n "$CHROMIUM" ] || fail "chromium not found" "sudo apt-get install chromium (or CHROMIUM=/path/to/chrome)"
command -v ssh-keygen >/dev/null || fail "ssh-keygen not found (the workspace's approvals are signed with it)" "sudo apt-get install openssh-client"

# npm ci when the lock file changed since the last install (node_modules/.package-lock.json).
npm_ci() {
    local dir=$1
    if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
        echo "vscode-e2e: npm ci in ${dir#"$ROOT"/}" >&2
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error "${@:2}") >&2
    fi
}

# code-server's native modules build from source (node-gyp, Kerberos headers) and its
# ripgrep download is replaced by Debian's rg: only the package registries are reachable.
code_server_prereqs() {
    local missing=()
    command -v rg >/dev/null || missing+=(ripgrep)
    command -v g++ >/dev/null || missing+=(g++)
    command -v make >/dev/null || missing+=(make)
    dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
    [ ${#missing[@]} = 0 ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "vscode-e2e: installing ${missing[*]} (to build code-server)" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        fail "missing ${missing[*]}" "sudo apt-get install ${missing[*]}"
    fi
}

npm_ci "$EXT"
if [ ! -x "$HERE/node_modules/.bin/code-server" ] || [ "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]; then
    code_server_prereqs
    NPM_TMP=$(mktemp -d)
    mkdir -p "$NPM_TMP/vscode-ripgrep-cache-1.15.11"
    tar czf "$NPM_TMP/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$(dirname "$(command -v rg)")" rg
    TMPDIR=$NPM_TMP npm_config_yes=true npm_config_unsafe_perm=true npm_ci "$HERE" --foreground-scripts
    rm -rf "$NPM_TMP"
fi

RUN=$(mktemp -d "${TMPDIR:-/tmp}/countersign-vscode-e2e.XXXXXX")
CS_PID=
cleanup() {  # code-server runs in its own process group: stop it, its extension hosts and the server
    if [ -n "$CS_PID" ]; then
        kill -TERM -- "-$CS_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 -- "-$CS_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$CS_PID" 2>/dev/null || true
    fi
    rm -rf "$RUN"
}
trap cleanup EXIT

echo "vscode-e2e: packaging the extensions" >&2
(cd "$EXT" && npm run --silent package -- --out "$RUN/countersign.vsix") >"$RUN/package.log" 2>&1 \
    || { cat "$RUN/package.log"; fail "vsce package failed"; }
for fake in fake-ai fake-python; do
    (cd "$HERE/$fake" && "$EXT/node_modules/.bin/vsce" package --allow-missing-repository --skip-license \
        --out "$RUN/$fake.vsix") >>"$RUN/package.log" 2>&1 || { cat "$RUN/package.log"; fail "packaging $fake failed"; }
done

echo "vscode-e2e: making the workspaces (20,000-line big.py with 2,000 AI lines)" >&2
"${PYTHON:-python3}" "$HERE/workspace.py" "$COUNTERSIGN" "$RUN/ws-exthost"
cp -a "$RUN/ws-exthost" "$RUN/ws-ui"

export HOME=$RUN/home XDG_CONFIG_HOME=$RUN/xdg/config XDG_DATA_HOME=$RUN/xdg/data XDG_CACHE_HOME=$RUN/xdg/cache
# The suites write their decoration timings here (the extension host inherits it).
export COUNTERSIGN_E2E_ARTIFACTS=$ARTIFACTS
mkdir -p "$HOME" "$RUN/data/User" "$RUN/data/Machine" "$RUN/extensions"
# Machine-scoped settings (the server path) apply from the remote machine's settings: the
# window is a remote one (vscode-remote://), as with SSH or WSL.
cat > "$RUN/data/Machine/settings.json" <<JSON
{ "countersign.server.path": "$COUNTERSIGN" }
JSON
cat > "$RUN/data/User/settings.json" <<JSON
{
  "countersign.capture.aiExtensions": { "countersign-test.fake-ai": "fake-ai" },
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "update.mode": "none",
  "files.autoSave": "off",
  "git.enabled": false,
  "editor.inlineSuggest.enabled": true,
  "editor.quickSuggestions": { "other": false, "comments": false, "strings": false }
}
JSON

CS=$HERE/node_modules/.bin/code-server
for vsix in countersign fake-ai fake-python; do
    "$CS" --user-data-dir "$RUN/data" --extensions-dir "$RUN/extensions" --install-extension "$RUN/$vsix.vsix" \
        >>"$RUN/install.log" 2>&1 || { cat "$RUN/install.log"; fail "installing $vsix.vsix failed"; }
done
PORT=${PORT:-$((20000 + RANDOM % 20000))}
# countersign on PATH too, the way a user's login shell would put it there (VS Code takes
# the extension host's PATH from it): the suite clears the settings to see it found there.
printf 'export PATH="%s:$PATH"\n' "$(dirname "$COUNTERSIGN")" > "$HOME/.profile"
setsid "$CS" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry --disable-update-check \
    --disable-workspace-trust --disable-getting-started-override --disable-proxy \
    --user-data-dir "$RUN/data" --extensions-dir "$RUN/extensions" >"$RUN/code-server.log" 2>&1 &
CS_PID=$!
for _ in $(seq 150); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.2; done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" || { cat "$RUN/code-server.log"; fail "code-server did not start"; }

logs() {
    echo "--- code-server log"; tail -n 30 "$RUN/code-server.log"
    find "$RUN/data/logs" -name '*.log' \( -path '*exthost*' -o -name '*countersign*' \) -print0 2>/dev/null |
        while IFS= read -r -d '' log; do echo "--- ${log#"$RUN"/}"; tail -n 40 "$log"; done
}

rc=0
echo "vscode-e2e: extension-host suite" >&2
node "$HERE/exthost.js" "http://127.0.0.1:$PORT" "$RUN/ws-exthost" "$HERE/fake-ai" "$HERE/suite/index.js" \
    >"$RUN/exthost.out" 2>&1 || rc=1
grep -E 'countersign-e2e|exited with|TIMEOUT|Error|assert' "$RUN/exthost.out" || cat "$RUN/exthost.out"
echo "vscode-e2e: UI test" >&2
node "$HERE/ui.js" "http://127.0.0.1:$PORT/?folder=$RUN/ws-ui" "$ARTIFACTS" || rc=1
# Provenance the client could not use (closed documents, old versions) is skipped quietly.
if grep -rhsE '\[(error|warning)\].*provenance' "$RUN/data/logs" --include='*countersign*.log'; then
    echo "vscode-e2e: FAIL errors about provenance in the countersign log" >&2
    rc=1
else
    echo "vscode-e2e: ok   no errors about provenance in the countersign log" >&2
fi
if [ $rc != 0 ]; then
    logs
    cp "$RUN/exthost.out" "$ARTIFACTS/" 2>/dev/null || true
fi
echo "vscode-e2e: $([ $rc = 0 ] && echo PASSED || echo FAILED); screenshots in $ARTIFACTS" >&2
exit $rc
