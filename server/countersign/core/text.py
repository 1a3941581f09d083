"""The text of an open document, with fast position conversion and line-aware edits.

Line starts are kept up to date by each edit instead of being recomputed, so an edit
costs the lines it touches plus one shift of the starts after it, not a rescan of the
document.
"""

from __future__ import annotations

from dataclasses import dataclass

from countersign.core.lines import line_of, line_range, line_starts
from countersign.core.positions import Encoding, column_to_index, index_to_column


@dataclass(frozen=True)
class LineEdit:
    """Old lines ``[first, first + removed)`` became new lines ``[first, first + added)``."""

    first: int
    removed: int
    added: int


class Text:
    """A document's text, its line starts, and conversion between offsets and positions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = line_starts(text)

    def __len__(self) -> int:
        return len(self.text)

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def line_of(self, offset: int) -> int:
        return line_of(self.starts, offset)

    def line_range(self, line: int) -> tuple[int, int]:
        """``[start, end)`` of ``line`` without its terminator."""
        return line_range(self.text, self.starts, line)

    def line(self, line: int) -> str:
        start, end = self.line_range(line)
        return self.text[start:end]

    def offset(self, line: int, column: int, encoding: Encoding) -> int:
        """The offset of an editor position; positions past the end are clamped to it."""
        if line < 0:
            return 0
        if line >= len(self.starts):
            return len(self.text)
        start, end = self.line_range(line)
        return start + column_to_index(self.text[start:end], column, encoding)

    def in_range(self, line: int, column: int, encoding: Encoding) -> bool:
        """Whether a position lies inside the document (at most at the end of its line)."""
        if not 0 <= line < len(self.starts) or column < 0:
            return False
        start, end = self.line_range(line)
        return column <= index_to_column(self.text[start:end], end - start, encoding)

    def position(self, offset: int, encoding: Encoding) -> tuple[int, int]:
        """The editor position (line, column in code units) of an offset."""
        offset = max(0, min(offset, len(self.text)))
        line = self.line_of(offset)
        start = self.starts[line]
        return line, index_to_column(self.text[start:offset], offset - start, encoding)

    def replace(self, start: int, end: int, new: str) -> LineEdit:
        """Replace ``[start, end)`` with ``new``; returns the lines that changed.

        The lines around the edit are split again with one line of margin on each side,
        so an edit that joins or splits a ``\\r\\n`` pair keeps the line starts right.
        """
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"edit [{start}, {end}) is outside the text of length "
                             f"{len(self.text)}")
        first = max(0, self.line_of(start) - 1)
        last = min(len(self.starts) - 1, self.line_of(end) + 1)
        region_start = self.starts[first]
        old_region_end = self.starts[last + 1] if last + 1 < len(self.starts) else len(self.text)
        delta = len(new) - (end - start)
        self.text = self.text[:start] + new + self.text[end:]
        region = self.text[region_start:old_region_end + delta]
        inner = [region_start + s for s in line_starts(region)]
        tail = [s + delta for s in self.starts[last + 1:]] if delta else self.starts[last + 1:]
        if tail and inner[-1] == tail[0]:
            inner.pop()  # the region ended on a line start that the tail already holds
        self.starts[first:] = inner + tail
        return LineEdit(first, last + 1 - first, len(inner))
