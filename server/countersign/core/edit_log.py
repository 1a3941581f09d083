"""Where text of an older document version is now.

An AI edit is reported in the coordinates of the document version the tool saw, and the
report can arrive after the editor has already sent later changes (the person kept
typing). The log keeps the recent edits so a range of an older version can be followed
forward to the characters that still hold that text, and so the older text itself can be
rebuilt to convert the reported positions.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

Piece = tuple[int, int]


@dataclass(frozen=True)
class Edit:
    """``[start, end)`` was replaced by ``inserted`` characters, producing ``version``."""

    version: int
    start: int
    end: int
    inserted: int
    removed: str


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix, compared in blocks (large whole-file syncs)."""
    limit, prefix, step = min(len(a), len(b)), 0, 4096
    while prefix < limit:
        size = min(step, limit - prefix)
        if a[prefix:prefix + size] == b[prefix:prefix + size]:
            prefix += size
        elif size == 1:
            break
        else:
            step = max(1, size // 2)
    return prefix


def minimal_edit(old: str, new: str) -> tuple[int, int, str]:
    """One replacement turning ``old`` into ``new``: the part between common ends.

    Full-document syncs become a small edit, so spans outside the changed part survive.
    """
    prefix = _common_prefix(old, new)
    suffix = _common_prefix(old[prefix:][::-1], new[prefix:][::-1])
    return prefix, len(old) - suffix, new[prefix:len(new) - suffix]


def map_piece(piece: Piece, edit: Edit) -> list[Piece]:
    """The characters of ``piece`` that survive ``edit``, in post-edit offsets."""
    start, end = piece
    delta = edit.inserted - (edit.end - edit.start)
    out = []
    if start < edit.start:
        out.append((start, min(end, edit.start)))
    if end > edit.end:
        out.append((max(start, edit.end) + delta, end + delta))
    return [p for p in out if p[1] > p[0]]


class EditLog:
    """The recent edits of one document, oldest first (at most ``limit`` of them)."""

    def __init__(self, version: int, limit: int = 2000) -> None:
        self.oldest = version
        """The oldest version the log can map from."""
        self._edits: deque[Edit] = deque()
        self._limit = limit

    def record(self, edit: Edit) -> None:
        self._edits.append(edit)
        while len(self._edits) > self._limit:
            dropped = self._edits.popleft()
            self.oldest = dropped.version

    def reset(self, version: int) -> None:
        """Forget all edits (after versions arrived out of order)."""
        self._edits.clear()
        self.oldest = version

    def knows(self, version: int) -> bool:
        return version >= self.oldest

    def _after(self, version: int) -> list[Edit]:
        return [e for e in self._edits if e.version > version]

    def text_at(self, version: int, current: str) -> str | None:
        """The text of ``version``, rebuilt by undoing later edits; None if too old."""
        if not self.knows(version):
            return None
        text = current
        for edit in reversed(self._after(version)):
            text = text[:edit.start] + edit.removed + text[edit.start + edit.inserted:]
        return text

    def map_forward(self, version: int, pieces: list[Piece]) -> list[Piece] | None:
        """Where characters of ``version`` are now; None if the version is too old."""
        if not self.knows(version):
            return None
        for edit in self._after(version):
            pieces = [q for p in pieces for q in map_piece(p, edit)]
        return pieces
