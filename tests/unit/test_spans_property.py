"""Span tracking against a naive reference model that stores one origin per character."""

from __future__ import annotations

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
