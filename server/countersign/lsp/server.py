"""The language server: its state, the timers that publish results, and file watching.

``build`` makes one and lets each feature module register its handlers:

- ``session``: initialize, initialized, workspace/didChangeConfiguration and
  workspace/didChangeWatchedFiles
- ``sync``: textDocument/didOpen, didChange, didSave and didClose
- ``provenance``: countersign/aiEdit, countersign/provenance, countersign.markAi and
  countersign.markHuman (who wrote what: reported, read, corrected)
- ``review``: textDocument/diagnostic and codeAction, countersign.acknowledge and
  countersign.explain
- ``summary``: textDocument/hover and codeLens, countersign/summary (request and command),
  countersign/commitPreview and countersign/signoff (the report's sign-off section)

Handlers translate LSP to plain values, call the features (``Documents``, ``Projects``,
``core``) and translate the answers back; they hold no logic of their own. Those of
countersign's own messages and commands take typed params (``messages``), read and checked
by ``typed``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.lsp.server import LanguageServer

from countersign import __version__
from countersign.core.rulesdoc import default_href
from countersign.lsp import convert, published, transport
from countersign.lsp.documents import DocumentError, Documents, Entry
from countersign.lsp.messages import PROVENANCE
from countersign.lsp.projects import Project, Projects
from countersign.lsp.protocol import CountersignProtocol
from countersign.lsp.settings import Settings

log = logging.getLogger(__name__)
SETTLE_MS = 50
"""Pause in typing after which a document's stale structural matches are re-made."""
PERSIST_DELAY_MS = 300
"""Typing in a document with AI lines is written to the ledger once it pauses this long:
a crash then loses at most the last pause's worth (re-anchoring keeps an AI line a person
typed on, even for that)."""


def build() -> CountersignServer:
    """A server with every feature's handlers registered."""
    # imported here: the feature modules import CountersignServer from this module (pygls
    # reads their handlers' annotations at run time)
    from countersign.lsp import provenance, review, session, summary, sync

    server = CountersignServer()
    for feature in (session, sync, provenance, review, summary):
        feature.register(server)
    return server


