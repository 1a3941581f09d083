"""A stand-in AI completion provider: an LSP server whose only feature is inline completion.

It offers ``FAKE_AI_LINE`` as the completion of the current line, replacing what was typed
on it, the way Copilot's language server answers ``textDocument/inlineCompletion``.
"""

from __future__ import annotations

import os

from lsprotocol import types
from pygls.lsp.server import LanguageServer

server = LanguageServer("fake-ai", "0.1")


@server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
def inline_completion(
    ls: LanguageServer, params: types.InlineCompletionParams
) -> list[types.InlineCompletionItem]:
    line = params.position.line
    start = types.Position(line=line, character=0)
    return [types.InlineCompletionItem(
        insert_text=os.environ["FAKE_AI_LINE"],
        range=types.Range(start=start, end=params.position))]


if __name__ == "__main__":
    server.start_io()
