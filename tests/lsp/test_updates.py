"""Diagnostics after edits: moved lines are re-sent, unchanged lists are not sent again."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.helpers import write
from tests.lsp.conftest import (
    DROP,
    ai_edit,
    edit,
    eventually,
    open_doc,
    pulls,
    session,
    stop,
    summary,
    wait_diagnostics,
)

TEXT = "import db\n" + DROP + "\n"


def record_pushes(client: LanguageClient) -> list[int | None]:
    """The versions of every publishDiagnostics the client gets from now on."""
    seen: list[int | None] = []
    features = client.protocol.fm.features
    original = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def record(*args: Any) -> Any:
        seen.append(args[-1].version)
        return original(*args)

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = record
    return seen


def starts(diagnostics: list[types.Diagnostic]) -> list[tuple[int, int]]:
    return [(d.range.start.line, d.range.start.character) for d in diagnostics]


async def test_diagnostics_follow_edits_that_move_them(client: LanguageClient,
                                                       repo: Path) -> None:
    uri = open_doc(client, write(repo, "app/db.py", TEXT))
    ai_edit(client, uri, 1, [((1, 0), (1, len(DROP)))])
    [diag] = await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["DAT002"])
    column = diag.range.start.character
    pushes = record_pushes(client)

    edit(client, uri, 2, (0, 0), (0, 0), "\n\n")  # two lines above: the finding moves down
    await wait_diagnostics(client, uri, lambda d: starts(d) == [(3, column)])
    edit(client, uri, 3, (3, 0), (3, 0), "    ")  # indent it: the finding moves right
    await wait_diagnostics(client, uri, lambda d: starts(d) == [(3, column + 4)])
    edit(client, uri, 4, (0, 0), (0, 0), "x")  # a line without findings: nothing moves
    await summary(client, uri)
    edit(client, uri, 5, (3, 0), (3, 4), "")  # unindent: moves back
    await wait_diagnostics(client, uri, lambda d: starts(d) == [(3, column)])
    if not pulls(client):
        assert 2 in pushes and 3 in pushes and 5 in pushes
        assert 4 not in pushes, "an unchanged list was published again"


async def test_pull_answers_unchanged_for_the_current_result(client: LanguageClient,
                                                             repo: Path) -> None:
    uri = open_doc(client, write(repo, "app/db.py", TEXT))
    ai_edit(client, uri, 1, [((1, 0), (1, len(DROP)))])
    await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["DAT002"])
    doc = types.TextDocumentIdentifier(uri)

    async def pull(previous: str | None) -> Any:
        return await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(doc, previous_result_id=previous))

    first = await pull(None)
    assert isinstance(first, types.RelatedFullDocumentDiagnosticReport) and first.result_id
    again = await pull(first.result_id)
    assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
    assert again.result_id == first.result_id
    edit(client, uri, 2, (0, 0), (0, 0), "x")  # no finding moves: still unchanged
    assert isinstance(await pull(first.result_id), types.RelatedUnchangedDocumentDiagnosticReport)
    edit(client, uri, 3, (0, 0), (0, 0), "\n")
    moved = await pull(first.result_id)
    assert isinstance(moved, types.RelatedFullDocumentDiagnosticReport)
    assert moved.result_id != first.result_id and starts(list(moved.items))[0][0] == 2


async def test_an_ai_report_after_the_pull_asks_the_client_to_pull_again(repo: Path) -> None:
    """VS Code's languageclient pulls right after each didChange, and the client reports the
    AI edit that made the change only after that: the server must ask for a new pull."""
    caps = copy.deepcopy(client_capabilities("visual-studio-code"))
    assert caps.text_document is not None and caps.workspace is not None
    caps.text_document.diagnostic = types.DiagnosticClientCapabilities(dynamic_registration=True)
    caps.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    client = await session(repo, "visual-studio-code", capabilities=caps)
    refreshes: list[object] = []
    features = client.protocol.fm.features
    original = features[types.WORKSPACE_DIAGNOSTIC_REFRESH]

    def record(*args: Any) -> Any:
        refreshes.append(args[-1])
        return original(*args)

    features[types.WORKSPACE_DIAGNOSTIC_REFRESH] = record
    uri = open_doc(client, write(repo, "app/db.py", "import db\n"))
    doc = types.TextDocumentIdentifier(uri)

    edit(client, uri, 2, (1, 0), (1, 0), DROP + "\n")
    pulled = await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(doc))
    assert isinstance(pulled, types.RelatedFullDocumentDiagnosticReport) and not pulled.items
    ai_edit(client, uri, 2, [((1, 0), (1, len(DROP)))])
    await eventually(lambda: refreshes, what="workspace/diagnostic/refresh")
    pulled = await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(doc))
    assert isinstance(pulled, types.RelatedFullDocumentDiagnosticReport)
    assert [d.code for d in pulled.items] == ["DAT002"]
    await stop(client)
