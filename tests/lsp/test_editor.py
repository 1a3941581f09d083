"""Hover, code actions, code lens, summary, heuristic, encodings, settings."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from countersign.core.positions import unit_length
from tests.helpers import write
from tests.lsp.conftest import (
    CLIENTS,
    DROP,
    ai_edit,
    edit,
    eventually,
    open_doc,
    session,
    stop,
    summary,
    wait_diagnostics,
)

TEXT = "import db\n" + DROP + "\n"


async def flagged(client: LanguageClient, repo: Path) -> str:
    uri = open_doc(client, write(repo, "app/db.py", TEXT))
    ai_edit(client, uri, 1, [((1, 0), (1, len(DROP)))], tool="claude-code", kind="agent",
            model="anthropic/claude-sonnet-4-5")
    await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["DAT002"])
    return uri


async def test_diagnostic_format(client: LanguageClient, repo: Path) -> None:
    uri = await flagged(client, repo)
    [diag] = await wait_diagnostics(client, uri, bool)
    assert diag.source == "countersign" and diag.severity == types.DiagnosticSeverity.Error
    assert "claude-code (agent, anthropic/claude-sonnet-4-5)" in diag.message
    assert "tier critical" in diag.message and "senior+owner review" in diag.message
    assert diag.code_description is not None
    href = diag.code_description.href
    assert href.endswith("docs/rules-reference.md#dat002")
    assert '<a id="dat002"></a>' in Path(href.split("#")[0][len("file://"):]).read_text()


async def test_hover_code_lens_and_summary(client: LanguageClient, repo: Path) -> None:
    uri = await flagged(client, repo)
    doc = types.TextDocumentIdentifier(uri)
    hover = await client.text_document_hover_async(types.HoverParams(doc, types.Position(1, 3)))
    assert hover is not None
    text = hover.contents.value  # type: ignore[union-attr]
    assert "claude-code" in text and "anthropic/claude-sonnet-4-5" in text
    assert "DAT002" in text and "critical" in text and "agent" in text
    assert await client.text_document_hover_async(
        types.HoverParams(doc, types.Position(0, 1))) is None
    [lens] = await client.text_document_code_lens_async(types.CodeLensParams(doc))
    assert lens.command is not None
    assert lens.command.title == "AI: 1 line, 1 high-risk — needs senior+owner sign-off"
    result = await summary(client, uri)
    assert (result["aiLines"], result["tier"], result["review"]) == (1, "critical",
                                                                     "senior+owner")


async def test_code_actions(client: LanguageClient, repo: Path) -> None:
    uri = await flagged(client, repo)
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), types.Range(types.Position(1, 0), types.Position(1, 0)),
        types.CodeActionContext(diagnostics=[])))
    titles = [a.title for a in actions or []]  # type: ignore[union-attr]
    assert titles == ["countersign: acknowledge 1 AI line(s) as reviewed",
                      "countersign: add ignore[DAT002] (then write why it is safe: critical "
                      "findings need a reason)",
                      "countersign: explain DAT002"]
    suppress = actions[1]  # type: ignore[index]
    [text_edit] = suppress.edit.changes[uri]  # type: ignore[union-attr]
    assert text_edit.new_text == "  # countersign: ignore[DAT002]"
    assert text_edit.range.start == types.Position(1, len(DROP))
    explained = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        "countersign.explain", arguments=["DAT002"]))
    assert explained.startswith("DAT002 DROP TABLE")
    # the comment alone is no reason, and the AI's line is not yet a person's: both said
    edit(client, uri, 2, (1, len(DROP)), (1, len(DROP)), text_edit.new_text)
    [diag] = await wait_diagnostics(client, uri, lambda d: len(d) == 1 and "without a reason"
                                    in d[0].message)
    assert "ignore[DAT002] comment on this AI-written line does not count until" in diag.message
    assert "ignore[DAT002] comment on this line does not count without a reason" in diag.message
    end = len(DROP + text_edit.new_text)
    edit(client, uri, 3, (1, end), (1, end), " test fixture, the table is recreated")
    [diag] = await wait_diagnostics(client, uri, lambda d: len(d) == 1 and "reason" not in
                                    d[0].message)
    assert diag.message.endswith("until a person acknowledges the line (an AI cannot "
                                 "suppress its own finding).")
    await client.workspace_execute_command_async(types.ExecuteCommandParams(
        "countersign.acknowledge", arguments=[uri, None]))
    await wait_diagnostics(client, uri, lambda d: d == [])
    # suppressed by a person: no longer critical, but a second person still looks at it
    result = await summary(client, uri)
    assert (result["tier"], result["review"], result["rules"]) == ("none", "peer", [])
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), types.Position(1, 3)))
    assert hover is not None
    assert ("(suppressed: test fixture, the table is recreated; still needs peer review)"
            in hover.contents.value)  # type: ignore[union-attr]


async def test_large_insertion_is_suspected_until_a_client_reports_ai(
        client: LanguageClient, repo: Path) -> None:
    uri = open_doc(client, write(repo, "app/db.py", "import db\n"))
    block = "".join(f"x{i} = {i}\n" for i in range(10)) + DROP + "\n"
    edit(client, uri, 2, (1, 0), (1, 0), block)
    [diag] = await wait_diagnostics(client, uri, bool)
    assert "suspected" in diag.message and "heuristic" in diag.message
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), types.Position(11, 0)))
    assert hover is not None and "heuristic" in hover.contents.value  # type: ignore[union-attr]
    ai_edit(client, uri, 2, [((0, 0), (0, 6))])     # this client reports AI edits after all
    edit(client, uri, 3, (12, 0), (12, 0), block)    # so a big paste is a person's now
    await wait_diagnostics(client, uri, lambda d: len(d) == 1)
    assert (await summary(client, uri))["aiLines"] == 12


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
@pytest.mark.parametrize("spec", CLIENTS)
async def test_positions_honour_the_encoding(repo: Path, spec: str, encoding: str) -> None:
    caps = copy.deepcopy(client_capabilities(spec))
    caps.general = types.GeneralClientCapabilities(position_encodings=[encoding])
    client = await session(repo, spec, capabilities=caps)
    line = "s = '😀漢字'; " + DROP
    uri = open_doc(client, write(repo, "app/db.py", line + "\n"))
    width = unit_length(line, encoding)  # type: ignore[arg-type]
    ai_edit(client, uri, 1, [((0, 0), (0, width))])
    [diag] = await wait_diagnostics(client, uri, bool)
    before = line[:line.index("DROP")]
    assert diag.range.start.character == unit_length(before, encoding)  # type: ignore[arg-type]
    await stop(client)


@pytest.mark.parametrize("spec", CLIENTS)
async def test_bad_settings_warn_and_fall_back(repo: Path, spec: str) -> None:
    client = await session(repo, spec, {"debounceMs": "fast", "heuristic": {"minLines": -1}})
    await eventually(lambda: len(client.messages) >= 2, what="showMessage warnings")
    text = " ".join(m.message for m in client.messages)
    assert "debounceMs" in text and "minLines" in text
    uri = await flagged(client, repo)
    assert uri
    await stop(client)
