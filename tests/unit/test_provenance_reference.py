"""The language server's provenance against a naive reference, over seeded editing sessions
in each position encoding (issue 15: "held under 650 random edit sequences in three
encodings"; kept here, bounded and deterministic, so it keeps holding).

The sessions go through ``Documents`` (what the server's handlers call: positions in the
client's encoding, reports before and after their version, reloads, marks) and the
``countersign/provenance`` payload is compared with the model after every step, as are the
AI lines. ``tests/lsp/test_reference.py`` runs a few sessions through a real server.
"""

from __future__ import annotations

from typing import Any

import pytest

from countersign.core.positions import ENCODINGS, Encoding
from countersign.lsp import convert
from countersign.lsp.documents import Change, Documents
from countersign.lsp.projects import Projects
from countersign.lsp.settings import HeuristicSettings, Settings
from tests.provenance_model import Model, Step, session

SESSIONS = 220
"""Per encoding: 660 sessions in all."""
STEPS = 30
URI = "untitled:reference.py"
START = "import os\r\nx = 1\n\n漢字 = '😀'\rdef f():\n    return 2\n"


def _documents(enc: Encoding) -> Documents:
    docs = Documents(Projects())
    docs.encoding = enc
    docs.settings = Settings(heuristic=HeuristicSettings(enabled=False))  # no guessing
    docs.open(URI, None, START, 1, "python")
    return docs


def _play(docs: Documents, step: Step) -> None:
    if step.kind == "edit":
        docs.change(URI, step.version, [Change(step.range, step.text)])
    elif step.kind == "reload":
        docs.change(URI, step.version, [Change(None, step.text)])
    elif step.kind == "report":
        docs.ai_edit(URI, step.of, [step.range], step.origin)
    else:
        docs.mark(URI, step.range, step.origin)


def _said(docs: Documents, enc: Encoding) -> list[tuple[Any, ...]]:
    doc = docs.get(URI).doc
    payload = convert.provenance(URI, doc.version, doc.text, doc.spans.spans(), enc)
    return [((s["range"]["start"]["line"], s["range"]["start"]["character"]),
             (s["range"]["end"]["line"], s["range"]["end"]["character"]),
             s["tool"], s["kind"], s["at"]) for s in payload["spans"]]


@pytest.mark.parametrize("enc", ENCODINGS)
def test_provenance_matches_the_reference_after_every_step(enc: Encoding) -> None:
    compared = 0
    for seed in range(SESSIONS):
        docs, model = _documents(enc), Model.of(START, 1)
        for n, step in enumerate(session(seed, STEPS, enc, START)):
            _play(docs, step)
            model.apply(step)
            where = f"seed {seed}, step {n} ({step})"
            assert docs.get(URI).doc.text.text == model.text, where
            expected = [(*r, o.tool, o.kind, o.at) for r, o in model.spans(enc)]
            assert _said(docs, enc) == expected, where
            assert set(docs.get(URI).doc.ai_lines()) == model.ai_lines(), where
            compared += 1
    assert compared >= SESSIONS * STEPS
