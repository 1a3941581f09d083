"""Open documents: tracking edits and AI reports, and keeping the ledger current.

Takes plain values (positions as ``(line, column)`` in the negotiated encoding) and knows
nothing of LSP types. Every reported AI edit and every acknowledgement is written to the
ledger at once, so a server killed right after loses nothing it was told.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from countersign.core.edit_log import Piece, minimal_edit
from countersign.core.origin import HUMAN, Origin
from countersign.core.positions import Encoding
from countersign.core.regular import Refused, read_regular
from countersign.core.rules import RuleSet
from countersign.core.tracked import AiReport, Position, TrackedDocument
from countersign.lsp.projects import Project, Projects
from countersign.lsp.settings import Settings
from countersign.store.ledger import FileRecord

log = logging.getLogger(__name__)
Range = tuple[Position, Position]
SUSPECT_TOOL = "unknown"
_NO_RULES = RuleSet([])
_SURROGATE = re.compile("[\ud800-\udfff]")


@contextlib.contextmanager
def long_lived() -> Iterator[None]:
    """Build long-lived state (an opened document, thousands of AI spans) without pauses.

    The cyclic collector is off while it is built, and what exists afterwards is frozen
    (``gc.freeze``): a 20,000-line document is hundreds of thousands of objects, and
    without this every full collection walks all of them, a stall of 100+ ms in the
    middle of typing. Frozen objects are still freed by reference counting when a
    document closes; only reference cycles among them would stay.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


class DocumentError(Exception):
    """A request about a document that cannot be answered (not open, not tracked)."""


class Untracked(DocumentError):
    """An edit made a tracked document one countersign cannot track; it no longer is."""


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _binary(text: str) -> str | None:
    return "it looks binary (it contains NUL characters)" if "\x00" in text else None


def _broken(text: str, first_line: int = 0) -> str | None:
    """Why ``text`` (starting on 0-based line ``first_line``) is not Unicode text: a lone
    surrogate, which a client can send in JSON (``"\\ud800"``) but no file can hold."""
    found = _SURROGATE.search(text)
    if found is None:
        return None
    line = first_line + text.count("\n", 0, found.start()) + 1
    return (f"line {line} holds a lone surrogate (U+{ord(found[0]):04X}), half of a "
            f"character, which is not text: countersign can neither match rules on it nor "
            f"store it (delete that character, then reopen the file)")


@dataclass(frozen=True)
class Change:
    """One content change: ``range`` None replaces the whole document."""

    range: Range | None
    text: str


@dataclass
class Entry:
    """An open, tracked document and where it belongs."""

    uri: str
    doc: TrackedDocument
    project: Project | None
    path: Path | None
    language_id: str | None
    persisted: str | None = None
    """The content this server last wrote to the ledger."""
    own: float | None = None
    """``updated_at`` of this server's last write of the document's record."""
    seen: float | None = None
    """``updated_at`` of the last record of another process merged into the document.
    A record that is neither is merged before anything is written: never replaced."""
    size: int = 0
    """The text's size in UTF-8 bytes (checked against ``maxFileBytes`` on every edit)."""
    synced: str | None = None
    """The text when the editor last read or wrote the file (open, reload, save): while the
    buffer still holds it, a change on disk is one the editor has yet to reload."""


