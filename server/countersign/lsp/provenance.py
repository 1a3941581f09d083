"""Who wrote what: AI edits the client reports, the spans it reads, and corrections by hand."""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types

from countersign.core.origin import HUMAN
from countersign.lsp import convert, typed
from countersign.lsp.documents import long_lived
from countersign.lsp.messages import AI_EDIT, PROVENANCE, AiEditParams, DocumentParams, OriginArgs
from countersign.lsp.server import CountersignServer

log = logging.getLogger(__name__)


def register(server: CountersignServer) -> None:
    """countersign/aiEdit, countersign/provenance, countersign.markAi, countersign.markHuman."""
    typed.notification(server, AI_EDIT, AiEditParams, ai_edit)
    typed.request(server, PROVENANCE, DocumentParams, provenance)
    typed.command(server, "countersign.markAi", mark_ai)
    typed.command(server, "countersign.markHuman", mark_human)


def ai_edit(ls: CountersignServer, params: AiEditParams) -> None:
    uri, version = params.text_document.uri, params.text_document.version
    ranges = [convert.range_of(r) for r in params.ranges]
    with long_lived():
        outcome = ls.documents.ai_edit(uri, version, ranges, params.origin())
    log.info("%s for %s version %s: %s", AI_EDIT, uri, version, outcome)
    entry = ls.documents.find(uri)
    if entry is not None and outcome == "applied":
        ls.changed(entry)
        ls.refresh_pulled()  # the client pulled after the didChange, before this report


def provenance(ls: CountersignServer, params: DocumentParams) -> dict[str, Any]:
    return ls.provenance(ls.documents.get(params.text_document.uri))


def mark_ai(ls: CountersignServer, uri: str, range_: types.Range | None = None,
            details: OriginArgs | None = None) -> int:
    """Mark the lines in ``range_`` (None: the whole document) as written by AI."""
    origin = (details or OriginArgs()).origin()
    lines = ls.documents.mark(uri, convert.optional_range(range_), origin)
    ls.changed_without_edit(uri)
    return len(lines)


def mark_human(ls: CountersignServer, uri: str, range_: types.Range | None = None) -> int:
    """Mark the lines in ``range_`` (None: the whole document) as written by a person."""
    lines = ls.documents.mark(uri, convert.optional_range(range_), HUMAN)
    ls.changed_without_edit(uri)
    return len(lines)
