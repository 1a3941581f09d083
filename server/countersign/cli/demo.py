"""``countersign demo [--keep]``: the whole flow on a throwaway repository, in one go.

A small service (Python API, Terraform, SQL migrations) becomes a git repository with the
hooks installed; the real language server is started as an editor starts it (LSP over
stdio); a person edits, an AI inline completion lands in ``infra/main.tf``, an agent adds a
``DROP TABLE`` migration through its hook; the commit is stamped; ``verify`` fails until a
senior and an owner approve, each signing with their own SSH key. Then the migration
breaks production and is removed as a fix, and ``countersign incident`` shows that AI was in
the chain and who signed it off.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from countersign.cli.errors import UserError
from countersign.cli.lsp_client import LspError, StdioClient

SEVERITY = {1: "error", 2: "warning", 3: "info", 4: "hint"}
DEV = ("Dana Developer", "dana@example.com")
REVIEWERS = {"sam": ("Sam Senior", "sam@example.com"), "olga": ("Olga Owner", "olga@example.com")}
POLICY = """\
# The organisation's policy (normally kept outside the repository it judges).
[reviewers]
senior = ["sam@example.com"]
owner = ["olga@example.com"]
[verify]
require_trailers = true
[signoff]
allowed_signers = "allowed_signers"   # only approvals signed by these keys count
"""
HUMAN_LINE = '  description = "payments API, public HTTPS only"\n'
AI_COMPLETION = ('resource "aws_s3_bucket" "receipts" {\n'
                 '  bucket        = "acme-receipts"\n'
                 '  force_destroy = true\n'
                 '}\n')
MIGRATION = ("-- Replace the legacy orders table.\n"
             "DROP TABLE orders;\n"
             "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, amount_cents INTEGER);\n")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("demo", help="show the whole flow on a throwaway repository")
    parser.add_argument("--keep", action="store_true", help="keep the repository afterwards")
    parser.set_defaults(func=run)


def sample_dir() -> Path:
    """The sample service: package data in a wheel, ``examples/`` in a source checkout."""
    packaged = Path(__file__).resolve().parents[1] / "demo" / "sample-service"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "examples" / "sample-service"


def block(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 72 - len(title)), flush=True)


def env(who: tuple[str, str] = DEV, key: Path | None = None) -> dict[str, str]:
    """The environment of ``who`` at their machine (``key``: the SSH key git signs with)."""
    out = {**os.environ, "GIT_AUTHOR_NAME": who[0], "GIT_AUTHOR_EMAIL": who[1],
           "GIT_COMMITTER_NAME": who[0], "GIT_COMMITTER_EMAIL": who[1]}
    out.pop("GIT_DIR", None)
    out.pop("GIT_WORK_TREE", None)
    if key is not None:  # as `git config gpg.format ssh` + `user.signingKey KEY` would
        out.update({"GIT_CONFIG_COUNT": "2", "GIT_CONFIG_KEY_0": "gpg.format",
                    "GIT_CONFIG_VALUE_0": "ssh", "GIT_CONFIG_KEY_1": "user.signingKey",
                    "GIT_CONFIG_VALUE_1": str(key)})
    return out


def sh(repo: Path, *args: str, show: bool = True, stdin: str | None = None,
       as_: dict[str, str] | None = None) -> int:
    """Run a command in the demo repository the way a person would, showing it."""
    if show:
        shown = " ".join(a if " " not in a else repr(a) for a in args)
        print(f"$ {shown}", flush=True)
    command = [sys.executable, "-m", "countersign", *args[1:]] if args[0] == "countersign" \
        else list(args)
    done = subprocess.run(command, cwd=repo, env=as_ or env(), input=stdin, text=True,
                          stdout=None if show else subprocess.DEVNULL, check=False)
    return done.returncode


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="countersign-demo-"))
    repo = root / "sample-service"
    try:
        setup(repo, root)
        try:
            editor_session(repo)
        except LspError as exc:
            raise UserError(f"the editor session failed: {exc}",
                            "run `countersign lsp --log-level DEBUG` by hand to see why; "
                            "`countersign demo --keep` keeps the repository") from None
        agent_edit(repo)
        commit_and_gate(repo, root)
        incident(repo, root / "policy.toml")
    finally:
        if args.keep:
            print(f"\nThe repository is kept at {repo} (policy: {root / 'policy.toml'})")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(f"\nDemo finished in {time.monotonic() - started:.1f} s.")
    return 0


def setup(repo: Path, root: Path) -> None:
    block("1. A service in git, with countersign's hooks")
    shutil.copytree(sample_dir(), repo)
    (root / "policy.toml").write_text(POLICY)
    signers = []
    for name, (_, email) in REVIEWERS.items():
        key = root / f"{name}_ed25519"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", email, "-f",
                        str(key)], check=True)
        signers.append(f"{email} {key.with_name(key.name + '.pub').read_text().strip()}")
    (root / "allowed_signers").write_text("\n".join(signers) + "\n")
    sh(repo, "git", "init", "-q", "-b", "main", show=False)
    sh(repo, "git", "add", "-A", show=False)
    sh(repo, "git", "commit", "-q", "-m", "Initial service", show=False)
    print(f"Made {repo} from the sample service (app/, infra/, db/migrations/).")
    sh(repo, "countersign", "hook", "install")


def editor_session(repo: Path) -> None:
    block("2. An editor session over LSP (the real `countersign lsp`, stdio)")
    client = StdioClient([sys.executable, "-m", "countersign", "lsp"], str(repo))
    try:
        client.request("initialize", {
            "processId": os.getpid(), "rootUri": repo.as_uri(),
            "workspaceFolders": [{"uri": repo.as_uri(), "name": repo.name}],
            "capabilities": {"textDocument": {"publishDiagnostics": {}}},
            "initializationOptions": {"debounceMs": 0}})
        client.notify("initialized", {})
        path = repo / "infra" / "main.tf"
        uri, text = path.as_uri(), path.read_text()
        client.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "terraform", "version": 1, "text": text}})
        diagnostics(client, uri, 1)
        print("Opened infra/main.tf: no AI lines, no countersign diagnostics.")
        change(client, uri, 2, (1, 0), HUMAN_LINE)
        text = _insert(text, 1, HUMAN_LINE)
        # the list stays empty, so the server publishes nothing new; ask for the summary
        typed = client.request("countersign/summary", {"textDocument": {"uri": uri}})
        print(f"A person types line 2 ({HUMAN_LINE.strip()!r}): {typed['aiLines']} AI "
              f"lines, 0 diagnostics.")
        end = text.count("\n")
        change(client, uri, 3, (end, 0), "\n" + AI_COMPLETION)
        text += "\n" + AI_COMPLETION
        client.notify("countersign/aiEdit", {
            "textDocument": {"uri": uri, "version": 3},
            "ranges": [{"start": {"line": end + 1, "character": 0},
                        "end": {"line": end + 1 + AI_COMPLETION.count("\n"), "character": 0}}],
            "tool": "copilot", "model": "openai/gpt-4.1", "kind": "inline"})
        print("Copilot's inline completion adds an S3 bucket (the editor reports it as "
              "countersign/aiEdit):")
        for item in diagnostics(client, uri, 3, want=lambda d: len(d) > 0):
            line = item["range"]["start"]["line"] + 1
            print(f"  infra/main.tf:{line}: {SEVERITY.get(item['severity'], '?')} "
                  f"[{item['code']}] {item['message'].split(' — ')[0]}")
            print(f"      {item['message'].split(' — ', 1)[-1]}")
        path.write_text(text)
        client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
        summary = client.request("countersign/summary", {"textDocument": {"uri": uri}})
        print(f"Saved. Status bar: {summary['title']}")
    finally:
        client.close()


def _insert(text: str, line: int, new: str) -> str:
    lines = text.splitlines(keepends=True)
    return "".join([*lines[:line], new, *lines[line:]])


def change(client: StdioClient, uri: str, version: int, at: tuple[int, int], new: str) -> None:
    position = {"line": at[0], "character": at[1]}
    client.notify("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": version},
        "contentChanges": [{"range": {"start": position, "end": position}, "text": new}]})


def diagnostics(client: StdioClient, uri: str, version: int,
                want: Any = None) -> list[dict[str, Any]]:
    def match(message: dict[str, Any]) -> bool:
        params = message.get("params") or {}
        return (message.get("method") == "textDocument/publishDiagnostics"
                and params.get("uri") == uri and params.get("version", version) >= version
                and (want is None or want(params.get("diagnostics", []))))

    found = client.wait(match, what=f"diagnostics for version {version}")
    items: list[dict[str, Any]] = found["params"]["diagnostics"]
    return [d for d in items if d.get("source") == "countersign"]


def agent_edit(repo: Path) -> None:
    block("3. An agent writes a migration (Claude Code PostToolUse hook)")
    target = repo / "db" / "migrations" / "0002_replace_orders.sql"
    target.write_text(MIGRATION)
    payload = {"hook_event_name": "PostToolUse", "tool_name": "Write", "cwd": str(repo),
               "session_id": "demo", "tool_input": {"file_path": str(target),
                                                    "content": MIGRATION}}
    print("Claude Code wrote db/migrations/0002_replace_orders.sql and its hook runs:")
    sh(repo, "countersign", "agent-hook", "claude-code", stdin=json.dumps(payload))
    print("The agent then tries to recreate the environment; the PreToolUse guard answers:")
    pre = {"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": str(repo),
           "tool_input": {"command": "terraform destroy -auto-approve"}}
    code = sh(repo, "countersign", "agent-hook", "claude-code", "--pre",
              stdin=json.dumps(pre))
    print(f"(exit {code}: Claude Code does not run the command and shows the reason)")
    print()
    sh(repo, "countersign", "status")


def commit_and_gate(repo: Path, root: Path) -> None:
    policy = root / "policy.toml"
    block("4. Commit: the hook stamps trailers and writes a provenance note")
    sh(repo, "git", "add", "-A", show=False)
    sh(repo, "git", "commit", "-q", "-m", "Receipts bucket and orders migration")
    sh(repo, "git", "log", "-1", "--format=%h %s%n%n%(trailers)")
    note = subprocess.run(["git", "notes", "--ref", "countersign", "show", "HEAD"], cwd=repo,
                          capture_output=True, text=True, check=False).stdout
    record = json.loads(note) if note.strip() else {"files": []}
    print("Note in refs/notes/countersign (Agent Trace 0.1.0):")
    for entry in record["files"]:
        for conv in entry["conversations"]:
            who = conv["metadata"]["dev.countersign"]["tool"]
            ranges = ", ".join(f"{r['start_line']}-{r['end_line']}" for r in conv["ranges"])
            print(f"  {entry['path']}: lines {ranges} by {who}")
    block("5. CI runs the gate: senior + owner sign-off is missing")
    print("Dana types a sign-off for Sam into the message; it counts for nothing:")
    sh(repo, "git", "commit", "-q", "--amend", "-m", "Receipts bucket and orders migration\n\n"
       "Approved-by: Sam Senior <sam@example.com>", show=False)
    sh(repo, "countersign", "verify", "--policy", str(policy))
    block("6. A senior and an owner approve with their own SSH keys; the gate passes")
    for name, who in REVIEWERS.items():
        print(f"({who[0]}, at their own machine:)")
        role = ["--role", "owner"] if name == "olga" else []
        sh(repo, "countersign", "approve", "--policy", str(policy), *role,
           as_=env(who, root / f"{name}_ed25519"))
    sh(repo, "countersign", "verify", "--policy", str(policy))


def incident(repo: Path, policy: Path) -> None:
    block("7. The migration drops production data; it is reverted")
    approved = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=repo, env=env(),
                              capture_output=True, text=True, check=False).stdout.strip()
    sh(repo, "git", "rm", "-q", "db/migrations/0002_replace_orders.sql")
    sh(repo, "git", "commit", "-q", "-m", "Revert the orders migration", "-m",
       "It dropped the orders table in production.", "--trailer",
       f'Fixes: {approved} ("Receipts bucket and orders migration")', "--trailer",
       "Incident: SEV2-17")
    print("Was AI in the chain, and who signed it off?")
    sh(repo, "countersign", "incident", "HEAD", "--policy", str(policy))
