"""One open document: its text, who wrote each character, and its risk findings, kept
current edit by edit.

Per-line caches (the AI origin of each line, the rule matches of each line, and
``line_cache`` for what a caller derives from a line) are updated only for the lines an
edit touches, so an edit costs the lines it changes, not the document. Structural matches
are re-matched for the top-level units around an edit (``core/reshape.py``).
``findings()`` gives exactly what ``RuleSet.scan_text`` would give for the whole text and
its AI lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import compress

from countersign.core.edit_log import Edit, EditLog, Piece
from countersign.core.line_origins import line_origins
from countersign.core.lines import spans_for_lines
from countersign.core.origin import HUMAN, Origin
from countersign.core.positions import Encoding
from countersign.core.reshape import Structures
from countersign.core.rules import (
    Finding,
    Rule,
    RuleSet,
    Suppression,
    parse_suppression,
    suppression_counts,
)
from countersign.core.spans import SpanTracker
from countersign.core.structure import Shape
from countersign.core.text import LineEdit, Text

Position = tuple[int, int]
"""(line, column) in the client's position encoding."""
Match = tuple[Rule, int, int, "Suppression | None"]


@dataclass(frozen=True)
class AiReport:
    """An AI edit as a client reported it: ranges of ``version`` in client units."""

    version: int
    ranges: tuple[tuple[Position, Position], ...]
    origin: Origin
    encoding: Encoding


