"""An open editor sees an agent's edit on disk (agent-hook -> ledger).

The issue asks for it within a second: bench/bench_refresh.py measures that; tests only
check that it happens, so a slow CI machine cannot make them fail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from countersign.store.ledger import Ledger
from tests.helpers import write
from tests.lsp.conftest import ai_edit, eventually, open_doc, summary, wait_diagnostics

BEFORE = "import db\n\n\ndef reset():\n    pass\n"
AFTER = "import db\n\n\ndef reset():\n    db.execute('DROP TABLE users')\n"


def agent_edits(repo: Path, path: Path) -> None:
    """Claude Code edits the file on disk and its PostToolUse hook reports it."""
    path.write_text(AFTER, encoding="utf-8")
    payload = {"hook_event_name": "PostToolUse", "tool_name": "Edit", "cwd": str(repo),
               "tool_input": {"file_path": str(path), "old_string": "    pass\n",
                              "new_string": "    db.execute('DROP TABLE users')\n"}}
    subprocess.run([sys.executable, "-m", "countersign", "agent-hook", "claude-code"],
                   cwd=repo, input=json.dumps(payload).encode(), check=True)


async def test_agent_edit_on_disk_reaches_the_open_editor(
        client: LanguageClient, repo: Path) -> None:
    path = write(repo, "app/reset.py", BEFORE)
    uri = open_doc(client, path)
    await wait_diagnostics(client, uri, lambda d: d == [])
    agent_edits(repo, path)
    # the editor reloads the changed file, as VS Code and Neovim (autoread) do
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(2, uri),
        [types.TextDocumentContentChangeWholeDocument(AFTER)]))
    found = await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["DAT002"])
    assert "claude-code" in found[0].message


async def test_a_write_before_the_editor_reloads_keeps_the_agents_lines(
        client: LanguageClient, repo: Path) -> None:
    """An AI report in the buffer the agent's edit has not reached yet: the server's write
    must not replace the hook's record of the file on disk (it describes newer content)."""
    path = write(repo, "app/reset.py", BEFORE)
    uri = open_doc(client, path)
    agent_edits(repo, path)
    ai_edit(client, uri, 1, [((0, 0), (0, len("import db")))])  # copilot, in the old buffer
    assert (await summary(client, uri))["aiLines"] == 1
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(2, uri),
        [types.TextDocumentContentChangeWholeDocument(AFTER)]))
    found = await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["DAT002"])
    assert "claude-code" in found[0].message

    def stored() -> dict[int, str]:
        with Ledger(repo / ".git" / "countersign" / "ledger.db") as db:
            return {n: o.tool or "" for n, o in db.attributions("app/reset.py", AFTER).items()}

    await eventually(lambda: stored() == {0: "copilot", 4: "claude-code"},
                     what=f"both tools' lines in the ledger (last: {stored()})")
