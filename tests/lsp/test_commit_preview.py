"""``countersign/commitPreview``: the trailers the hook would stamp for what is staged now."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_lsp import LanguageClient

from countersign.lsp.convert import plain
from tests.helpers import git, write
from tests.lsp.conftest import DROP, ai_edit, edit, open_doc, wait_diagnostics

TEXT = "import db\n" + DROP + "\n"
NOTE = "  # checked the table name"


async def preview(client: LanguageClient, uri: str | None = None) -> dict[str, Any]:
    params = {"textDocument": {"uri": uri}} if uri else {}
    result: dict[str, Any] = plain(await client.protocol.send_request_async(
        "countersign/commitPreview", params))
    return result


def trailers(result: dict[str, Any]) -> dict[str, str]:
    return {t["key"]: t["value"] for t in result["trailers"]}


async def test_preview_counts_staged_ai_lines_typed_over_since_the_ai_edit(
        client: LanguageClient, repo: Path) -> None:
    path = write(repo, "app/db.py", TEXT)
    uri = open_doc(client, path)
    ai_edit(client, uri, 1, [((1, 0), (1, len(DROP)))], tool="claude-code", kind="agent",
            model="anthropic/claude-sonnet-4-5")
    await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["DAT002"])
    # typed after the AI edit and saved by the editor, but no didSave reached the server:
    # the ledger still holds the line without the comment until the preview flushes it
    edit(client, uri, 2, (1, len(DROP)), (1, len(DROP)), NOTE)
    path.write_text("import db\n" + DROP + NOTE + "\n", encoding="utf-8")
    git(repo, "add", "app/db.py")

    result = await preview(client, uri)
    assert result["tier"] == "critical" and result["review"] == "senior+owner"
    assert result["addedLines"] == 2 and result["aiLines"] == 1
    found = trailers(result)
    assert found["AI-Assisted"] == "claude-code (agent, anthropic/claude-sonnet-4-5)"
    assert found["AI-Lines"] == "1/2" and found["Review-Tier"] == "critical"
    assert found["Review-Required"] == "senior+owner" and "DAT002" in found["Risk-Rules"]
    assert await preview(client) == result  # no document: the first workspace folder


async def test_preview_of_nothing_staged_says_no_ai(client: LanguageClient,
                                                    repo: Path) -> None:
    result = await preview(client)
    assert trailers(result)["AI-Assisted"] == "no"
    assert result["aiLines"] == 0 and result["addedLines"] == 0 and result["tier"] == "none"


async def test_preview_outside_a_git_repository_is_a_clear_error(
        client: LanguageClient, tmp_path: Path) -> None:
    path = write(tmp_path / "plain", "notes.py", "x = 1\n")
    uri = open_doc(client, path)
    with pytest.raises(Exception, match="is not inside a git repository"):
        await preview(client, uri)
    with pytest.raises(Exception, match="not a file"):
        await preview(client, "untitled:Untitled-1")
