"""Smoke: an AI edit on a DROP TABLE line gives a countersign diagnostic."""

from __future__ import annotations

from pathlib import Path

from pytest_lsp import LanguageClient

from tests.lsp.conftest import ai_edit, open_doc, wait_diagnostics, write


async def test_ai_drop_table_is_flagged(client: LanguageClient, repo: Path) -> None:
    path = write(repo, "app/db.py", "import db\n\ncursor.execute('DROP TABLE users')\n")
    uri = open_doc(client, path)
    ai_edit(client, uri, 1, [((2, 0), (2, 36))], tool="claude-code", kind="agent")
    diags = await wait_diagnostics(client, uri, lambda d: len(d) > 0)
    print(diags)
    assert diags[0].source == "countersign"
