"""Line attribution and re-anchoring onto changed content."""

from __future__ import annotations

import pytest

from countersign.core.lines import LineIndex, ai_lines, reanchor, spans_for_lines, split_lines
from countersign.core.origin import HUMAN, Origin
from countersign.core.spans import Span, SpanTracker

AI = Origin("agent", "claude-code", "anthropic/claude-sonnet-4-5")
COPILOT = Origin("inline", "copilot")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", [""]), ("a\r\nb\rc\nd", ["a", "b", "c", "d"]), ("a\n", ["a", ""]),
     ("x\u2028y\x0cz", ["x\u2028y\x0cz"])],
)
def test_split_lines_uses_lsp_terminators_only(text: str, expected: list[str]) -> None:
    assert split_lines(text) == expected


def test_whitespace_only_ai_text_does_not_make_a_line_ai() -> None:
    text = "def f():\n    return 1\n"
    # the AI inserted only the indentation of line 1 and the newline of line 0
    spans = [Span(8, 13, AI)]
    assert ai_lines(text, spans) == {}
    assert ai_lines(text, [Span(12, 14, AI)]) == {1: AI}


def test_line_goes_to_the_origin_with_most_characters() -> None:
    text = "ab cdef\n"
    assert ai_lines(text, [Span(0, 2, COPILOT), Span(3, 7, AI)]) == {0: AI}


def test_typing_inside_an_ai_span_splits_it() -> None:
    tracker = SpanTracker(0)
    tracker.apply_edit(0, 0, 10, AI)
    tracker.apply_edit(4, 4, 3, HUMAN)
    assert tracker.spans() == [Span(0, 4, AI), Span(7, 13, AI)]


def test_acknowledge_keeps_tool_and_records_reviewer() -> None:
    tracker = SpanTracker(0)
    tracker.apply_edit(0, 0, 6, AI)
    tracker.map_origins(0, 3, lambda o: o.acknowledge("rev@example.com"))
    first, second = tracker.spans()
    assert first.origin.acknowledged_by == "rev@example.com"
    assert first.origin.tool == second.origin.tool == "claude-code"
    assert second.origin.acknowledged_by is None


@pytest.mark.parametrize("bad", [(-1, 0), (0, 5), (3, 2)])
def test_edit_outside_document_is_refused(bad: tuple[int, int]) -> None:
    tracker = SpanTracker(4)
    with pytest.raises(ValueError, match="outside the document of length 4"):
        tracker.apply_edit(bad[0], bad[1], 1, AI)
    assert len(tracker) == 4


def test_reanchor_follows_moved_lines_and_drops_rewritten_ones() -> None:
    old = ["import os", "DROP TABLE users;", "x = 1", "y = 2"]
    new = ["# header", "import os", "DROP TABLE users;", "z = compute()", "y = 2"]
    moved = reanchor(old, {1: AI, 2: COPILOT, 3: AI}, new)
    assert moved == {2: AI, 4: AI}


@pytest.mark.parametrize("typed", [
    "os.system('rm -rf /tmp/y')  # ok",  # a comment at the end
    "    os.system('rm -rf /tmp/y')",  # indented
    "os.system('rm -rf /tmp/y', check=True)",  # an argument added
    "result = os.system( 'rm -rf /tmp/y' )",  # typed before and inside
])
def test_reanchor_keeps_a_line_a_person_typed_on(typed: str) -> None:
    """Its AI characters are all still on it, in order: it stays AI's (issue 15 item 5)."""
    old = ["import os", "os.system('rm -rf /tmp/y')", "print('done')"]
    new = ["import os", typed, "print('done')"]
    assert reanchor(old, {1: AI}, new) == {1: AI}
    assert reanchor(old, {1: AI}, ["import os", "# note", typed, "print('done')"]) == {2: AI}


@pytest.mark.parametrize("rewritten", [
    "os.system('rm -rf /tmp')",  # AI characters deleted
    "subprocess.run(['ls'])",  # rewritten
    "",  # emptied
])
def test_reanchor_drops_a_line_whose_ai_characters_are_gone(rewritten: str) -> None:
    old = ["import os", "os.system('rm -rf /tmp/y')", "print('done')"]
    assert reanchor(old, {1: AI}, ["import os", rewritten, "print('done')"]) == {}


def test_reanchor_pairs_edited_lines_in_order() -> None:
    old = ["a = compute(1)", "b = compute(2)", "c = 3"]
    new = ["a = compute(1)  # x", "b = compute(2)  # y", "c = 4"]
    assert reanchor(old, {0: AI, 1: COPILOT}, new) == {0: AI, 1: COPILOT}


def test_reanchor_deleted_lines_drop_out() -> None:
    assert reanchor(["a", "b", "c"], {1: AI}, ["a", "c"]) == {}


def test_spans_for_lines_cover_content_not_terminators() -> None:
    text = "a\r\nbb\r\n\r\nc"
    spans = spans_for_lines(text, {1: AI, 2: AI, 3: COPILOT, 9: AI})
    assert spans == [Span(3, 5, AI), Span(9, 10, COPILOT)]
    assert ai_lines(text, spans) == {1: AI, 3: COPILOT}


def test_line_index_maps_offsets() -> None:
    index = LineIndex.of("ab\r\ncd\ne")
    assert [index.line_of(o) for o in range(8)] == [0, 0, 0, 0, 1, 1, 1, 2]
    assert index.line_range(0) == (0, 2)


def test_origin_requires_tool_for_ai_and_known_kind() -> None:
    with pytest.raises(ValueError, match="needs a tool"):
        Origin("agent")
    with pytest.raises(ValueError, match="unknown origin kind"):
        Origin("robot", "x")  # type: ignore[arg-type]
    assert Origin.from_dict(AI.to_dict()) == AI
    assert AI.label() == "claude-code (agent, anthropic/claude-sonnet-4-5)"
