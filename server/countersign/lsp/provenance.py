"""Who wrote what: AI edits the client reports, the spans it reads, and corrections by hand."""

from __future__ import annotations

import logging
from typing import Any

from countersign.core.origin import HUMAN
from countersign.lsp import convert, messages
from countersign.lsp.documents import DocumentError, long_lived
from countersign.lsp.messages import (
    AI_EDIT,
    PROVENANCE,
    AiEditParams,
    DocumentParams,
    invalid,
    range_arg,
    uri_arg,
)
from countersign.lsp.server import CountersignServer

log = logging.getLogger(__name__)


def register(server: CountersignServer) -> None:
    """countersign/aiEdit, countersign/provenance, countersign.markAi, countersign.markHuman."""
    messages.notification(server, AI_EDIT, AiEditParams, ai_edit)
    messages.request(server, PROVENANCE, DocumentParams, provenance)
    server.command("countersign.markAi")(mark_ai)
    server.command("countersign.markHuman")(mark_human)


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


def mark_ai(ls: CountersignServer, *args: Any) -> int:
    uri, range_ = uri_arg(args), range_arg(args, 1)
    details = convert.plain(args[2]) if len(args) > 2 and args[2] is not None else {}
    try:
        origin = convert.origin_of({"tool": "unknown", **details}, default_kind="chat")
        lines = ls.documents.mark(uri, range_, origin)
    except (ValueError, DocumentError) as exc:
        raise invalid(exc) from None
    ls.changed_without_edit(uri)
    return len(lines)


def mark_human(ls: CountersignServer, *args: Any) -> int:
    uri, range_ = uri_arg(args), range_arg(args, 1)
    try:
        lines = ls.documents.mark(uri, range_, HUMAN)
    except DocumentError as exc:
        raise invalid(exc) from None
    ls.changed_without_edit(uri)
    return len(lines)
