"""From character spans to AI-authored lines, and moving line attributions onto new content.

Lines end at ``\\r\\n``, ``\\n`` or ``\\r`` (the LSP definition), not at the other
separators ``str.splitlines`` knows.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from countersign.core.origin import Origin
from countersign.core.spans import Span

_EOL = re.compile(r"\r\n|\r|\n")


def line_starts(text: str) -> list[int]:
    """Offset of the first character of each line (always at least one line)."""
    return [0, *(m.end() for m in _EOL.finditer(text))]


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` without their terminators; ``""`` is one empty line."""
    return _EOL.split(text)


def line_count(text: str) -> int:
    """Lines as an editor numbers them, not counting the empty one after a final newline."""
    lines = split_lines(text)
    return len(lines) - 1 if len(lines) > 1 and lines[-1] == "" else len(lines)


@dataclass(frozen=True)
class LineIndex:
    """Maps offsets to 0-based line numbers for one text."""

    text: str
    starts: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> LineIndex:
        return cls(text, tuple(line_starts(text)))

    def line_of(self, offset: int) -> int:
        return line_of(self.starts, offset)

    def line_range(self, line: int) -> tuple[int, int]:
        return line_range(self.text, self.starts, line)


def line_of(starts: Sequence[int], offset: int) -> int:
    """The 0-based line holding ``offset``, given the line starts of its text."""
    return bisect.bisect_right(starts, offset) - 1


def line_range(text: str, starts: Sequence[int], line: int) -> tuple[int, int]:
    """``[start, end)`` of ``line`` of ``text`` without its terminator."""
    start = starts[line]
    end = starts[line + 1] if line + 1 < len(starts) else len(text)
    while end > start and text[end - 1] in "\r\n":
        end -= 1
    return start, end


def ai_lines(text: str, spans: Sequence[Span]) -> dict[int, Origin]:
    """The 0-based lines with an AI-written non-whitespace character, and that AI's origin.

    Conservative on purpose: one AI character that is not whitespace makes the line AI's,
    so the gate never misses AI lines. When several AI origins share a line, the one
    with the most non-whitespace characters on it wins (the earliest on ties).
    """
    index = LineIndex.of(text)
    counts: dict[int, dict[Origin, int]] = {}
    for span in spans:
        if not span.origin.is_ai:
            continue
        for offset in range(span.start, min(span.end, len(text))):
            if not text[offset].isspace():
                per_line = counts.setdefault(index.line_of(offset), {})
                per_line[span.origin] = per_line.get(span.origin, 0) + 1
    return {line: max(c, key=c.__getitem__) for line, c in sorted(counts.items())}


def spans_for_lines(text: str, lines: Mapping[int, Origin]) -> list[Span]:
    """Spans covering the content (not the terminator) of each attributed line."""
    index = LineIndex.of(text)
    spans = []
    for line in sorted(lines):
        if 0 <= line < len(index.starts):
            start, end = index.line_range(line)
            if end > start:
                spans.append(Span(start, end, lines[line]))
    return spans


def reanchor(
    old_lines: Sequence[str], attributions: Mapping[int, Origin], new_lines: Sequence[str]
) -> dict[int, Origin]:
    """Move line attributions from ``old_lines`` to ``new_lines`` by a line diff.

    Used when a file changed outside the editor (an agent, ``git checkout``, a
    formatter). A line keeps its origin only where the diff says it is unchanged;
    changed or deleted lines drop out rather than being guessed at, so nothing is
    silently attributed to the wrong author.
    """
    if list(old_lines) == list(new_lines):
        return dict(attributions)
    import difflib  # only needed when content changed; spared on the commit path

    matcher = difflib.SequenceMatcher(None, list(old_lines), list(new_lines), autojunk=False)
    moved: dict[int, Origin] = {}
    for old_start, new_start, size in matcher.get_matching_blocks():
        for i in range(size):
            origin = attributions.get(old_start + i)
            if origin is not None:
                moved[new_start + i] = origin
    return moved
