"""Installing countersign's git hooks as small shims, the way pre-commit does.

Each installed hook is a POSIX shell script with a marker line and the path of the Python
that installed it. A hook countersign does not own is never overwritten: it is moved to
``NAME.legacy`` and the shim runs it first (its failure still stops the commit). The hooks
directory is the one git uses (``git rev-parse --git-path hooks``), so ``core.hooksPath``
(husky) and linked worktrees are handled by git itself.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
from dataclasses import dataclass
from pathlib import Path

from countersign.core.trailers import OURS
from countersign.store.commits import NOTES_REF
from countersign.store.gitcli import Git
from countersign.store.pending import DATE_FORMAT, PENDING, REVISION, TIMESTAMP
from countersign.store.replay import SQUASH_STATE

REWRITE_REFS = NOTES_REF + "*"
"""Provenance and approval notes; a glob, so git says nothing while no approval exists."""
SHIM_VERSION = "2"
"""Bumped whenever the shims change: hooks installed before say so and ``hook status``
calls them outdated (``hook install`` writes the new ones)."""
OWNED = "# countersign-managed-hook"
MARKER = f"{OWNED} v{SHIM_VERSION}"
HOOKS = ("prepare-commit-msg", "commit-msg", "post-commit", "post-merge", "post-rewrite",
         "pre-push")
"""prepare-commit-msg stamps (it runs even with --no-verify); commit-msg only refuses a
message that is nothing but trailers; post-commit/post-merge write notes; post-rewrite
carries them across amend and rebase; pre-push pushes notes with the user's push."""

_TEMPLATE = """#!/bin/sh
{marker}
# Installed by `countersign hook install`; remove with `countersign hook uninstall`.
# It runs {name}.legacy first when that exists (the hook that was here before).
COUNTERSIGN_PYTHON={python}
COUNTERSIGN_HOOKS={version}
export COUNTERSIGN_HOOKS
hook_dir=${{0%/*}}
{stdin_setup}
if [ -x "$hook_dir/{name}.legacy" ]; then
    "$hook_dir/{name}.legacy" "$@" {stdin_redirect}|| exit $?
fi
{body}
"""
_STDIN_SETUP = """stdin_copy=$(mktemp "${TMPDIR:-/tmp}/countersign.XXXXXX") || exit 1
trap 'rm -f "$stdin_copy"' EXIT
cat > "$stdin_copy\""""
_RUN_PYTHON = """if [ ! -x "$COUNTERSIGN_PYTHON" ]; then
    echo "countersign: the Python this hook was installed with ($COUNTERSIGN_PYTHON) is gone;" \\
         "the {name} step was skipped." >&2
    echo "hint: reinstall countersign and run \\`countersign hook install\\`," \\
         "or run \\`countersign hook uninstall\\` to remove the hook" >&2
    exit 0
fi
{client}"$COUNTERSIGN_PYTHON" -m countersign hook run {name} "$@" {stdin_redirect}
status=$?
if [ "$status" -ne 0 ]; then
    echo "countersign: {name} could not run countersign (exit $status);" \\
         "reinstall it: pip install countersign && countersign hook install" >&2
fi
exit 0"""
# post-commit: attach the note prepare-commit-msg left (store/pending.py) when it was made
# for this commit's tree and parents; anything else (no note, another tree, an Aider commit
# whose note names Aider, a git failure) falls through to Python, which computes it.
_ATTACH = """countersign_attach() {{
    # one rev-parse for three paths: a path with a newline breaks the first, and then the
    # test below fails (Python takes over)
    paths=$(git rev-parse --git-path {pending} --git-path CHERRY_PICK_HEAD \\
        --git-path {squash}) || return 1
    pending=${{paths%%"$nl"*}}
    [ -f "$pending" ] || return 1
    # a cherry-pick or a merge --squash takes its lines from other commits: Python does it
    rest=${{paths#*"$nl"}}
    [ -e "${{rest%%"$nl"*}}" ] || [ -e "${{rest#*"$nl"}}" ] && return 1
    # the newest reflog entry of HEAD is this commit (-g); %gs says how it was made
    info=$(TZ=UTC git log -g -1 --no-show-signature --date=format-local:{date} \\
        --format='%T %P%n%H%n%cd%n%gs%n%an <%ae>%n%B' HEAD) || return 1
    case $info in *[Aa][Ii][Dd][Ee][Rr]*) return 1 ;; esac
    read -r key < "$pending" || return 1
    first=${{info%%"$nl"*}}
    [ "$key" = "${{first% }}" ] || return 1
    rest=${{info#*"$nl"}}
    sha=${{rest%%"$nl"*}}
    rest=${{rest#*"$nl"}}
    when=${{rest%%"$nl"*}}
    rest=${{rest#*"$nl"}}
    case ${{rest%%"$nl"*}} in *"(cherry-pick)"*) return 1 ;; esac
    sed -e 1d -e "s/{revision}/$sha/" -e "s/{timestamp}/$when/" "$pending" |
        git notes --ref={ref} add -f -F - "$sha" 2>/dev/null || return 1
    rm -f "$pending"
}}
nl='
'
countersign_attach && exit 0
"""
# prepare-commit-msg: the hook daemon's client first (cli/hook_client.py, no site, ~7 ms);
# it exits 0 when the daemon ran the hook, non-zero to have it run in-process below.
_CLIENT = """"$COUNTERSIGN_PYTHON" -I -S {client} {name} "$@" && exit 0
"""
# commit-msg only refuses a message that is nothing but our trailers (an abandoned editor):
# the same test as ``cli.hook_run.commit_msg``, in the shell, so no Python starts for it.
_CHECK_MESSAGE = """[ -f "$1" ] || exit 0
if LC_ALL=C grep -a -v -e '^#' -e '^[[:space:]]*$' "$1" |
    LC_ALL=C grep -a -q -v -i -E '^({keys})(:|$)'; then
    exit 0
fi
echo "Aborting commit due to empty commit message." >&2
exit 1"""


