"""The text of an open document, with fast position conversion and line-aware edits.

The text is kept in blocks of whole lines (about ``BLOCK`` lines each), with the offset and
the first line number of every block. An edit rebuilds the few blocks around it and the two
short per-block tables; it never copies the whole document or shifts every line start, so
a keystroke costs about the same in a 20,000-line file as in a 200-line one.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass

from countersign.core.lines import line_starts
from countersign.core.positions import Encoding, column_to_index, index_to_column

BLOCK = 64
"""Lines per block when blocks are (re)built."""


@dataclass(frozen=True)
class LineEdit:
    """Old lines ``[first, first + removed)`` became new lines ``[first, first + added)``."""

    first: int
    removed: int
    added: int


class Text:
    """A document's text, its lines, and conversion between offsets and positions.

    Invariants: every block but the last ends with a line terminator, so blocks start at
    line starts and a ``\\r\\n`` pair never straddles two blocks; the last block holds
    the last line, which is empty when the text ends with a terminator (as in LSP).
    """

    def __init__(self, text: str) -> None:
        self._blocks: list[str] = []
        self._local: list[list[int]] = []  # line starts inside each block
        self._fill(0, 0, text, last=True)
        self._index()

    # -- structure -------------------------------------------------------------------

    def _split(self, text: str, last: bool) -> tuple[list[str], list[list[int]]]:
        """Blocks of ``text``; unless ``last``, it ends with a terminator and the empty
        line after it belongs to the next block."""
        starts = line_starts(text)
        if not last:
            starts.pop()
        blocks, local = [], []
        for k in range(0, len(starts), BLOCK):
            lo = starts[k]
            hi = starts[k + BLOCK] if k + BLOCK < len(starts) else len(text)
            blocks.append(text[lo:hi])
            local.append([s - lo for s in starts[k:k + BLOCK]])
        return blocks, local

    def _fill(self, lo: int, hi: int, text: str, last: bool) -> None:
        """Replace blocks ``[lo, hi)`` by the blocks of ``text``."""
        blocks, local = self._split(text, last)
        self._blocks[lo:hi] = blocks
        self._local[lo:hi] = local

    def _index(self) -> None:
        self._chars = [0, *itertools.accumulate(map(len, self._blocks))]
        self._lines = [0, *itertools.accumulate(map(len, self._local))]
        self._joined: str | None = None

    def _block_of_offset(self, offset: int) -> int:
        return max(0, min(bisect.bisect_right(self._chars, offset) - 1, len(self._blocks) - 1))

    def _block_of_line(self, line: int) -> int:
        return bisect.bisect_right(self._lines, line) - 1

    # -- reading ---------------------------------------------------------------------

    @property
    def text(self) -> str:
        """The whole text (joined once per edit, when asked)."""
        if self._joined is None:
            self._joined = "".join(self._blocks)
        return self._joined

    @property
    def starts(self) -> list[int]:
        """Offset of the first character of each line (built on demand: O(lines))."""
        return [base + s for base, local in zip(self._chars, self._local, strict=False)
                for s in local]

    def __len__(self) -> int:
        return self._chars[-1]

    @property
    def line_count(self) -> int:
        return self._lines[-1]

    def slice(self, start: int, end: int) -> str:
        """``text[start:end]`` without joining the whole text."""
        start, end = max(0, start), min(end, len(self))
        if end <= start:
            return ""
        b0, b1 = self._block_of_offset(start), self._block_of_offset(end - 1)
        base = self._chars[b0]
        within = self._blocks[b0] if b0 == b1 else "".join(self._blocks[b0:b1 + 1])
        return within[start - base:end - base]

    def _find(self, offset: int) -> tuple[int, int, int]:
        """Block holding ``offset`` (>= 0), the index of its line in the block, and the
        offset relative to the block."""
        b = self._block_of_offset(offset)
        relative = offset - self._chars[b]
        return b, bisect.bisect_right(self._local[b], relative) - 1, relative

    def line_of(self, offset: int) -> int:
        """The 0-based line holding ``offset`` (the last line past the end; -1 before 0)."""
        if offset < 0:
            return -1
        b, i, _ = self._find(offset)
        return self._lines[b] + i

    def _locate(self, line: int) -> tuple[int, int, int]:
        """Block of ``line`` and the line's ``[start, end)`` in it, without terminator."""
        if not 0 <= line < self.line_count:
            raise IndexError(f"line {line} is outside 0..{self.line_count - 1}")
        b = self._block_of_line(line)
        local, block = self._local[b], self._blocks[b]
        i = line - self._lines[b]
        start = local[i]
        end = local[i + 1] if i + 1 < len(local) else len(block)
        while end > start and block[end - 1] in "\r\n":
            end -= 1
        return b, start, end

    def line_range(self, line: int) -> tuple[int, int]:
        """``[start, end)`` of ``line`` without its terminator."""
        b, start, end = self._locate(line)
        base = self._chars[b]
        return base + start, base + end

    def line(self, line: int) -> str:
        b, start, end = self._locate(line)
        return self._blocks[b][start:end]

    def offset(self, line: int, column: int, encoding: Encoding) -> int:
        """The offset of an editor position; positions past the end are clamped to it."""
        if line < 0:
            return 0
        if line >= self.line_count:
            return len(self)
        b, start, end = self._locate(line)
        return self._chars[b] + start + column_to_index(self._blocks[b][start:end], column,
                                                        encoding)

    def in_range(self, line: int, column: int, encoding: Encoding) -> bool:
        """Whether a position lies inside the document (at most at the end of its line)."""
        if not 0 <= line < self.line_count or column < 0:
            return False
        content = self.line(line)
        return column <= index_to_column(content, len(content), encoding)

    def position(self, offset: int, encoding: Encoding) -> tuple[int, int]:
        """The editor position (line, column in code units) of an offset."""
        b, i, relative = self._find(max(0, min(offset, len(self))))
        before = self._blocks[b][self._local[b][i]:relative]  # a line never spans blocks
        return self._lines[b] + i, index_to_column(before, len(before), encoding)

    # -- editing ---------------------------------------------------------------------

    def replace(self, start: int, end: int, new: str) -> LineEdit:
        """Replace ``[start, end)`` with ``new``; returns the lines that changed.

        The blocks holding the edit are rebuilt with the block before them, so an edit at a
        block's first character that joins or splits a ``\\r\\n`` pair keeps lines right.
        The returned lines have one line of margin on each side for the same reason.
        """
        if not 0 <= start <= end <= len(self):
            raise ValueError(f"edit [{start}, {end}) is outside the text of length "
                             f"{len(self)}")
        old_count = self.line_count
        first = max(0, self.line_of(start) - 1)
        last = min(old_count - 1, self.line_of(end) + 1)
        lo = max(0, self._block_of_offset(start) - 1)
        # the region ends with a character the edit leaves alone (the end lies inside the
        # last block, or is the start of the next block, which _block_of_offset returns)
        hi = self._block_of_offset(end) + 1
        base = self._chars[lo]
        region = "".join(self._blocks[lo:hi])
        region = region[:start - base] + new + region[end - base:]
        self._fill(lo, hi, region, last=hi == len(self._blocks))
        self._index()
        removed = last + 1 - first
        return LineEdit(first, removed, removed + self.line_count - old_count)
