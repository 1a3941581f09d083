"""The JSON-RPC side of the server: what pygls's ``LanguageServerProtocol`` does differently.

countersign keeps each document's text itself, sends diagnostics as JSON it already has, and
knows the message types of its own methods (``messages``).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from typing import Any, ClassVar

from lsprotocol import types
from pygls.protocol import LanguageServerProtocol, lsp_method

from countersign.lsp.messages import MESSAGE_TYPES

log = logging.getLogger(__name__)


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

    _writes: ClassVar[set[asyncio.Future[Any]]] = set()

    def notify_json(self, method: str, params: str) -> None:
        """Send a notification whose ``params`` are JSON text already.

        Diagnostics are kept as JSON per line (``published``); going through pygls's
        converter would turn hundreds of them back into objects and out again per keystroke.
        """
        if self.writer is None:
            log.error("cannot send %s: no transport", method)
            return
        body = f'{{"jsonrpc":"2.0","method":{json.dumps(method)},"params":{params}}}'.encode()
        header = (f"Content-Length: {len(body)}\r\nContent-Type: {self.CONTENT_TYPE}; "
                  f"charset={self.CHARSET}\r\n\r\n").encode() if self._include_headers else b""
        result = self.writer.write(header + body)
        if inspect.isawaitable(result):  # websocket transports write asynchronously
            self._writes.add(task := asyncio.ensure_future(result))
            task.add_done_callback(self._writes.discard)