class CountersignServer(LanguageServer):
    """Documents, projects, settings, and the timers that publish results."""

    def __init__(self) -> None:
        super().__init__("countersign", __version__, protocol_cls=CountersignProtocol,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        assert isinstance(self.protocol, CountersignProtocol)
        self.rpc: CountersignProtocol = self.protocol
        self.exit_code: int | None = None
        """What the ``exit`` notification asked for (0 after ``shutdown``, else 1)."""
        self.rpc.lost_change = self.lost_change
        self.projects = Projects()
        self.documents = Documents(self.projects)
        self.settings = Settings()
        self.pull = False
        self._timers: dict[tuple[str, str], asyncio.TimerHandle | asyncio.Handle] = {}
        self._sent_provenance: dict[str, dict[str, Any]] = {}
        self._published: dict[str, str] = {}
        """URI -> the diagnostics JSON last pushed (an unchanged list is not sent again)."""
        self._results: dict[str, tuple[str, str]] = {}
        """URI -> (resultId, diagnostics JSON) last pulled."""
        self._result_ids = 0
        self._config_uris: set[str] = set()
        self._watcher: asyncio.Task[None] | None = None

    # -- running -----------------------------------------------------------------------

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """Serve on stdio, framing read by ``transport`` (pygls's reader can go deaf)."""
        self._stop_event = threading.Event()
        transport.serve_stdio(self, self._stop_event, stdin, stdout)

    def start_tcp(self, host: str, port: int) -> None:
        """Serve on TCP (for debugging), framing read by ``transport``."""
        self._stop_event = threading.Event()
        transport.serve_tcp(self, self._stop_event, host, port)

    def exit_status(self) -> int:
        """The process's exit code: 0 when the client shut the server down first, else 1."""
        if self.exit_code is not None:
            return self.exit_code
        return 0 if self.rpc.shut_down else 1

    # -- settings --------------------------------------------------------------------

    def apply_settings(self, settings: Settings, errors: list[str]) -> None:
        self.settings = settings
        self.documents.settings = settings
        for entry in self.documents:
            entry.doc.forget_derived()  # the rule links may have changed
        if settings.policy:
            from pathlib import Path
            self.projects.policy = Path(settings.policy)
        for error in errors:
            self.show(f"countersign: invalid setting {error}", types.MessageType.Warning)

    def show(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        log.warning("%s", message) if kind <= types.MessageType.Warning else log.info(
            "%s", message)
        self.window_show_message(types.ShowMessageParams(kind, message))

    @property
    def href(self) -> str:
        return self.settings.rules_doc_url or default_href()

    # -- scheduling ------------------------------------------------------------------

    def _schedule(self, kind: str, uri: str, delay_ms: int, action: Callable[[], None]) -> None:
        key = (kind, uri)
        if key in self._timers:
            if delay_ms == 0:
                return  # already queued behind the messages being read now
            self._timers.pop(key).cancel()
        loop = asyncio.get_running_loop()

        def fire() -> None:
            self._timers.pop(key, None)
            try:
                action()
            except Exception:
                log.exception("%s for %s failed", kind, uri)

        self._timers[key] = (loop.call_soon(fire) if delay_ms == 0
                             else loop.call_later(delay_ms / 1000, fire))

    def changed(self, entry: Entry) -> None:
        """Something in a document changed: refresh diagnostics and provenance."""
        if entry.doc.structures.stale:  # an edit in a huge unit: re-parse when typing pauses
            self._schedule("structure", entry.uri, SETTLE_MS, lambda: self._settle(entry))
        if not self.pull:
            self._schedule("diagnostics", entry.uri, self.settings.debounce_ms,
                           lambda: self.publish(entry.uri))
        self._schedule("provenance", entry.uri, self.settings.provenance_debounce_ms,
                       lambda: self.notify_provenance(entry.uri))
        self._schedule("persist", entry.uri, PERSIST_DELAY_MS, lambda: self.persist(entry.uri))

    def persist(self, uri: str) -> None:
        """Write a document's AI lines if the ledger lacks its current content."""
        entry = self.documents.find(uri)
        if entry is not None and self.documents.flush_entry(entry):
            self.changed(entry)  # another process's lines came in with the write
            self.refresh_pulled()

    def _settle(self, entry: Entry) -> None:
        if self.documents.find(entry.uri) is entry and entry.doc.settle():
            if not self.pull:
                self.publish(entry.uri)
            self.refresh_pulled()

    def changed_without_edit(self, uri: str) -> None:
        """A command changed a document's AI lines without an edit: pull clients must re-pull."""
        entry = self.documents.find(uri)
        if entry is not None:
            self.changed(entry)
            self.refresh_pulled()

    def refresh_all(self) -> None:
        for entry in self.documents:
            self.changed(entry)
        self.refresh_pulled()

    def refresh_pulled(self) -> None:
        """Diagnostics changed without an edit: a pull client must ask again.

        Pull clients (VS Code's languageclient) ask right after each ``didChange``; an AI
        report, a command or a ledger written by another process changes the answer later.
        """
        if self.pull and get_capability(self.client_capabilities,
                                        "workspace.diagnostics.refresh_support", False):
            self.workspace_diagnostic_refresh(None)

    # -- results ---------------------------------------------------------------------

    def _items(self, entry: Entry) -> list[tuple[int, published.LineDiagnostic]]:
        config = entry.project.config if entry.project else None
        if config is None:
            return []
        return published.current(entry.doc, config, self.href, self.documents.encoding)

    def diagnostics(self, entry: Entry) -> list[types.Diagnostic]:
        return published.as_lsp(self._items(entry))

    def publish(self, uri: str) -> None:
        """Push the document's diagnostics unless the client already has this list.

        An edit that moves a diagnostic (lines inserted above it, characters before it)
        changes the list, so the client always gets a publish when positions changed.
        """
        entry = self.documents.find(uri)
        if entry is None:
            return
        text = published.as_json(self._items(entry))
        if self._published.get(uri) == text:
            return
        self._published[uri] = text
        self.rpc.notify_json(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
                                   f'{{"uri":{json.dumps(uri)},"version":{entry.doc.version},'
                                   f'"diagnostics":{text}}}')

    def pull_report(self, uri: str, previous: str | None) -> types.DocumentDiagnosticReport:
        """A full report, or "unchanged" when the client's ``previous`` result is current."""
        entry = self.documents.find(uri)
        items = self._items(entry) if entry is not None else []
        text = published.as_json(items)
        last = self._results.get(uri)
        if last is None or last[1] != text:
            self._result_ids += 1
            last = self._results[uri] = (str(self._result_ids), text)
        if previous is not None and previous == last[0]:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=last[0])
        return types.RelatedFullDocumentDiagnosticReport(items=published.as_lsp(items),
                                                         result_id=last[0])

    def provenance(self, entry: Entry) -> dict[str, Any]:
        return convert.provenance(entry.uri, entry.doc.version, entry.doc.text,
                                  entry.doc.spans.spans(), self.documents.encoding)

    def notify_provenance(self, uri: str) -> None:
        entry = self.documents.find(uri)
        if entry is None:
            return
        payload = self.provenance(entry)
        last = self._sent_provenance.get(uri)
        if last is not None and last["spans"] == payload["spans"]:
            return
        self._sent_provenance[uri] = payload
        self.rpc.notify_json(PROVENANCE, json.dumps(payload))

    def untracked(self, uri: str, version: int, reason: str) -> None:
        """Tell the user a document is no longer tracked, and take back what was shown.

        The client clears its diagnostics and AI line marks; the AI lines already written
        to the ledger stay there for the hook.
        """
        self.forget(uri)
        if self.pull:
            self.refresh_pulled()
        else:
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))
        self.rpc.notify_json(PROVENANCE, json.dumps({"uri": uri, "version": version,
                                                     "spans": []}))
        self.show(f"countersign does not track {uri} any more: {reason}",
                  types.MessageType.Warning)

    def lost_change(self, uri: str, why: str) -> None:
        """An edit to ``uri`` could not be read: what the server has is not the editor's."""
        entry = self.documents.find(uri)
        if entry is not None:
            reason = (f"an edit could not be read ({why}), so countersign no longer knows "
                      f"the text (reopen the file to track it again)")
            self.documents.untrack(uri, reason)
            self.untracked(uri, entry.doc.version, reason)

    def forget(self, uri: str) -> None:
        self._sent_provenance.pop(uri, None)
        self._published.pop(uri, None)
        self._results.pop(uri, None)
        for key in [k for k in self._timers if k[1] == uri]:
            self._timers.pop(key).cancel()

    def publish_config_errors(self) -> None:
        """Rule pack and config problems as diagnostics on the TOML files."""
        found: dict[str, list[types.Diagnostic]] = {}
        for project in self.projects:
            for uri, diags in convert.config_diagnostics(project.errors).items():
                found.setdefault(uri, []).extend(diags)
            for warning in project.warnings:
                log.warning("%s", warning)
        for uri in self._config_uris - set(found):
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))
        for uri, diags in found.items():
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, diags))
        self._config_uris = set(found)

    def project_for(self, uri: str | None) -> Project:
        """The project of a document URI, or of the first workspace folder without one."""
        if uri is None:
            folders = [f.uri for f in self.workspace.folders.values()]
            uri = folders[0] if folders else self.workspace.root_uri
            if not uri:
                raise DocumentError("no workspace folder is open: pass textDocument.uri")
        entry = self.documents.find(uri)
        if entry is not None and entry.project is not None:
            return entry.project
        path = convert.path_of(uri)
        if path is None:
            raise DocumentError(f"{uri} is not a file: countersign needs a file:// URI")
        return self.projects.for_path(path)

    # -- watching other processes ----------------------------------------------------

    def start_watching(self) -> None:
        if self._watcher is None:
            self._watcher = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.settings.watch_interval_ms / 1000)
            try:
                self.check_files()
            except Exception:
                log.exception("checking the ledger and config files failed")

    def check_files(self) -> None:
        """Reload config that changed and adopt ledger records other processes wrote."""
        for project in self.projects:
            if project.config_changed():
                project.load()
                for entry in self.documents:
                    if entry.project is project:
                        entry.doc.set_rules(project.rules)
                self.publish_config_errors()
                self.refresh_all()
            if project.ledger_changed():
                for entry in self.documents:
                    if entry.project is project and self.documents.merge_ledger(entry):
                        self.changed(entry)
                        self.refresh_pulled()