class Documents:
    """Every open document the server tracks, and those it refused to track."""

    def __init__(self, projects: Projects) -> None:
        self.projects = projects
        self.settings = Settings()
        self.encoding: Encoding = "utf-16"
        self.client_reports_ai = False
        self._entries: dict[str, Entry] = {}
        self.skipped: dict[str, str] = {}
        """URI -> why it is not tracked (too large, binary)."""

    def __iter__(self) -> Iterator[Entry]:
        return iter(list(self._entries.values()))

    def get(self, uri: str) -> Entry:
        entry = self._entries.get(uri)
        if entry is None:
            why = self.skipped.get(uri, "it is not open (send textDocument/didOpen first)")
            raise DocumentError(f"countersign does not track {uri}: {why}")
        return entry

    def find(self, uri: str) -> Entry | None:
        return self._entries.get(uri)

    # -- lifecycle -------------------------------------------------------------------

    def open(self, uri: str, path: Path | None, text: str, version: int,
             language_id: str | None) -> Entry | None:
        """Track a document; None when it is too large or binary (``skipped`` says so),
        ``Untracked`` when its text is broken (the user should hear of it)."""
        self.close(uri)
        size = _utf8_size(text)
        reason = self._too_large(size) or _binary(text)
        if reason is not None:
            self.skipped[uri] = reason
            log.warning("not tracking %s: %s", uri, reason)
            return None
        reason = _broken(text)
        if reason is not None:
            self.untrack(uri, reason)
            raise Untracked(reason)
        project = self.projects.for_path(path) if path is not None else None
        rel = project.relative(path) if project is not None and path is not None else uri
        rules = project.rules if project is not None else _NO_RULES
        entry = Entry(uri, TrackedDocument(rel, text, version, rules), project, path, language_id,
                      size=size, synced=text)
        self._entries[uri] = entry
        self.merge_ledger(entry)
        return entry

    def _too_large(self, size: int, grew: bool = False) -> str | None:
        limit = self.settings.max_file_bytes
        if size <= limit:
            return None
        return (f"it {'grew to' if grew else 'is'} {size:,} bytes, over the maxFileBytes limit "
                f"of {limit:,} (raise countersign.maxFileBytes to track it"
                f"{', then reopen the file' if grew else ''})")

    def untrack(self, uri: str, reason: str) -> None:
        """Stop tracking ``uri`` (its AI lines stay in the ledger as last written)."""
        entry = self._entries.pop(uri, None)
        if entry is not None:
            self.flush_entry(entry)
        self.skipped[uri] = reason
        log.warning("no longer tracking %s: %s", uri, reason)

    def close(self, uri: str) -> None:
        self._entries.pop(uri, None)
        self.skipped.pop(uri, None)

    # -- edits -----------------------------------------------------------------------

    def change(self, uri: str, version: int, changes: Sequence[Change]) -> Entry | None:
        """Apply the editor's changes; returns None for documents not tracked.

        ``Untracked`` when a change makes the document too large or unreadable: it is no
        longer tracked (the changes before it are applied and stored).
        """
        entry = self._entries.get(uri)
        if entry is None:
            if uri not in self.skipped:
                log.warning("ignoring didChange for %s: the document is not open", uri)
            return None
        doc = entry.doc
        if not doc.advance(version):
            log.warning("%s: version %d arrived after version %d; applying it, but AI "
                        "reports for older versions can no longer be placed", uri, version,
                        doc.version)
        for change in changes:
            reason = self._apply(entry, change)
            if reason is not None:
                self.untrack(uri, reason)
                raise Untracked(reason)
        if any(change.range is None for change in changes):
            # a whole-document change is usually a reload of what an agent wrote on disk;
            # its hook may have stored the attributions before the editor caught up
            entry.synced = doc.text.text
            self.merge_ledger(entry, reload=True)
        due, missed = doc.take_due()
        for report in missed:
            log.warning("%s: dropping an AI report for version %d: the document went from "
                        "before it to version %d", uri, report.version, doc.version)
        for report in due:
            self._place(entry, report)
        if due:
            self.persist(entry)
        return entry

    def _apply(self, entry: Entry, change: Change) -> str | None:
        """Apply one change, or say why it makes the document one not to track."""
        doc = entry.doc
        if change.range is None:
            size = _utf8_size(change.text)
            why = (self._too_large(size, grew=True) or _binary(change.text)
                   or _broken(change.text))
            if why is not None:
                return why
            start, end, new = minimal_edit(doc.text.text, change.text)
        else:
            (sl, sc), (el, ec) = sorted(change.range)
            for line, col in ((sl, sc), (el, ec)):
                if not doc.text.in_range(line, col, self.encoding):
                    log.warning("%s: change at line %d column %d is past the end of the "
                                "document; clamped to it", entry.uri, line, col)
            start = doc.text.offset(sl, sc, self.encoding)
            end = doc.text.offset(el, ec, self.encoding)
            new = change.text
            size = entry.size + _utf8_size(new) - _utf8_size(doc.text.slice(start, end))
            why = (self._too_large(size, grew=True) or _binary(new)
                   or _broken(new, doc.text.line_of(start)))
            if why is not None:
                return why
        suspect = self.settings.heuristic.suspects(new, self.client_reports_ai)
        origin = Origin("suspected", SUSPECT_TOOL, at=time.time()) if suspect else HUMAN
        doc.change(start, end, new, origin)
        entry.size = size
        return None

    def ai_edit(self, uri: str, version: int, ranges: Sequence[Range], origin: Origin) -> str:
        """Record an AI edit reported for ``version``; returns what happened to it."""
        self.client_reports_ai = True
        entry = self.get(uri)
        report = AiReport(version, tuple(ranges), origin, self.encoding)
        if version > entry.doc.version:
            entry.doc.pending.append(report)
            return "pending"
        if not self._place(entry, report):
            return "dropped"
        self.persist(entry)
        return "applied"

    def _place(self, entry: Entry, report: AiReport) -> bool:
        pieces = entry.doc.pieces_of(report)
        if pieces is None:
            log.warning("%s: AI report for version %d is older than the edits kept "
                        "(oldest %d); it is dropped", entry.uri, report.version,
                        entry.doc.log.oldest)
            return False
        entry.doc.set_origin(pieces, report.origin)
        return True

    # -- commands --------------------------------------------------------------------

    def pieces(self, entry: Entry, range_: Range | None) -> list[Piece]:
        if range_ is None:
            return [(0, len(entry.doc.text))]
        (sl, sc), (el, ec) = sorted(range_)
        text = entry.doc.text
        return [(text.offset(sl, sc, self.encoding), text.offset(el, ec, self.encoding))]

    def lines(self, entry: Entry, range_: Range | None) -> list[int]:
        if range_ is None:
            return list(range(entry.doc.text.line_count))
        (sl, _), (el, ec) = sorted(range_)
        last = el - 1 if ec == 0 and el > sl else el
        return list(range(max(0, sl), min(last, entry.doc.text.line_count - 1) + 1))

    def mark(self, uri: str, range_: Range | None, origin: Origin) -> list[int]:
        entry = self.get(uri)
        touched = entry.doc.set_origin(self.pieces(entry, range_), origin)
        self.persist(entry)
        return touched

    def acknowledge(self, uri: str, range_: Range | None, who: str) -> int:
        """Acknowledge the AI lines in ``range_``; returns how many there were."""
        entry = self.get(uri)
        lines = [n for n in self.lines(entry, range_) if entry.doc.line_ai[n] is not None]
        entry.doc.map_origins(lines, lambda o: o.acknowledge(who))
        self.persist(entry)
        ledger = entry.project.ledger if entry.project else None
        if ledger is not None and entry.path is not None and lines:
            try:
                ledger.log_acknowledgements(entry.doc.path, entry.doc.text.text, lines, who)
            except Exception:
                log.exception("could not record the acknowledgement of %s", entry.uri)
        return len(lines)

    # -- ledger ----------------------------------------------------------------------

    def persist(self, entry: Entry) -> bool:
        """Write the document's AI lines to the ledger (skipped outside a file path).

        What another process stored since (``countersign mark``, an agent's hook) is merged
        in the same transaction, never replaced: its AI lines and acknowledgements that
        the document lacks are kept and brought into the document (True when there were).
        A record of the file as it is on disk now, changed under a buffer without unsaved
        edits (the editor has not reloaded it yet), is left alone: the reload merges it.
        """
        ledger = entry.project.ledger if entry.project else None
        path = entry.path
        if ledger is None or path is None:
            return False
        content = entry.doc.text.text
        news: dict[int, Origin] = {}

        def merge(record: FileRecord | None) -> dict[int, Origin]:
            ours = entry.doc.ai_lines()
            if record is None or record.updated_at == entry.own:
                return ours
            if content == entry.synced and record.content != content and _on_disk(
                    path, record.content):
                raise _Behind  # the editor has not reloaded the file the record describes
            if record.updated_at == entry.seen:
                return ours  # merged before: what the document says since then stands
            news.update(_news(entry.doc.line_ai, record.at(content)))
            entry.seen = record.updated_at
            return {**ours, **news}

        try:
            _, entry.own = ledger.update_stamped(entry.doc.path, content, merge)
            entry.persisted = content
        except _Behind:
            log.info("not writing %s: the ledger describes the file on disk, which the "
                     "editor has not reloaded yet", entry.uri)
            return False
        except Exception:
            log.exception("could not write %s to the ledger %s", entry.uri, ledger.path)
            return False
        if news:
            entry.doc.restore(news)
        return bool(news)

    def saved(self, entry: Entry) -> bool:
        """The editor wrote the buffer to the file: record it (True: as ``persist``)."""
        entry.synced = entry.doc.text.text
        return self.persist(entry)

    def flush(self, project: Project) -> None:
        """Write every open document of ``project`` whose AI lines the ledger lacks.

        AI edits and saves are written at once; this catches the typing since then, so a
        commit preview sees the lines where the buffer has them now.
        """
        for entry in self:
            if entry.project is project:
                self.flush_entry(entry)

    def flush_entry(self, entry: Entry) -> bool:
        """Write the document's AI lines if the ledger lacks its current content; True
        when the write brought in another process's lines (``persist``)."""
        if entry.persisted is entry.doc.text.text:
            return False
        if entry.persisted is None and entry.doc.first_ai_line() is None:
            return False  # never had AI lines: nothing to record
        return entry.persisted != entry.doc.text.text and self.persist(entry)

    def merge_ledger(self, entry: Entry, reload: bool = False) -> bool:
        """Adopt AI lines and acknowledgements another process stored; True when there were.

        A record is read once (``seen``), or again after ``reload`` (the editor took new
        content from disk, which the record may describe); this server's own never.
        """
        ledger = entry.project.ledger if entry.project else None
        if ledger is None or entry.path is None:
            return False
        try:
            stamp = ledger.written(entry.doc.path)
            if stamp is None or stamp == entry.own or (stamp == entry.seen and not reload):
                return False
            record = ledger.load(entry.doc.path)
            if record is None:
                return False
            stored = record.at(entry.doc.text.text)
        except Exception:
            log.exception("could not read %s from the ledger %s", entry.uri, ledger.path)
            return False
        entry.seen = record.updated_at
        news = _news(entry.doc.line_ai, stored)
        if news:
            entry.doc.restore(news)
        return bool(news)


class _Behind(Exception):
    """The ledger's record is of the file on disk, newer than the editor's buffer."""


def _on_disk(path: Path, content: str) -> bool:
    """Whether the file at ``path`` holds ``content`` now."""
    wanted = content.encode("utf-8", "surrogatepass")
    try:
        return read_regular(path, len(wanted)) == wanted
    except (Refused, OSError):
        return False


def _news(line_ai: list[Origin | None], stored: dict[int, Origin]) -> dict[int, Origin]:
    """The stored lines the document should adopt."""
    return {n: o for n, o in stored.items() if _adopt(line_ai, n, o)}


def _adopt(line_ai: list[Origin | None], line: int, stored: Origin) -> bool:
    """Whether the ledger knows more about a line: AI we missed, or an acknowledgement."""
    if line >= len(line_ai):
        return False
    ours = line_ai[line]
    return ours is None or bool(stored.acknowledged_by and not ours.acknowledged_by)