class TrackedDocument:
    """The text, character origins and per-line findings of one open document."""

    def __init__(self, path: str, text: str, version: int, rules: RuleSet) -> None:
        self.path = path
        self.version = version
        self.text = Text(text)
        self.spans = SpanTracker(len(text))
        self.log = EditLog(version)
        self.pending: list[AiReport] = []
        self.rules = rules
        self.line_ai: list[Origin | None] = [None] * self.text.line_count
        self.matches: list[tuple[Match, ...]] = [self._match(n) for n in
                                                 range(self.text.line_count)]
        self.structures = Structures(path, rules, self.text)
        self.marked: list[bool] = []
        """Per line: a regex or a structural match is there (what to publish)."""
        self._mark_all()
        self.line_cache: list[object | None] = [None] * self.text.line_count
        """What a caller derived from each line (the server: converted diagnostics).
        None when the line's text, origin or rules changed since; lines that only moved
        keep theirs."""

    # -- per-line caches -------------------------------------------------------------

    def _match(self, line: int) -> tuple[Match, ...]:
        content = self.text.line(line)
        return tuple((rule, start, end, parse_suppression(content, rule))
                     for rule, start, end in self.rules.match_line(self.path, content))

    def _origin_of_line(self, line: int) -> Origin | None:
        """The AI origin of the line, if any (the rule: ``core.line_origins``)."""
        return line_origins(self.text, self.spans, [line])[0]

    def _splice(self, edit: LineEdit) -> None:
        new = range(edit.first, edit.first + edit.added)
        stop = edit.first + edit.removed
        self.line_ai[edit.first:stop] = line_origins(self.text, self.spans, new)
        self.matches[edit.first:stop] = [self._match(n) for n in new]
        self.line_cache[edit.first:stop] = [None] * edit.added
        self.marked[edit.first:stop] = [False] * edit.added
        shapes = self.structures.shapes
        for n in [*new, *self.structures.splice(edit, self.text)]:
            self.line_cache[n] = None
            self.marked[n] = bool(self.matches[n] or shapes[n])

    def _mark_all(self) -> None:
        self.marked = [bool(m or s) for m, s in zip(self.matches, self.structures.shapes,
                                                     strict=True)]

    def _refresh_origins(self, lines: Iterable[int]) -> None:
        lines = sorted(set(lines))
        for n, origin in zip(lines, line_origins(self.text, self.spans, lines), strict=True):
            self.line_ai[n] = origin
            self.line_cache[n] = None

    def forget_derived(self) -> None:
        """Empty ``line_cache`` (what it was derived from changed, like the settings)."""
        self.line_cache = [None] * self.text.line_count

    def set_rules(self, rules: RuleSet) -> None:
        """Use another rule set (the configuration changed): every line is matched again."""
        self.rules = rules
        self.matches = [self._match(n) for n in range(self.text.line_count)]
        self.structures = Structures(self.path, rules, self.text)
        self._mark_all()
        self.forget_derived()

    def settle(self) -> bool:
        """Re-match the structure if an edit left it stale (see ``core/reshape.py``)."""
        if not self.structures.settle(self.text):
            return False
        self._mark_all()
        self.forget_derived()
        return True

    # -- edits -----------------------------------------------------------------------

    def change(self, start: int, end: int, new: str, origin: Origin = HUMAN) -> LineEdit:
        """Apply one edit in code-point offsets; the new text comes from ``origin``."""
        removed = self.text.slice(start, end)
        edit = self.text.replace(start, end, new)
        self.spans.apply_edit(start, end, len(new), origin)
        self.log.record(Edit(self.version, start, end, len(new), removed))
        self._splice(edit)
        return edit

    def replace_all(self, text: str) -> None:
        """Start over with new content (nothing survives: used for unreadable input)."""
        self.text = Text(text)
        self.spans = SpanTracker(len(text))
        self.log.reset(self.version)
        self.line_ai = [None] * self.text.line_count
        self.matches = [self._match(n) for n in range(self.text.line_count)]
        self.structures = Structures(self.path, self.rules, self.text)
        self._mark_all()
        self.forget_derived()

    def advance(self, version: int) -> bool:
        """The edits that follow produce ``version``; False if it arrived out of order.

        Out of order, older coordinates are meaningless: the edit log starts over.
        """
        in_order = version > self.version
        if not in_order:
            self.log.reset(version)
        self.version = version
        return in_order

    def take_due(self) -> tuple[list[AiReport], list[AiReport]]:
        """Pending AI reports for the current version, and those it skipped (dropped)."""
        due = [r for r in self.pending if r.version == self.version]
        missed = [r for r in self.pending if r.version < self.version]
        self.pending = [r for r in self.pending if r.version > self.version]
        return due, missed

    def set_origin(self, pieces: Iterable[Piece], origin: Origin) -> list[int]:
        """Say the characters of ``pieces`` came from ``origin``; returns lines touched."""
        touched: set[int] = set()
        kept = [(max(0, s), min(e, len(self.text))) for s, e in pieces]
        kept = [(s, e) for s, e in kept if e > s]
        self.spans.assign((start, end, origin) for start, end in kept)
        for start, end in kept:
            touched.update(range(self.text.line_of(start), self.text.line_of(end - 1) + 1))
        self._refresh_origins(touched)
        return sorted(touched)

    def map_origins(self, lines: Iterable[int], change: Callable[[Origin], Origin]) -> None:
        """Change the origins on whole lines (acknowledge, mark human)."""
        lines = sorted({n for n in lines if 0 <= n < self.text.line_count})
        for n in lines:
            start, end = self.text.line_range(n)
            if end > start:
                self.spans.map_origins(start, end, change)
        self._refresh_origins(lines)

    def restore(self, lines: Mapping[int, Origin]) -> None:
        """Attribute whole lines, e.g. from the ledger when the file opens."""
        self.spans.assign((span.start, span.end, span.origin)
                          for span in spans_for_lines(self.text.text, lines))
        self._refresh_origins(n for n in lines if 0 <= n < self.text.line_count)

    # -- AI reports ------------------------------------------------------------------

    def pieces_of(self, report: AiReport) -> list[Piece] | None:
        """Current offsets of the reported ranges; None when the version is unknown."""
        if report.version == self.version:
            text = self.text
        else:
            old = self.log.text_at(report.version, self.text.text)
            if old is None:
                return None
            text = Text(old)
        pieces = []
        for (sl, sc), (el, ec) in report.ranges:
            start, end = text.offset(sl, sc, report.encoding), text.offset(el, ec, report.encoding)
            if end > start:
                pieces.append((start, end))
        if report.version == self.version:
            return pieces
        return self.log.map_forward(report.version, pieces)

    # -- results ---------------------------------------------------------------------

    def ai_lines(self) -> dict[int, Origin]:
        return {n: o for n, o in enumerate(self.line_ai) if o is not None}

    def first_ai_line(self) -> int | None:
        return next(compress(range(len(self.line_ai)), self.line_ai), None)

    def first_ai_in(self, first: int, last: int) -> int | None:
        """The first AI line in ``[first, last]``."""
        return next(compress(range(first, last + 1), self.line_ai[first:last + 1]), None)

    def lines_with_matches(self) -> Iterator[int]:
        """Lines where some rule's pattern matches (AI-written or not)."""
        return compress(range(len(self.marked)), self.marked)

    def cacheable(self, line: int) -> bool:
        """Whether ``line_cache`` may keep the line's findings: not when a match there spans
        more lines (its author can change on a line the cache does not watch)."""
        return not any(s.height for s in self.structures.shapes[line])

    def line_findings(self, line: int) -> list[Finding]:
        """The pattern findings of one line (baseline and region findings are separate)."""
        origin = self.line_ai[line]
        counts = suppression_counts(origin)
        out = [Finding(rule, self.path, line, start, end, origin,
                       suppression if counts else None)
               for rule, start, end, suppression in self.matches[line]
               if origin is not None or rule.applies_to != "ai"]
        for shape in self.structures.shapes[line]:
            if shape.label is None:
                out.extend(self._shape_finding(line, shape))
        return out

    def _shape_finding(self, line: int, shape: Shape) -> list[Finding]:
        who = line if self.line_ai[line] is not None or shape.rule.applies_to != "ai" \
            else self.first_ai_in(line, line + shape.height)
        if who is None:
            return []
        at = who if shape.label is not None else line
        content = self.text.line(at)
        start, end = (shape.start, shape.end) if at == line else (
            len(content) - len(content.lstrip()), len(content))
        suppression = parse_suppression(content, shape.rule, self.line_ai[at])
        if suppression is None and at != line:
            suppression = parse_suppression(self.text.line(line), shape.rule, self.line_ai[line])
        return [Finding(shape.rule, self.path, at, start, end, self.line_ai[who], suppression,
                        shape.label)]

    def region_findings(self) -> list[Finding]:
        """Region rules: one finding per region, on its first AI line."""
        if not self.structures.regions:
            return []
        shapes = self.structures.shapes
        return [f for n in compress(range(len(shapes)), shapes) for shape in shapes[n]
                if shape.label is not None for f in self._shape_finding(n, shape)]

    def baseline_findings(self) -> list[Finding]:
        """Path rules without a pattern: one finding on the first AI line, if any."""
        first = self.first_ai_line()
        if first is None:
            return []
        width = len(self.text.line(first))
        return [Finding(rule, self.path, first, 0, width, self.line_ai[first])
                for rule in self.rules.for_path(self.path)[1]]

    def extra_findings(self) -> list[Finding]:
        """Findings not kept per line: path baselines and regions."""
        return self.baseline_findings() + self.region_findings()

    def findings(self) -> list[Finding]:
        """The findings ``RuleSet.scan_text(path, text, ai_lines)`` would report."""
        self.settle()
        out = [f for n in self.lines_with_matches() for f in self.line_findings(n)]
        return sorted(out + self.extra_findings(), key=lambda f: (f.line, f.start, f.rule.id))
