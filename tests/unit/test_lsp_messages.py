"""Params of countersign's own LSP messages: read strictly, and bad ones named field by field."""

from __future__ import annotations

from typing import Any

import pytest
from lsprotocol import types

from countersign.lsp.messages import AiEditParams, BadParams, CommitPreviewParams, DocumentParams
from countersign.lsp.typed import parse

URI = "file:///repo/app.py"
RANGE = {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 5}}


def test_ai_edit_params_are_read_from_camel_case_json() -> None:
    params = parse({"textDocument": {"uri": URI, "version": 3}, "ranges": [RANGE],
                    "tool": "copilot", "kind": "inline"}, AiEditParams)
    assert params.text_document == types.VersionedTextDocumentIdentifier(3, URI)
    assert params.ranges == [types.Range(types.Position(1, 0), types.Position(1, 5))]
    assert (params.tool, params.kind, params.model) == ("copilot", "inline", None)


def test_commit_preview_needs_no_document() -> None:
    assert parse({}, CommitPreviewParams).text_document is None


@pytest.mark.parametrize(("value", "kind", "message"), [
    (None, DocumentParams, "params must be an object, got None"),
    ([URI], DocumentParams, "params must be an object, got ['file:///repo/app.py']"),
    ({}, DocumentParams, "params.textDocument: missing"),
    ({"textDocument": {"uri": 5}}, DocumentParams,
     "params.textDocument.uri: expected a string, got 5"),
    ({"textDocument": {"uri": None}}, CommitPreviewParams,
     "params.textDocument.uri: expected a string, got None"),
    ({"textDocument": {"uri": URI}, "ranges": "all", "tool": "x"}, AiEditParams,
     "params.textDocument.version: missing; params.ranges: expected a list, got 'all'"),
    ({"textDocument": {"uri": URI, "version": "3"}, "ranges": []}, AiEditParams,
     "params.textDocument.version: expected an integer, got '3'"),
    ({"textDocument": {"uri": URI, "version": True}, "ranges": []}, AiEditParams,
     "params.textDocument.version: expected an integer, got True"),
    ({"textDocument": {"uri": URI, "version": 1}, "ranges": [RANGE], "tool": 7}, AiEditParams,
     "params.tool: expected a string, got 7"),
    ({"textDocument": {"uri": URI, "version": 1},
      "ranges": [{"start": {"line": -1, "character": 0}, "end": {"line": 0}}]}, AiEditParams,
     "params.ranges[0].start: Position.line should be in range [0:2147483647], but was -1.; "
     "params.ranges[0].end.character: missing"),
])
def test_bad_params_say_which_field_and_why(value: Any, kind: type, message: str) -> None:
    with pytest.raises(BadParams) as caught:
        parse(value, kind)
    assert str(caught.value) == message


def test_many_problems_are_cut_to_three() -> None:
    with pytest.raises(BadParams, match=r"\(and 3 more\)$"):
        parse({"textDocument": {"uri": 1, "version": "1"}, "ranges": [None, None]},
              AiEditParams)


@pytest.mark.parametrize(("tool", "kind", "message"), [
    (None, "inline", "'tool' must name the AI tool (like \"copilot\"), got None"),
    ("", "inline", "'tool' must name the AI tool (like \"copilot\"), got ''"),
    ("copilot", "", "'kind' must be one of inline, chat, agent, suspected, got ''"),
])
def test_an_ai_edit_names_its_tool_and_kind(tool: str | None, kind: str, message: str) -> None:
    params = AiEditParams(types.VersionedTextDocumentIdentifier(1, URI), [], tool, kind)
    with pytest.raises(BadParams) as caught:
        params.origin()
    assert str(caught.value) == message
