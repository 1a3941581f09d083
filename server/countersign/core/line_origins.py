"""Which AI wrote each line of an open document, from its character spans.

The rule (DESIGN, line attribution): a line is AI's when a non-whitespace character on it
has an AI origin; of several AI origins, the one with the most such characters wins, and
unacknowledged AI text wins over acknowledged (an acknowledgement covers the text it was
given for, not AI text added to the line later, such as a suppression comment).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from countersign.core.origin import Origin
from countersign.core.spans import Span, SpanTracker
from countersign.core.text import Text


def line_origins(text: Text, spans: SpanTracker, lines: Sequence[int]) -> list[Origin | None]:
    """The AI origin of each of ``lines`` (sorted, valid line numbers), or None.

    Neighbouring lines are read together, with one walk of the runs over them, so
    refreshing 100,000 lines after a large AI report costs the runs and text they hold
    and not a descent of the span tree per line.
    """
    out: list[Origin | None] = []
    for group in _consecutive(lines):
        start, end = text.line_range(group[0])[0], text.line_range(group[-1])[1]
        chunk = text.slice(start, end)
        runs = [r for r in spans.runs(start, end) if r.origin.is_ai] if end > start else []
        k = 0
        for line in group:
            first, last = text.line_range(line)
            while k < len(runs) and runs[k].end <= first:
                k += 1
            out.append(_winner(chunk, start, first, last, runs, k))
    return out


def _consecutive(lines: Sequence[int]) -> Iterator[list[int]]:
    group: list[int] = []
    for line in lines:
        if group and line != group[-1] + 1:
            yield group
            group = []
        group.append(line)
    if group:
        yield group


def _winner(chunk: str, base: int, first: int, last: int, runs: list[Span],
            k: int) -> Origin | None:
    """The origin that wins line ``[first, last)`` among ``runs[k:]`` (text in ``chunk``,
    which starts at offset ``base``)."""
    counts: dict[Origin, int] = {}
    while k < len(runs) and runs[k].start < last:
        run = runs[k]
        piece = chunk[max(run.start, first) - base:min(run.end, last) - base]
        visible = len("".join(piece.split()))
        if visible:
            counts[run.origin] = counts.get(run.origin, 0) + visible
        k += 1
    pool = {o: n for o, n in counts.items() if not o.acknowledged_by} or counts
    return max(pool, key=pool.__getitem__) if pool else None
