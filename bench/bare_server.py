"""A bare pygls 2 server: publishes a fixed diagnostic list after every didChange (and
answers every pull with it).

The list comes from ``initializationOptions.diagnostics`` (JSON, as a client receives it)
and is converted to lsprotocol objects once, so each publish costs what pygls itself costs
to serialise and send it; without the option the list is empty.
"""

from __future__ import annotations

from lsprotocol import types
from pygls.lsp.server import LanguageServer

server = LanguageServer("bare", "1", text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
fixed: list[types.Diagnostic] = []


@server.feature(types.INITIALIZE)
def initialize(ls: LanguageServer, params: types.InitializeParams) -> None:
    options = params.initialization_options or {}
    fixed[:] = ls.protocol._converter.structure(options.get("diagnostics", []),
                                                list[types.Diagnostic])


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: LanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
        params.text_document.uri, fixed, params.text_document.version))


@server.feature(types.TEXT_DOCUMENT_DIAGNOSTIC,
                types.DiagnosticOptions(inter_file_dependencies=False, workspace_diagnostics=False))
def diagnostic(ls: LanguageServer,
               params: types.DocumentDiagnosticParams) -> types.RelatedFullDocumentDiagnosticReport:
    """Pull diagnostics (``bench_lsp_memory.py``): the same fixed list."""
    return types.RelatedFullDocumentDiagnosticReport(items=fixed)


if __name__ == "__main__":
    server.start_io()
