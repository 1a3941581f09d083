"""The suppress code action never writes a reason for the person."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.helpers import write
from tests.lsp.conftest import (
    CLIENTS,
    ai_edit,
    edit,
    open_doc,
    session,
    stop,
    summary,
    wait_diagnostics,
)

FETCH = "requests.get(url)"
SQL_DROP = "DROP TABLE users;"  # a .sql file is read as SQL, statement by statement


async def actions_on(client: LanguageClient, uri: str, line: int) -> list[types.CodeAction]:
    found = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri),
        types.Range(types.Position(line, 0), types.Position(line, 0)),
        types.CodeActionContext(diagnostics=[])))
    return [a for a in found or [] if isinstance(a, types.CodeAction) and a.edit is not None]


async def test_a_comment_on_an_ai_line_counts_once_a_person_acknowledges_it(
        client: LanguageClient, repo: Path) -> None:
    uri = open_doc(client, write(repo, "app/fetch.py", "import requests\n" + FETCH + "\n"))
    ai_edit(client, uri, 1, [((1, 0), (1, len(FETCH)))])
    await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["CON001"])
    [action] = await actions_on(client, uri, 1)
    assert action.title == "countersign: suppress CON001"
    [text_edit] = action.edit.changes[uri]  # type: ignore[union-attr]
    assert text_edit.new_text == "  # countersign: ignore[CON001]"
    edit(client, uri, 2, (1, len(FETCH)), (1, len(FETCH)), text_edit.new_text)
    # the line is still the AI's: the comment could be its own until a person says so
    [diag] = await wait_diagnostics(client, uri, lambda d: len(d) == 1 and "acknowledges"
                                    in d[0].message)
    assert diag.message.endswith("The countersign: ignore[CON001] comment on this AI-written "
                                 "line does not count until a person acknowledges the line "
                                 "(an AI cannot suppress its own finding).")
    await client.workspace_execute_command_async(types.ExecuteCommandParams(
        "countersign.acknowledge", arguments=[uri, None]))
    await wait_diagnostics(client, uri, lambda d: d == [])
    assert (await summary(client, uri))["rules"] == []  # suppressed, not just silenced


async def test_an_ai_cannot_suppress_its_own_finding(client: LanguageClient, repo: Path) -> None:
    line = FETCH + "  # countersign: ignore[CON001] fine"
    uri = open_doc(client, write(repo, "app/fetch.py", "import requests\n" + line + "\n"))
    ai_edit(client, uri, 1, [((1, 0), (1, len(line)))])
    await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["CON001"])
    assert (await summary(client, uri))["rules"] == ["CON001"]


@pytest.mark.parametrize("spec", CLIENTS)
async def test_snippet_clients_get_a_tab_stop_where_the_reason_goes(repo: Path,
                                                                    spec: str) -> None:
    caps = copy.deepcopy(client_capabilities(spec))
    workspace = caps.workspace or types.WorkspaceClientCapabilities()
    workspace.workspace_edit = types.WorkspaceEditClientCapabilities(
        document_changes=True, snippet_edit_support=True)
    caps.workspace = workspace
    client = await session(repo, spec, capabilities=caps)
    uri = open_doc(client, write(repo, "app/db.sql", "select 1;\n" + SQL_DROP + "\n"),
                   language="sql")
    ai_edit(client, uri, 1, [((1, 0), (1, len(SQL_DROP)))])
    await wait_diagnostics(client, uri, lambda d: "DAT002" in [x.code for x in d])
    [action] = [a for a in await actions_on(client, uri, 1) if "DAT002" in a.title]
    assert action.title == "countersign: suppress DAT002 (type the reason)"
    [change] = action.edit.document_changes  # type: ignore[union-attr, misc]
    assert isinstance(change, types.TextDocumentEdit)
    assert change.text_document.uri == uri and change.text_document.version == 1
    [snippet] = change.edits
    assert isinstance(snippet, types.SnippetTextEdit)
    assert snippet.snippet.value == "  -- countersign: ignore[DAT002] $0"
    assert snippet.range.start == types.Position(1, len(SQL_DROP))
    await stop(client)


async def test_an_acknowledgement_does_not_cover_ai_text_added_after_it(
        client: LanguageClient, repo: Path) -> None:
    code = "data = requests.get(url, params={'page': page, 'size': size, 'sort': 'name'})"
    uri = open_doc(client, write(repo, "app/fetch.py", "import requests\n" + code + "\n"))
    ai_edit(client, uri, 1, [((1, 0), (1, len(code)))])
    await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["CON001"])
    await client.workspace_execute_command_async(types.ExecuteCommandParams(
        "countersign.acknowledge", arguments=[uri, None]))
    await wait_diagnostics(client, uri, lambda d: d == [])
    comment = "  # countersign: ignore[CON001] ok"  # shorter than the acknowledged code
    edit(client, uri, 2, (1, len(code)), (1, len(code)), comment)
    ai_edit(client, uri, 2, [((1, len(code)), (1, len(code + comment)))])
    [diag] = await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["CON001"])
    assert "until a person acknowledges the line" in diag.message
