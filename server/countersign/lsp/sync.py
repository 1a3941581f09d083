"""Document sync: the editor's opens, edits, saves and closes."""

from __future__ import annotations

from lsprotocol import types

from countersign.lsp import convert
from countersign.lsp.documents import Change, Untracked, long_lived
from countersign.lsp.server import CountersignServer


def register(server: CountersignServer) -> None:
    """textDocument/didOpen, didChange, didSave and didClose."""
    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(did_open)
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))(did_save)
    server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(did_close)


def did_open(ls: CountersignServer, params: types.DidOpenTextDocumentParams) -> None:
    doc = params.text_document
    ls.forget(doc.uri)
    try:
        with long_lived():
            entry = ls.documents.open(doc.uri, convert.path_of(doc.uri), doc.text,
                                      doc.version, doc.language_id)
    except Untracked as exc:
        ls.untracked(doc.uri, doc.version, str(exc))
        return
    if entry is None:
        ls.window_log_message(types.LogMessageParams(
            types.MessageType.Warning,
            f"countersign: {ls.documents.skipped[doc.uri]} — not tracking {doc.uri}"))
        return
    if entry.project is not None and entry.project.errors:
        ls.publish_config_errors()
    ls.changed(entry)


def did_change(ls: CountersignServer, params: types.DidChangeTextDocumentParams) -> None:
    changes = [Change(convert.range_of(c.range) if isinstance(
        c, types.TextDocumentContentChangePartial) else None, c.text)
        for c in params.content_changes]
    doc = params.text_document
    try:
        entry = ls.documents.change(doc.uri, doc.version, changes)
    except Untracked as exc:
        ls.untracked(doc.uri, doc.version, str(exc))
        return
    if entry is not None:
        ls.changed(entry)


def did_save(ls: CountersignServer, params: types.DidSaveTextDocumentParams) -> None:
    entry = ls.documents.find(params.text_document.uri)
    if entry is not None and ls.documents.saved(entry):  # another process's lines came in
        ls.changed(entry)
        ls.refresh_pulled()


def did_close(ls: CountersignServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.documents.close(params.text_document.uri)
    ls.forget(params.text_document.uri)
    if not ls.pull:
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(params.text_document.uri, []))
