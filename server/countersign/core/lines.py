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


EDIT_WINDOW = 64
"""How many changed lines ahead an AI line is looked for (bounds the cost of a large
rewrite to the lines it holds)."""


def reanchor(
    old_lines: Sequence[str], attributions: Mapping[int, Origin], new_lines: Sequence[str]
) -> dict[int, Origin]:
    """Move line attributions from ``old_lines`` to ``new_lines`` by a line diff.

    Used when the content changed since the attributions were stored (an agent, ``git
    checkout``, a formatter, typing the ledger had not been told of before a crash). A
    line keeps its origin where the diff says it is unchanged, and where a person edited
    it but its AI characters are all still on it, in order (a comment typed at its end, an
    argument added, indentation): the conservative direction for a gate, which must not
    lose an AI line because someone typed on it. A line rewritten or deleted drops out.
    """
    if list(old_lines) == list(new_lines):
        return dict(attributions)
    import difflib  # only needed when content changed; spared on the commit path

    matcher = difflib.SequenceMatcher(None, list(old_lines), list(new_lines), autojunk=False)
    moved: dict[int, Origin] = {}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for i in range(i2 - i1):
                origin = attributions.get(i1 + i)
                if origin is not None:
                    moved[j1 + i] = origin
        elif tag == "replace":
            moved.update(_edited(old_lines, attributions, new_lines, (i1, i2), (j1, j2)))
    return moved


def _edited(old_lines: Sequence[str], attributions: Mapping[int, Origin],
            new_lines: Sequence[str], old: tuple[int, int],
            new: tuple[int, int]) -> dict[int, Origin]:
    """The changed lines ``new`` that still hold an AI line of ``old``, in order."""
    out: dict[int, Origin] = {}
    j = new[0]
    for i in range(*old):
        origin = attributions.get(i)
        if origin is None:
            continue
        for k in range(j, min(new[1], j + EDIT_WINDOW)):
            if _holds(new_lines[k], old_lines[i]):
                out[k] = origin
                j = k + 1
                break
    return out


def _holds(line: str, written: str) -> bool:
    """Whether every non-whitespace character of ``written`` is still on ``line``, in
    order (whatever was typed between them)."""
    wanted = "".join(written.split())
    rest = iter(line)
    return bool(wanted) and all(c in rest for c in wanted)