class HookError(Exception):
    """A hook cannot be installed or removed as asked."""


@dataclass(frozen=True)
class HookState:
    name: str
    path: Path
    state: str
    """``installed``, ``missing``, ``foreign`` (someone else's hook) or ``broken``."""
    chained: bool
    python: str | None = None
    outdated: bool = False
    """Installed by an older countersign (``SHIM_VERSION``): ``hook install`` updates it."""


def hooks_dir(repo: Git) -> Path:
    """Where git looks for hooks in this repository (honours core.hooksPath)."""
    path = Path(repo.text("rev-parse", "--git-path", "hooks"))
    return path if path.is_absolute() else (repo.root / path).resolve()


def shim(name: str, python: str, client: str | None = None) -> str:
    """The hook ``name`` running countersign with ``python``; ``client``: the daemon
    client's file, for prepare-commit-msg (None: always in-process)."""
    reads_stdin = name in ("post-rewrite", "pre-push")
    redirect = '< "$stdin_copy" ' if reads_stdin else ""
    if name == "commit-msg":
        body = _CHECK_MESSAGE.format(keys="|".join(k.lower() for k in OURS))
    else:
        fast = (_CLIENT.format(client=shlex.quote(client), name=name)
                if client and name == "prepare-commit-msg" else "")
        body = _RUN_PYTHON.format(name=name, stdin_redirect=redirect, client=fast)
    if name == "post-commit":
        body = _ATTACH.format(pending=PENDING, date=DATE_FORMAT, squash=SQUASH_STATE,
                              revision=REVISION, timestamp=TIMESTAMP, ref=NOTES_REF) + body
    return _TEMPLATE.format(marker=MARKER, name=name, python=shlex.quote(python),
                            version=SHIM_VERSION,
                            stdin_setup=_STDIN_SETUP if reads_stdin else "",
                            stdin_redirect=redirect, body=body)


def _owned(path: Path) -> bool:
    try:
        return OWNED in path.read_text(encoding="utf-8", errors="replace")[:300]
    except OSError:
        return False


def install(repo: Git, python: str, client: str | None = None) -> list[str]:
    """Install every hook; returns what was done, one line per hook. ``client``: see
    ``shim``."""
    directory = hooks_dir(repo)
    directory.mkdir(parents=True, exist_ok=True)
    done = []
    for name in HOOKS:
        path = directory / name
        legacy = directory / f"{name}.legacy"
        if path.exists() and not _owned(path):
            if legacy.exists():
                raise HookError(
                    f"{path} is not countersign's and {legacy} already exists, so it "
                    f"cannot be moved aside\nhint: merge or remove one of them, then run "
                    f"`countersign hook install` again")
            path.rename(legacy)
            done.append(f"{name}: moved the existing hook to {legacy.name}; it still runs first")
        _write_executable(path, shim(name, python, client))
        done.append(f"{name}: installed {path}")
    if REWRITE_REFS not in _rewrite_refs(repo):
        repo.run("config", "--add", "notes.rewriteRef", REWRITE_REFS)
        done.append(f"notes.rewriteRef: added {REWRITE_REFS} (provenance and approval notes "
                    "follow amend and rebase)")
    return done


def _write_executable(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.countersign-tmp")
    tmp.write_text(text, encoding="utf-8")
    mode = tmp.stat().st_mode
    tmp.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    os.replace(tmp, path)


def _rewrite_refs(repo: Git) -> list[str]:
    return repo.config_all("notes.rewriteRef")


def uninstall(repo: Git) -> list[str]:
    """Remove countersign's hooks, putting back any hook they had moved aside."""
    directory = hooks_dir(repo)
    done = []
    for name in HOOKS:
        path, legacy = directory / name, directory / f"{name}.legacy"
        if not path.exists() or not _owned(path):
            continue
        path.unlink()
        if legacy.exists():
            legacy.rename(path)
            done.append(f"{name}: removed; restored the previous hook")
        else:
            done.append(f"{name}: removed")
    for ref in (REWRITE_REFS, NOTES_REF):  # the plain ref: installs before approvals
        if ref in _rewrite_refs(repo):
            repo.run("config", "--unset", "notes.rewriteRef", f"^{re.escape(ref)}$")
            done.append(f"notes.rewriteRef: removed {ref}")
    return done


def status(repo: Git) -> tuple[list[HookState], bool]:
    """Each hook's state, and whether notes.rewriteRef includes countersign's notes refs."""
    directory = hooks_dir(repo)
    states = []
    for name in HOOKS:
        path = directory / name
        chained = (directory / f"{name}.legacy").exists()
        if not path.exists():
            states.append(HookState(name, path, "missing", chained))
        elif not _owned(path):
            states.append(HookState(name, path, "foreign", chained))
        else:
            python = _python_of(path)
            ok = python is not None and os.access(python, os.X_OK)
            states.append(HookState(name, path, "installed" if ok else "broken", chained, python,
                                    outdated=MARKER not in path.read_text(errors="replace")))
    return states, REWRITE_REFS in _rewrite_refs(repo)


def _python_of(path: Path) -> str | None:
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("COUNTERSIGN_PYTHON="):
            parts = shlex.split(line.partition("=")[2])
            return parts[0] if parts else None
    return None
