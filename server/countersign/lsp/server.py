"""Every LSP handler of countersign, registered in one place.

Handlers translate LSP to plain values, call the features (``Documents``, ``Projects``,
``core``) and translate the answers back; they hold no logic of their own.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

from countersign.core.diagnostics import explain, hover, lens_title, summarize
from countersign.core.origin import HUMAN
from countersign.core.settings import parse_settings
from countersign.lsp import convert
from countersign.lsp.actions import suppress_action
from countersign.lsp.documents import Change, DocumentError
from countersign.lsp.preview import PreviewError, PreviewInput, commit_preview
from countersign.lsp.runtime import CountersignServer, long_lived

log = logging.getLogger(__name__)
AI_EDIT = "countersign/aiEdit"
SUMMARY = "countersign/summary"
PROVENANCE = "countersign/provenance"
COMMIT_PREVIEW = "countersign/commitPreview"
COMMANDS = ("countersign.markAi", "countersign.markHuman", "countersign.acknowledge",
            "countersign.explain", "countersign.summary")


class RequestFailed(JsonRpcException):
    """LSP ``RequestFailed``: the request was valid but cannot be answered here."""

    CODE = types.LSPErrorCodes.RequestFailed.value
    MESSAGE = "Request failed"


def _invalid(exc: Exception) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(str(exc))


def _uri_arg(args: tuple[Any, ...], index: int = 0) -> str:
    if len(args) <= index or not isinstance(args[index], str):
        raise JsonRpcInvalidParams(f"argument {index + 1} must be a document URI, got "
                                   f"{args[index] if len(args) > index else 'nothing'!r}")
    uri: str = args[index]
    return uri


def _range_arg(args: tuple[Any, ...], index: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    if len(args) <= index or args[index] is None:
        return None
    try:
        return convert.range_of(convert.plain(args[index]))
    except ValueError as exc:
        raise _invalid(exc) from None


def build() -> CountersignServer:
    """A server with every handler registered."""
    server = CountersignServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: CountersignServer, params: types.InitializeParams) -> None:
        ls.documents.encoding = convert.encoding_of(ls.workspace.position_encoding)
        settings, errors = parse_settings(params.initialization_options)
        ls.apply_settings(settings, errors)
        wants_pull = get_capability(params.capabilities, "text_document.diagnostic") is not None
        mode = settings.diagnostic_mode
        ls.pull = mode == "pull" or (mode == "auto" and wants_pull)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: CountersignServer, params: types.InitializedParams) -> None:
        ls.start_watching()
        if get_capability(ls.client_capabilities,
                          "workspace.did_change_watched_files.dynamic_registration", False):
            try:
                await ls.client_register_capability_async(types.RegistrationParams([
                    types.Registration("countersign-watch",
                                       types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                                       types.DidChangeWatchedFilesRegistrationOptions([
                                           types.FileSystemWatcher("**/*.toml"),
                                           types.FileSystemWatcher("**/countersign/ledger.db*"),
                                       ]))]))
            except Exception as exc:  # the server polls anyway
                log.warning("could not register file watchers: %s", exc)
        await load_configuration(ls)

    async def load_configuration(ls: CountersignServer) -> None:
        if not get_capability(ls.client_capabilities, "workspace.configuration", False):
            return
        try:
            answer = await ls.workspace_configuration_async(types.ConfigurationParams(
                [types.ConfigurationItem(section="countersign")]))
        except Exception as exc:
            log.warning("workspace/configuration failed: %s", exc)
            return
        if answer and answer[0] is not None:
            ls.apply_settings(*parse_settings(answer[0]))
            ls.refresh_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: CountersignServer,
                                       params: types.DidChangeConfigurationParams) -> None:
        if isinstance(params.settings, dict) and params.settings.get("countersign") is not None:
            ls.apply_settings(*parse_settings(params.settings))
            ls.refresh_all()
        else:
            await load_configuration(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: CountersignServer,
                                 params: types.DidChangeWatchedFilesParams) -> None:
        ls.check_files()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: CountersignServer, params: types.DidOpenTextDocumentParams) -> None:
        doc = params.text_document
        ls.forget(doc.uri)
        with long_lived():
            entry = ls.documents.open(doc.uri, convert.path_of(doc.uri), doc.text,
                                      doc.version, doc.language_id)
        if entry is None:
            ls.window_log_message(types.LogMessageParams(
                types.MessageType.Warning,
                f"countersign: {ls.documents.skipped[doc.uri]} — not tracking {doc.uri}"))
            return
        if entry.project is not None and entry.project.errors:
            ls.publish_config_errors()
        ls.changed(entry)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: CountersignServer, params: types.DidChangeTextDocumentParams) -> None:
        changes = [Change(convert.range_of(c.range) if isinstance(
            c, types.TextDocumentContentChangePartial) else None, c.text)
            for c in params.content_changes]
        entry = ls.documents.change(params.text_document.uri, params.text_document.version,
                                    changes)
        if entry is not None:
            ls.changed(entry)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: CountersignServer, params: types.DidSaveTextDocumentParams) -> None:
        entry = ls.documents.find(params.text_document.uri)
        if entry is not None:
            ls.documents.persist(entry)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: CountersignServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.documents.close(params.text_document.uri)
        ls.forget(params.text_document.uri)
        if not ls.pull:
            ls.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(params.text_document.uri, []))

    @server.feature(AI_EDIT)
    def ai_edit(ls: CountersignServer, params: Any) -> None:
        data = convert.plain(params)
        try:
            doc = data["textDocument"]
            uri, version = doc["uri"], doc["version"]
            if not isinstance(uri, str) or not isinstance(version, int):
                raise ValueError("textDocument needs a string uri and an integer version")
            ranges = [convert.range_of(r) for r in data["ranges"]]
            origin = convert.origin_of(data, default_kind="")
            with long_lived():
                outcome = ls.documents.ai_edit(uri, version, ranges, origin)
        except (KeyError, TypeError, ValueError, DocumentError) as exc:
            log.warning("ignoring %s: %s (params: %.300r)", AI_EDIT, exc, data)
            ls.window_log_message(types.LogMessageParams(
                types.MessageType.Warning, f"countersign: ignoring {AI_EDIT}: {exc}"))
            return
        log.info("%s for %s version %s: %s", AI_EDIT, uri, version, outcome)
        entry = ls.documents.find(uri)
        if entry is not None and outcome == "applied":
            ls.changed(entry)
            ls.refresh_pulled()  # the client pulled after the didChange, before this report

    @server.feature(types.TEXT_DOCUMENT_DIAGNOSTIC, types.DiagnosticOptions(
        identifier="countersign", inter_file_dependencies=False, workspace_diagnostics=False))
    def pull_diagnostics(ls: CountersignServer, params: types.DocumentDiagnosticParams
                         ) -> types.DocumentDiagnosticReport:
        return ls.pull_report(params.text_document.uri, params.previous_result_id)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
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

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
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

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_actions(ls: CountersignServer, params: types.CodeActionParams
                     ) -> list[types.CodeAction]:
        entry = ls.documents.find(params.text_document.uri)
        if entry is None:
            return []
        first, last = params.range.start.line, params.range.end.line
        findings = [f for f in entry.doc.findings() if first <= f.line <= last and f.active]
        actions = []
        enc = ls.documents.encoding
        lines = [n for n in range(first, min(last, entry.doc.text.line_count - 1) + 1)
                 if (o := entry.doc.line_ai[n]) is not None and not o.acknowledged_by]
        if lines:
            ack_range = {"start": {"line": lines[0], "character": 0},
                         "end": {"line": lines[-1], "character": 0}}
            actions.append(types.CodeAction(
                f"countersign: acknowledge {len(lines)} AI line(s) as reviewed",
                kind=types.CodeActionKind.QuickFix,
                command=types.Command("Acknowledge", "countersign.acknowledge",
                                      arguments=[entry.uri, ack_range])))
        caps = ls.client_capabilities
        snippets = get_capability(caps, "workspace.workspace_edit.snippet_edit_support", False) \
            and get_capability(caps, "workspace.workspace_edit.document_changes", False)
        for f in findings:
            actions.append(suppress_action(entry, f, enc, snippets))
            actions.append(types.CodeAction(
                f"countersign: explain {f.rule.id}", kind=types.CodeActionKind.QuickFix,
                command=types.Command(f"Explain {f.rule.id}", "countersign.explain",
                                      arguments=[f.rule.id])))
        return actions

    @server.feature(SUMMARY)
    def summary_request(ls: CountersignServer, params: Any) -> dict[str, Any]:
        data = convert.plain(params)
        uri = data.get("textDocument", {}).get("uri") if isinstance(data, dict) else None
        return _summary(ls, uri if isinstance(uri, str) else "")

    @server.feature(PROVENANCE)
    def provenance_request(ls: CountersignServer, params: Any) -> dict[str, Any]:
        data = convert.plain(params)
        uri = data.get("textDocument", {}).get("uri") if isinstance(data, dict) else None
        try:
            return ls.provenance(ls.documents.get(uri if isinstance(uri, str) else ""))
        except DocumentError as exc:
            raise _invalid(exc) from None

    @server.feature(COMMIT_PREVIEW)
    async def commit_preview_request(ls: CountersignServer, params: Any) -> dict[str, Any]:
        data = convert.plain(params)
        doc = data.get("textDocument") if isinstance(data, dict) else None
        uri = doc.get("uri") if isinstance(doc, dict) else None
        if uri is not None and not isinstance(uri, str):
            raise JsonRpcInvalidParams(f"textDocument.uri must be a string, got {uri!r}")
        try:
            project = ls.project_for(uri)
        except DocumentError as exc:
            raise _invalid(exc) from None
        ls.documents.flush(project)  # the hook reads the ledger: give it the buffers' lines
        source = PreviewInput(project.workspace.root, project.workspace.git_dir,
                              project.rules, project.config)
        try:
            return await asyncio.to_thread(commit_preview, source)
        except PreviewError as exc:
            raise RequestFailed(str(exc)) from None

    @server.command("countersign.summary")
    def summary_command(ls: CountersignServer, *args: Any) -> dict[str, Any]:
        return _summary(ls, _uri_arg(args))

    @server.command("countersign.markAi")
    def mark_ai(ls: CountersignServer, *args: Any) -> int:
        uri, range_ = _uri_arg(args), _range_arg(args, 1)
        details = convert.plain(args[2]) if len(args) > 2 and args[2] is not None else {}
        try:
            origin = convert.origin_of({"tool": "unknown", **details}, default_kind="chat")
            lines = ls.documents.mark(uri, range_, origin)
        except (ValueError, DocumentError) as exc:
            raise _invalid(exc) from None
        _changed(ls, uri)
        return len(lines)

    @server.command("countersign.markHuman")
    def mark_human(ls: CountersignServer, *args: Any) -> int:
        uri, range_ = _uri_arg(args), _range_arg(args, 1)
        try:
            lines = ls.documents.mark(uri, range_, HUMAN)
        except DocumentError as exc:
            raise _invalid(exc) from None
        _changed(ls, uri)
        return len(lines)

    @server.command("countersign.acknowledge")
    def acknowledge(ls: CountersignServer, *args: Any) -> int:
        uri, range_ = _uri_arg(args), _range_arg(args, 1)
        try:
            entry = ls.documents.get(uri)
            who = (args[2] if len(args) > 2 and isinstance(args[2], str) else None) or \
                ls.settings.reviewer or (entry.project.reviewer if entry.project else None)
            if not who:
                raise DocumentError("nobody to acknowledge as: set countersign.reviewer or "
                                    "git config user.email")
            count = ls.documents.acknowledge(uri, range_, who)
        except DocumentError as exc:
            raise _invalid(exc) from None
        _changed(ls, uri)
        return count

    @server.command("countersign.explain")
    def explain_rule(ls: CountersignServer, *args: Any) -> str:
        rule_id = args[0] if args and isinstance(args[0], str) else None
        for project in ls.projects:
            rule = project.rules.by_id().get((rule_id or "").upper())
            if rule is not None:
                text = explain(rule, project.config, ls.href)
                ls.show(text)
                return text
        raise JsonRpcInvalidParams(f"unknown rule {rule_id!r}: pass a rule id like DAT002 "
                                   f"(countersign rules list shows them)")

    return server


def _changed(ls: CountersignServer, uri: str) -> None:
    """A command changed a document's AI lines without an edit: pull clients must re-pull."""
    entry = ls.documents.find(uri)
    if entry is not None:
        ls.changed(entry)
        ls.refresh_pulled()


def _summary(ls: CountersignServer, uri: str) -> dict[str, Any]:
    try:
        entry = ls.documents.get(uri)
    except DocumentError as exc:
        raise _invalid(exc) from None
    if entry.project is None:
        raise JsonRpcInvalidParams(f"{uri} is not a file in a workspace")
    summary = summarize(entry.doc.ai_lines(), entry.doc.text.line_count,
                        entry.doc.findings(), entry.project.config)
    return {"uri": uri, **summary.to_dict(), "title": lens_title(summary)}
