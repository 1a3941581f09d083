"""At a glance: a line's origin on hover, a document's summary, what a commit would say, and
the sign-off state of the branch's commits."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from countersign.core.config import Config
from countersign.core.diagnostics import hover, lens_title, summarize
from countersign.core.rules import RuleSet
from countersign.lsp import typed
from countersign.lsp.documents import DocumentError
from countersign.lsp.messages import (
    COMMIT_PREVIEW,
    SIGNOFF,
    SUMMARY,
    CommitPreviewParams,
    DocumentParams,
    SignoffParams,
    SignoffResult,
)
from countersign.lsp.preview import PreviewError, PreviewInput, commit_preview
from countersign.lsp.server import CountersignServer


class RequestFailed(JsonRpcException):
    """LSP ``RequestFailed``: the request was valid but cannot be answered here."""

    CODE = types.LSPErrorCodes.RequestFailed.value
    MESSAGE = "Request failed"


def register(server: CountersignServer) -> None:
    """textDocument/hover and codeLens, countersign/summary (request and command),
    countersign/commitPreview and countersign/signoff."""
    server.feature(types.TEXT_DOCUMENT_HOVER)(on_hover)
    server.feature(types.TEXT_DOCUMENT_CODE_LENS)(code_lens)
    typed.request(server, SUMMARY, DocumentParams, summary_request)
    typed.command(server, "countersign.summary", summary_command)
    typed.request(server, COMMIT_PREVIEW, CommitPreviewParams, commit_preview_request)
    typed.request(server, SIGNOFF, SignoffParams, signoff_request)


def on_hover(ls: CountersignServer, params: types.HoverParams) -> types.Hover | None:
    entry = ls.documents.find(params.text_document.uri)
    line = params.position.line
    if entry is None or entry.project is None or line >= entry.doc.text.line_count:
        return None
    origin = entry.doc.line_ai[line]
    if origin is None:
        return None
    findings = [f for f in entry.doc.findings() if f.line == line]
    text = hover(origin, findings, entry.project.config, ls.href)
    return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text))


def code_lens(ls: CountersignServer, params: types.CodeLensParams) -> list[types.CodeLens]:
    entry = ls.documents.find(params.text_document.uri)
    if entry is None or entry.project is None:
        return []
    ai = entry.doc.ai_lines()
    if not ai:
        return []
    summary = summarize(ai, entry.doc.text.line_count, entry.doc.findings(),
                        entry.project.config)
    top = types.Range(types.Position(0, 0), types.Position(0, 0))
    return [types.CodeLens(top, types.Command(lens_title(summary), "countersign.summary",
                                              arguments=[entry.uri]))]


def summary_request(ls: CountersignServer, params: DocumentParams) -> dict[str, Any]:
    return _summary(ls, params.text_document.uri)


def summary_command(ls: CountersignServer, uri: str) -> dict[str, Any]:
    return _summary(ls, uri)


def _summary(ls: CountersignServer, uri: str) -> dict[str, Any]:
    entry = ls.documents.get(uri)
    if entry.project is None:
        raise DocumentError(f"{uri} is not a file in a workspace")
    summary = summarize(entry.doc.ai_lines(), entry.doc.text.line_count,
                        entry.doc.findings(), entry.project.config)
    return {"uri": uri, **summary.to_dict(), "title": lens_title(summary)}


async def commit_preview_request(ls: CountersignServer, params: CommitPreviewParams
                                 ) -> dict[str, Any]:
    doc = params.text_document
    project = ls.project_for(doc.uri if doc is not None else None)
    ls.documents.flush(project)  # the hook reads the ledger: give it the buffers' lines
    source = PreviewInput(project.workspace.root, project.workspace.git_dir,
                          project.rules, project.config)
    try:
        return await asyncio.to_thread(commit_preview, source)
    except PreviewError as exc:
        raise RequestFailed(str(exc)) from None


async def signoff_request(ls: CountersignServer, params: SignoffParams) -> SignoffResult:
    """The gate's verdicts on the branch's commits, judged in a worker thread."""
    doc = params.text_document
    project = ls.project_for(doc.uri if doc is not None else None)
    return await asyncio.to_thread(
        _judge, project.workspace.root, project.workspace.git_dir, project.rules,
        project.config, project.policy, params.base, params.max_commits)


def _judge(root: Path, git_dir: Path | None, rules: RuleSet, config: Config,
           policy: Path | None, base: str | None, limit: int) -> SignoffResult:
    """Run in the worker: the judging modules (history, approvals, signatures: ~3 MB) are
    imported on the first report, so a server nobody asks for one never holds them."""
    from countersign.lsp import signoff as judged

    try:
        return judged.signoff(judged.SignoffInput(root, git_dir, rules, config, policy, base,
                                                  limit))
    except judged.SignoffError as exc:
        raise RequestFailed(str(exc)) from None
