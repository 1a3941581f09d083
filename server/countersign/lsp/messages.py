"""countersign's own LSP messages: their names, and the types of their params and arguments.

The params are attrs classes, camelCase on the wire like every lsprotocol type; ``typed``
reads them and registers the handlers that take them.
"""

from __future__ import annotations

import time
from typing import Any

import attrs
from lsprotocol import types

from countersign.core.origin import AI_KINDS, Origin

AI_EDIT = "countersign/aiEdit"
SUMMARY = "countersign/summary"
PROVENANCE = "countersign/provenance"
COMMIT_PREVIEW = "countersign/commitPreview"


class BadParams(ValueError):
    """The params or arguments of a countersign message are wrong; the message says where."""


# -- params ----------------------------------------------------------------------------


@attrs.define
class AiEditParams:
    """``countersign/aiEdit``: the text now in ``ranges`` of that document version is AI's."""

    text_document: types.VersionedTextDocumentIdentifier
    ranges: list[types.Range]
    tool: str | None = None
    kind: str = ""
    model: str | None = None

    def origin(self) -> Origin:
        return origin_of(self.tool, self.kind, self.model)


@attrs.define
class DocumentParams:
    """``countersign/summary`` and ``countersign/provenance``: the document asked about."""

    text_document: types.TextDocumentIdentifier


@attrs.define
class CommitPreviewParams:
    """``countersign/commitPreview``: a document of the repository (none: the first folder)."""

    text_document: types.TextDocumentIdentifier | None = None


@attrs.define
class OriginArgs:
    """``countersign.markAi``'s third argument: which AI wrote the lines."""

    tool: str = "unknown"
    kind: str = "chat"
    model: str | None = None

    def origin(self) -> Origin:
        return origin_of(self.tool, self.kind, self.model)


def origin_of(tool: str | None, kind: str, model: str | None) -> Origin:
    """An AI origin; BadParams says what is missing."""
    if not tool:
        raise BadParams(f"'tool' must name the AI tool (like \"copilot\"), got {tool!r}")
    if kind not in AI_KINDS:
        raise BadParams(f"'kind' must be one of {', '.join(AI_KINDS)}, got {kind!r}")
    return Origin(kind, tool, model, at=time.time())


# -- the JSON-RPC messages that carry them ---------------------------------------------


@attrs.define
class ClientRequest:
    """A request of countersign's own: its params stay plain JSON until its handler reads them.

    pygls would otherwise turn them into namedtuples, a new class per JSON object.
    """

    id: int | str
    method: str
    jsonrpc: str
    params: Any = None


@attrs.define
class ClientNotification:
    """A notification of countersign's own, params as plain JSON (see ``ClientRequest``)."""

    method: str
    jsonrpc: str
    params: Any = None


MESSAGE_TYPES: dict[str, type] = {AI_EDIT: ClientNotification, SUMMARY: ClientRequest,
                                  PROVENANCE: ClientRequest, COMMIT_PREVIEW: ClientRequest}
"""What the client sends. The server's own ``countersign/provenance`` notification is sent
as JSON text (``CountersignProtocol.notify_json``), not through these."""
