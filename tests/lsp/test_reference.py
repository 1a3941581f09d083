"""A real server's ``countersign/provenance`` against the naive reference, over a few seeded
editing sessions in each position encoding it can negotiate (the many sessions run
in-process: ``tests/unit/test_provenance_reference.py``).

The server stamps each report with the time it arrived, so spans are compared by tool and
kind, neighbours of one tool and kind joined, on both sides.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from countersign.core.positions import ENCODINGS, Encoding
from tests.helpers import write
from tests.lsp.conftest import ai_edit, provenance, session, stop
from tests.provenance_model import Model, Step
from tests.provenance_model import session as editing

SEEDS = (3, 4, 5)
STEPS = 20
START = "import os\r\nx = 1\n\n漢字 = '😀'\rdef f():\n    return 2\n"


def _range(step: Step) -> types.Range:
    (sl, sc), (el, ec) = step.range
    return types.Range(types.Position(sl, sc), types.Position(el, ec))


async def _play(client: LanguageClient, uri: str, step: Step) -> None:
    doc = types.VersionedTextDocumentIdentifier(step.version, uri)
    if step.kind == "edit":
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            doc, [types.TextDocumentContentChangePartial(_range(step), step.text)]))
    elif step.kind == "reload":
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            doc, [types.TextDocumentContentChangeWholeDocument(step.text)]))
    elif step.kind == "report":
        ai_edit(client, uri, step.of, [step.range], tool=step.origin.tool or "",
                kind=step.origin.kind)
    elif step.origin.is_ai:
        await client.workspace_execute_command_async(types.ExecuteCommandParams(
            "countersign.markAi", [uri, _range(step), {"tool": step.origin.tool,
                                                      "kind": step.origin.kind}]))
    else:
        await client.workspace_execute_command_async(types.ExecuteCommandParams(
            "countersign.markHuman", [uri, _range(step)]))


def _joined(spans: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """(start, end, tool, kind) with touching spans of one tool and kind joined."""
    out: list[tuple[Any, ...]] = []
    for start, end, tool, kind in spans:
        if out and out[-1][1] == start and out[-1][2:] == (tool, kind):
            out[-1] = (out[-1][0], end, tool, kind)
        else:
            out.append((start, end, tool, kind))
    return out


def _said(payload: dict[str, Any]) -> list[tuple[Any, ...]]:
    return _joined([((s["range"]["start"]["line"], s["range"]["start"]["character"]),
                     (s["range"]["end"]["line"], s["range"]["end"]["character"]),
                     s["tool"], s["kind"]) for s in payload["spans"]])


@pytest.mark.parametrize("enc", ENCODINGS)
async def test_a_real_server_matches_the_reference(repo: Path, enc: Encoding) -> None:
    caps = copy.deepcopy(client_capabilities("visual-studio-code"))
    caps.general = types.GeneralClientCapabilities(position_encodings=[enc])
    for seed in SEEDS:
        client = await session(repo, "visual-studio-code", {"heuristic": {"enabled": False}},
                               capabilities=caps)
        path = write(repo, f"app/session_{seed}.py", START)
        uri = path.as_uri()
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri, "python", 1, START)))
        model = Model.of(START, 1)
        for n, step in enumerate(editing(seed, STEPS, enc, START)):
            await _play(client, uri, step)
            model.apply(step)
            expected = _joined([(*r, o.tool, o.kind) for r, o in model.spans(enc)])
            assert _said(await provenance(client, uri)) == expected, f"seed {seed} step {n}"
        await stop(client)
