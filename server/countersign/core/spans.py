"""Character spans of a document and how edits move them.

The document is a sequence of *runs*: maximal stretches of characters with one origin.
Runs live in an implicit treap (a randomised balanced binary tree ordered by position,
where each node knows the total length of its subtree). Finding an offset, splitting a run
and joining trees each cost O(log runs), so applying an edit costs O(log runs + runs it
removes) whatever the document's length, and spans after the edit shift for free because
positions are never stored, only lengths.

Offsets are Python string indices (code points); the language server converts editor
positions before calling in.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from countersign.core.origin import HUMAN, Origin

BATCH = 64
"""From this many pieces on, ``assign`` rebuilds the stretch they cover in one pass."""
Piece = tuple[int, int, Origin]
"""``[start, end)`` and who wrote it."""


@dataclass(frozen=True)
class Span:
    """``[start, end)`` of a document written by ``origin``."""

    start: int
    end: int
    origin: Origin


class _Run:
    __slots__ = ("left", "length", "origin", "priority", "right", "total")

    def __init__(self, length: int, origin: Origin, priority: float) -> None:
        self.length = length
        self.origin = origin
        self.priority = priority
        self.left: _Run | None = None
        self.right: _Run | None = None
        self.total = length


def _total(node: _Run | None) -> int:
    return node.total if node is not None else 0


def _update(node: _Run) -> _Run:
    node.total = node.length + _total(node.left) + _total(node.right)
    return node


def _merge(a: _Run | None, b: _Run | None) -> _Run | None:
    """Join two trees, every position of ``a`` before every position of ``b``."""
    if a is None:
        return b
    if b is None:
        return a
    if a.priority > b.priority:
        a.right = _merge(a.right, b)
        return _update(a)
    b.left = _merge(a, b.left)
    return _update(b)


def _first(node: _Run | None) -> _Run | None:
    while node is not None and node.left is not None:
        node = node.left
    return node


def _last(node: _Run | None) -> _Run | None:
    while node is not None and node.right is not None:
        node = node.right
    return node


def _walk(node: _Run | None) -> Iterator[_Run]:
    stack: list[_Run] = []
    while stack or node is not None:
        while node is not None:
            stack.append(node)
            node = node.left
        node = stack.pop()
        yield node
        node = node.right


class SpanTracker:
    """The origins of every character of one document, kept right through edits."""

    def __init__(self, length: int = 0, origin: Origin = HUMAN, seed: int = 0) -> None:
        self._random = random.Random(seed)
        self._root: _Run | None = self._run(length, origin) if length else None

    def __len__(self) -> int:
        return _total(self._root)

    def _run(self, length: int, origin: Origin) -> _Run:
        return _Run(length, origin, self._random.random())

    def _split(self, node: _Run | None, pos: int) -> tuple[_Run | None, _Run | None]:
        """Cut a tree into the first ``pos`` characters and the rest, splitting a run."""
        if node is None:
            return None, None
        left_len = _total(node.left)
        if pos <= left_len:
            a, b = self._split(node.left, pos)
            node.left = b
            return a, _update(node)
        if pos >= left_len + node.length:
            a, b = self._split(node.right, pos - left_len - node.length)
            node.right = a
            return _update(node), b
        # pos falls inside this run: keep the head here, move the tail to a new run
        cut = pos - left_len
        tail = self._run(node.length - cut, node.origin)
        tail.right = node.right
        node.right = None
        node.length = cut
        return _update(node), _update(tail)

    def _check_range(self, start: int, end: int) -> None:
        if not 0 <= start <= end <= len(self):
            raise ValueError(
                f"edit range [{start}, {end}) is outside the document of length {len(self)}"
            )

    def apply_edit(self, start: int, end: int, inserted: int, origin: Origin = HUMAN) -> None:
        """Replace characters ``[start, end)`` with ``inserted`` characters from ``origin``."""
        self._check_range(start, end)
        if inserted < 0:
            raise ValueError(f"inserted length must not be negative, got {inserted}")
        head, rest = self._split(self._root, start)
        _, tail = self._split(rest, end - start)
        middle = self._run(inserted, origin) if inserted else None
        self._root = self._join(self._join(head, middle), tail)

    def _join(self, a: _Run | None, b: _Run | None) -> _Run | None:
        """Merge two trees, coalescing the runs that meet if they share an origin."""
        a_last, b_first = _last(a), _first(b)
        if a_last is None or b_first is None or a_last.origin != b_first.origin:
            return _merge(a, b)
        extra = b_first.length
        _, b = self._split(b, extra)
        a = self._grow_last(a, extra)
        return _merge(a, b)

    def _grow_last(self, node: _Run | None, extra: int) -> _Run | None:
        if node is None:
            return None
        if node.right is None:
            node.length += extra
        else:
            self._grow_last(node.right, extra)
        return _update(node)

    def set_origin(self, start: int, end: int, origin: Origin) -> None:
        """Say that the existing characters ``[start, end)`` came from ``origin``."""
        self.apply_edit(start, end, end - start, origin)

    def assign(self, pieces: Iterable[Piece]) -> None:
        """``set_origin`` for many pieces at once (clipped to the document), in order.

        Many pieces (an AI report of 100,000 ranges, a ledger restoring every line) cost
        O(pieces + runs between the first and the last) instead of O(log runs) each, with
        a large constant: the stretch they cover is rebuilt in one pass.
        """
        given = [(max(0, s), min(e, len(self)), o) for s, e, o in pieces]
        given = [p for p in given if p[1] > p[0]]
        merged = _merged(sorted(given, key=lambda p: p[0]))
        if merged is None or len(merged) < BATCH:
            for start, end, origin in (merged if merged is not None else given):
                self.set_origin(start, end, origin)
            return
        lo, hi = merged[0][0], merged[-1][1]
        head, rest = self._split(self._root, lo)
        middle, tail = self._split(rest, hi - lo)
        built = self._build(_overlay(_walk(middle), [(s - lo, e - lo, o) for s, e, o in merged]))
        self._root = self._join(self._join(head, built), tail)

    def _build(self, runs: list[tuple[int, Origin]]) -> _Run | None:
        """A treap of ``runs`` ([length, origin] in order) in O(runs): the nodes get
        random priorities and a stack keeps the right spine of the tree built so far."""
        spine: list[_Run] = []
        for length, origin in runs:
            node = self._run(length, origin)
            below = None
            while spine and spine[-1].priority < node.priority:
                below = _update(spine.pop())
            node.left = below
            if spine:
                spine[-1].right = node
            spine.append(node)
        while len(spine) > 1:
            _update(spine.pop())
        return _update(spine[0]) if spine else None

    def map_origins(self, start: int, end: int, change: Callable[[Origin], Origin]) -> None:
        """Replace each origin in ``[start, end)`` by ``change(origin)`` (e.g. acknowledge)."""
        self._check_range(start, end)
        for span in self.runs(start, end):
            new = change(span.origin)
            if new != span.origin:
                self.set_origin(span.start, span.end, new)

    def runs(self, start: int = 0, end: int | None = None) -> list[Span]:
        """All runs (human ones included) clipped to ``[start, end)``, in order.

        Descends to ``start`` first, so the cost is O(log runs + runs returned).
        """
        stop = len(self) if end is None else end
        stack: list[tuple[_Run, int]] = []
        node, base = self._root, 0
        while node is not None:  # the path to the run holding ``start``
            node_start = base + _total(node.left)
            if start < node_start:
                stack.append((node, node_start))
                node = node.left
            elif start >= node_start + node.length:
                base, node = node_start + node.length, node.right
            else:
                stack.append((node, node_start))
                break
        out: list[Span] = []
        while stack:
            node, node_start = stack.pop()
            if node_start >= stop:
                break
            run_end = node_start + node.length
            if run_end > start:
                out.append(Span(max(node_start, start), min(run_end, stop), node.origin))
            child, base = node.right, run_end
            while child is not None:
                stack.append((child, base + _total(child.left)))
                child = child.left
        return out

    def spans(self) -> list[Span]:
        """The AI-written spans, sorted and non-overlapping."""
        return [s for s in self.runs() if s.origin.is_ai]

    def origin_at(self, offset: int) -> Origin:
        """The origin of the character at ``offset``."""
        if not 0 <= offset < len(self):
            raise IndexError(f"offset {offset} outside document of length {len(self)}")
        node, pos = self._root, offset
        while node is not None:
            left_len = _total(node.left)
            if pos < left_len:
                node = node.left
            elif pos < left_len + node.length:
                return node.origin
            else:
                pos -= left_len + node.length
                node = node.right
        raise AssertionError("unreachable: offset checked against the total length")

    @classmethod
    def from_spans(cls, length: int, spans: list[Span], seed: int = 0) -> SpanTracker:
        """A tracker for a document of ``length`` characters with the given AI spans."""
        tracker = cls(length, seed=seed)
        tracker.assign((span.start, span.end, span.origin) for span in spans)
        return tracker


def _merged(pieces: list[Piece]) -> list[Piece] | None:
    """Sorted pieces with those of one origin that touch joined; None when pieces of
    different origins overlap (then their order decides, piece by piece)."""
    out: list[Piece] = []
    for start, end, origin in pieces:
        if out and start <= out[-1][1]:
            last = out[-1]
            if last[2] == origin:
                out[-1] = (last[0], max(last[1], end), origin)
                continue
            if start < last[1]:
                return None
        out.append((start, end, origin))
    return out


def _overlay(runs: Iterator[_Run], pieces: list[Piece]) -> list[tuple[int, Origin]]:
    """The runs with ``pieces`` (sorted, disjoint, inside the runs) written over them, as
    (length, origin) with neighbours of one origin joined."""
    out: list[tuple[int, Origin]] = []

    def emit(length: int, origin: Origin) -> None:
        if out and out[-1][1] == origin:
            out[-1] = (out[-1][0] + length, origin)
        elif length:
            out.append((length, origin))

    k, pos = 0, 0
    for run in runs:
        cursor, end = pos, pos + run.length
        while cursor < end:
            if k == len(pieces) or pieces[k][0] >= end:
                emit(end - cursor, run.origin)
                cursor = end
            elif pieces[k][0] > cursor:
                emit(pieces[k][0] - cursor, run.origin)
                cursor = pieces[k][0]
            else:
                stop = min(pieces[k][1], end)
                emit(stop - cursor, pieces[k][2])
                cursor = stop
                if stop == pieces[k][1]:
                    k += 1
        pos = end
    return out
