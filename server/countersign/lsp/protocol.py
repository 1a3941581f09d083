"""The JSON-RPC side of the server: what pygls's ``LanguageServerProtocol`` does differently.

countersign keeps each document's text itself, sends diagnostics as JSON it already has, and
knows the message types of its own methods (``messages``). It also answers what pygls 2.1
leaves unanswered, so a client never waits forever:

- a body that is not JSON gets a ``ParseError`` (pygls logs it and answers nothing);
- a request whose params do not fit the method's types (a hover at line -3) gets
  ``InvalidParams`` naming the field (pygls raises while parsing, before it knows the id);
- a request that is not JSON-RPC 2.0 gets ``InvalidRequest``;
- a request after ``shutdown`` gets ``InvalidRequest`` (pygls drops it), as the LSP
  specification asks.

Framing (``Content-Length``) is read by ``transport``.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import attrs
import cattrs
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.protocol import (
    JsonRPCNotification,
    JsonRPCRequestMessage,
    LanguageServerProtocol,
    lsp_method,
)

from countersign.lsp.messages import MESSAGE_TYPES
from countersign.lsp.typed import describe

log = logging.getLogger(__name__)
PARSE_ERROR, INVALID_REQUEST, INVALID_PARAMS = -32700, -32600, -32602


@dataclass(frozen=True)
class Refused:
    """A message that cannot be handled, and the error its sender gets (requests only)."""

    id: int | str | None
    code: int
    message: str
    answer: bool = True
    """Whether the sender waits for an answer (a request)."""
    changed: str | None = None
    """The document of a ``didChange`` that cannot be read (its text is unknown now)."""


def _cause(exc: Exception) -> Exception:
    """What pygls wrapped in its ``JsonRpcException`` (the converter's error)."""
    return exc.__cause__ if isinstance(exc.__cause__, Exception) else exc


def _changed_uri(data: dict[str, Any]) -> str | None:
    params = data.get("params")
    document = params.get("textDocument") if isinstance(params, dict) else None
    uri = document.get("uri") if isinstance(document, dict) else None
    return uri if isinstance(uri, str) else None


def _request_id(value: object) -> int | str | None:
    """A request id as JSON-RPC allows it (a number or a string), else None."""
    return value if isinstance(value, (int, str)) and not isinstance(value, bool) else None


class CountersignProtocol(LanguageServerProtocol):
    """pygls's protocol without its own copy of each document.

    countersign keeps the text itself (``core.text.Text``) with incremental line starts;
    pygls's copy would cost a second full split of the document on every keystroke.
    """

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Any:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Any:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None

    def get_message_type(self, method: str) -> type | None:  # type: ignore[override]
        """countersign's own methods, then LSP's (pygls's documented extension point).

        (pygls wraps its own in ``lru_cache``; a dict lookup needs none.)
        """
        return MESSAGE_TYPES.get(method) or super().get_message_type(method)

    lost_change: Callable[[str, str], None] | None = None
    """Told the URI and why when a ``didChange`` cannot be read: the server's copy of that
    document no longer matches the editor's."""

    # -- reading messages (what pygls does not answer) ---------------------------------

    @property
    def shut_down(self) -> bool:
        """Whether the client asked the server to shut down."""
        return self._shutdown

    def receive(self, body: bytes) -> None:
        """Handle one message body as the transport read it."""
        try:
            message = json.loads(body.decode("utf-8"), object_hook=self.structure_message)
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
            log.warning("a message that is not JSON text in UTF-8 (%s): %.200r", exc, body)
            self.send_error(None, PARSE_ERROR, f"the message is not JSON text in UTF-8: {exc}")
            return
        except JsonRpcException as exc:  # a response pygls cannot read
            log.warning("ignoring a response whose fields do not fit: %s (%.300r)",
                        describe(_cause(exc), ""), body)
            return
        self.handle_message(message)

    def structure_message(self, data: dict[str, Any]) -> Any:
        """A request or notification whose params do not fit its method becomes
        ``Refused``: a request is answered with the error, a notification is logged."""
        if "jsonrpc" not in data or "method" not in data:
            return super().structure_message(data)  # a response, or a part of a message
        method = str(data["method"])
        kind = self.get_message_type(method) or (
            JsonRPCRequestMessage if "id" in data else JsonRPCNotification)
        try:
            return self._converter.structure(data, kind)
        except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
            return Refused(_request_id(data.get("id")), INVALID_PARAMS,
                           f"{method}: {describe(exc, '')}", "id" in data,
                           _changed_uri(data) if method == types.TEXT_DOCUMENT_DID_CHANGE
                           else None)

    def handle_message(self, message: Any) -> None:
        if isinstance(message, Refused):
            log.warning("%s %s", "answering" if message.answer else "ignoring",
                        message.message)
            if message.answer:
                self.send_error(message.id, message.code, message.message)
            if message.changed is not None and self.lost_change is not None:
                self.lost_change(message.changed, message.message)
        elif getattr(message, "jsonrpc", None) != self.VERSION:
            self._not_json_rpc(message)
        elif self._shutdown and hasattr(message, "method") and hasattr(message, "id"):
            self.send_error(message.id, INVALID_REQUEST,
                            f"the server is shutting down: {message.method} is refused after "
                            f"shutdown (send exit)")
        else:
            super().handle_message(message)

    def _not_json_rpc(self, message: Any) -> None:
        """Answer a request that is not JSON-RPC 2.0 (an array, no ``jsonrpc``)."""
        log.warning("a message that is not JSON-RPC 2.0: %.300r", message)
        fields = message if isinstance(message, dict) else (
            attrs.asdict(message, recurse=False) if attrs.has(type(message)) else None)
        if fields is not None and ("id" not in fields or "result" in fields
                                   or "error" in fields):
            return  # a notification or a response: nobody waits for an answer
        self.send_error(_request_id((fields or {}).get("id")), INVALID_REQUEST,
                        'not a JSON-RPC 2.0 request: it needs "jsonrpc": "2.0", a "method" '
                        'and an "id"')

    # -- writing ---------------------------------------------------------------------

    def send_error(self, msg_id: int | str | None, code: int, message: str) -> None:
        """Answer ``msg_id`` (null: a message whose id is unknown) with an error."""
        self._write_json(json.dumps({"jsonrpc": self.VERSION, "id": msg_id,
                                     "error": {"code": code, "message": message}}))

    _writes: ClassVar[set[asyncio.Future[Any]]] = set()

    def notify_json(self, method: str, params: str) -> None:
        """Send a notification whose ``params`` are JSON text already.

        Diagnostics are kept as JSON per line (``published``); going through pygls's
        converter would turn hundreds of them back into objects and out again per keystroke.
        """
        self._write_json(f'{{"jsonrpc":"2.0","method":{json.dumps(method)},"params":{params}}}')

    def _write_json(self, text: str) -> None:
        if self.writer is None:
            log.error("cannot send %.80s: no transport", text)
            return
        body = text.encode()
        header = (f"Content-Length: {len(body)}\r\nContent-Type: {self.CONTENT_TYPE}; "
                  f"charset={self.CHARSET}\r\n\r\n").encode() if self._include_headers else b""
        result = self.writer.write(header + body)
        if inspect.isawaitable(result):  # websocket transports write asynchronously
            self._writes.add(task := asyncio.ensure_future(result))
            task.add_done_callback(self._writes.discard)
