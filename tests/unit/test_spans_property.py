"""Span tracking against a naive reference model that stores one origin per character."""

from __future__ import annotations

import random
from itertools import groupby

from hypothesis import given, settings
from hypothesis import strategies as st

from countersign.core.lines import ai_lines, line_starts
from countersign.core.origin import HUMAN, Origin
from countersign.core.spans import Span, SpanTracker

COPILOT = Origin("inline", "copilot", at=1.0)
CLAUDE = Origin("agent", "claude-code", "anthropic/claude-sonnet-4-5", at=2.0)
CURSOR = Origin("chat", "cursor", at=3.0)
ORIGINS = [HUMAN, COPILOT, CLAUDE, CURSOR, CLAUDE.acknowledge("rev")]

# Text pieces that stress offsets and line handling: CRLF, lone CR, tabs, astral emoji, CJK.
PIECES = [
    "a", "x = 1", " ", "\t", "\n", "\r\n", "\r", "😀", "🧑‍💻", "漢字", "  \t", "DROP TABLE t;",
]
texts = st.lists(st.sampled_from(PIECES), max_size=6).map("".join)


def reference_runs(chars: list[Origin]) -> list[Span]:
    runs, pos = [], 0
    for origin, group in groupby(chars):
        n = len(list(group))
        runs.append(Span(pos, pos + n, origin))
        pos += n
    return runs


def reference_ai_lines(text: str, chars: list[Origin]) -> set[int]:
    starts = line_starts(text)
    lines = set()
    for i, (ch, origin) in enumerate(zip(text, chars, strict=True)):
        if origin.is_ai and not ch.isspace():
            lines.add(max(n for n, s in enumerate(starts) if s <= i))
    return lines


@st.composite
def edit_sequences(draw: st.DrawFn) -> tuple[str, list[tuple[str, int, int, str, Origin]]]:
    """An initial text and edits, each valid for the text as it is when it applies."""
    text = draw(texts)
    length = len(text)
    ops = []
    for _ in range(draw(st.integers(0, 25))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "mark", "end"]))
        start = draw(st.integers(0, length))
        end = start if op in ("insert", "end") else draw(st.integers(start, length))
        if op == "end":
            start = end = length  # edits at the very end of the document
        new = "" if op == "delete" else draw(texts)
        if op == "mark":
            new = "?" * (end - start)
        ops.append((op, start, end, new, draw(st.sampled_from(ORIGINS))))
        length += len(new) - (end - start)
    return text, ops


@settings(max_examples=2000)
@given(edit_sequences(), st.integers(0, 2**16))
def test_tracker_matches_reference_model(
    case: tuple[str, list[tuple[str, int, int, str, Origin]]], seed: int
) -> None:
    text, ops = case
    tracker = SpanTracker(len(text), seed=seed)
    chars = [HUMAN] * len(text)
    for op, start, end, new, origin in ops:
        if op == "mark":
            tracker.set_origin(start, end, origin)
            chars[start:end] = [origin] * (end - start)
            continue
        tracker.apply_edit(start, end, len(new), origin)
        text = text[:start] + new + text[end:]
        chars[start:end] = [origin] * len(new)
        assert len(tracker) == len(text)
    assert tracker.runs() == reference_runs(chars)
    assert tracker.spans() == [s for s in reference_runs(chars) if s.origin.is_ai]
    assert set(ai_lines(text, tracker.spans())) == reference_ai_lines(text, chars)
    for offset in range(0, len(chars), 7):
        assert tracker.origin_at(offset) == chars[offset]


@given(edit_sequences())
def test_from_spans_round_trips(case: tuple[str, list[tuple[str, int, int, str, Origin]]]) -> None:
    text, ops = case
    tracker = SpanTracker(len(text))
    for _, start, end, new, origin in ops:
        tracker.apply_edit(start, end, len(new), origin)
    rebuilt = SpanTracker.from_spans(len(tracker), tracker.spans(), seed=99)
    assert rebuilt.runs() == tracker.runs()


@st.composite
def batches(draw: st.DrawFn) -> tuple[int, list[tuple[int, int, Origin]],
                                      list[tuple[int, int, Origin]]]:
    """A document length, pieces already written, and a batch of up to 150 pieces to
    assign: of one origin (overlapping, merged), disjoint of many origins (rebuilt in one
    pass from 64 on), or overlapping of many origins (applied one by one, in order)."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    length = draw(st.integers(0, 2000))
    kind = draw(st.sampled_from(["one origin", "disjoint", "overlapping"]))
    count = draw(st.one_of(st.integers(0, 10), st.integers(64, 150)))

    def piece() -> tuple[int, int, Origin]:
        a, b = sorted((rng.randint(-5, length + 5), rng.randint(-5, length + 5)))
        return a, b, rng.choice(ORIGINS)

    before = [piece() for _ in range(rng.randint(0, 20))]
    if kind == "disjoint":
        cuts = sorted(rng.randint(0, length) for _ in range(2 * count))
        batch = [(a, b, rng.choice(ORIGINS)) for a, b in zip(cuts[::2], cuts[1::2],
                                                             strict=True)]
    else:
        batch = [piece() for _ in range(count)]
        if kind == "one origin":
            batch = [(a, b, CLAUDE) for a, b, _ in batch]
    return length, before, batch


@settings(max_examples=1500)
@given(batches(), st.integers(0, 2**16))
def test_assign_is_set_origin_piece_by_piece(
    case: tuple[int, list[tuple[int, int, Origin]], list[tuple[int, int, Origin]]], seed: int
) -> None:
    length, before, batch = case
    tracker = SpanTracker(length, seed=seed)
    chars = [HUMAN] * length
    for pieces in (before, batch):
        tracker.assign(pieces)
        for start, end, origin in pieces:
            start = max(0, start)
            end = max(start, min(end, length))
            chars[start:end] = [origin] * (end - start)
    assert tracker.runs() == reference_runs(chars)
    assert len(tracker) == length
