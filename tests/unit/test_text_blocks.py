"""``core.text.Text`` keeps its text in blocks of lines; checked against a plain string.

Blocks of 1, 2 and 3 lines make every edit cross block borders, including ``\\r\\n``
pairs that an edit joins or splits exactly at a border.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from countersign.core import text as text_module
from countersign.core.lines import line_of, line_range, line_starts, split_lines
from countersign.core.positions import index_to_column
from countersign.core.text import Text

ALPHABET = st.sampled_from(list("ab\n\r😀漢 "))
TYPED = st.sampled_from(list("ab \n\r😀漢"))
EDITS = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 8), st.text(ALPHABET, max_size=8)),
                 max_size=15)


@pytest.fixture(params=[1, 2, 3, 64], ids=lambda n: f"block{n}")
def block(request: pytest.FixtureRequest) -> Iterator[int]:
    saved = text_module.BLOCK
    text_module.BLOCK = request.param
    yield request.param
    text_module.BLOCK = saved


def same_as_string(doc: Text, model: str) -> None:
    starts = line_starts(model)
    assert doc.text == model
    assert len(doc) == len(model)
    assert doc.starts == starts
    assert doc.line_count == len(starts)
    for offset in range(-1, len(model) + 2):
        line = line_of(starts, offset)
        assert doc.line_of(offset) == line, offset
        if 0 <= offset <= len(model):
            before = model[starts[line]:offset]
            assert doc.position(offset, "utf-16") == (line, index_to_column(before, len(before),
                                                                           "utf-16"))
    for n, content in enumerate(split_lines(model)):
        assert doc.line_range(n) == line_range(model, starts, n)
        assert doc.line(n) == content
        for enc in ("utf-8", "utf-16", "utf-32"):
            column = index_to_column(content, len(content), enc)  # type: ignore[arg-type]
            assert doc.offset(n, column, enc) == starts[n] + len(content)  # type: ignore[arg-type]
            assert doc.in_range(n, column, enc)  # type: ignore[arg-type]
            assert not doc.in_range(n, column + 1, enc)  # type: ignore[arg-type]
            assert doc.position(starts[n] + len(content), enc) == (n, column)  # type: ignore[arg-type]
    for start in range(len(model) + 1):
        for end in (start, start + 1, start + 5, len(model)):
            assert doc.slice(start, end) == model[start:end]


# the fixture only sets the block size, the same for every generated input
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(ALPHABET, max_size=40), edits=EDITS)
def test_blocks_match_a_plain_string_through_edits(block: int, text: str, edits: list) -> None:
    doc, model = Text(text), text
    same_as_string(doc, model)
    for at, length, new in edits:
        start = min(at, len(model))
        end = min(start + length, len(model))
        before = split_lines(model)
        edit = doc.replace(start, end, new)
        model = model[:start] + new + model[end:]
        same_as_string(doc, model)
        after = split_lines(model)
        # lines outside the reported change are the same lines, shifted
        assert before[:edit.first] == after[:edit.first]
        assert len(after) == len(before) - edit.removed + edit.added
        tail = len(before) - edit.first - edit.removed
        assert before[len(before) - tail:] == after[len(after) - tail:]


def test_crlf_pair_joined_across_a_block_border(block: int) -> None:
    doc = Text("a\rb\nc\r")
    doc.replace(2, 3, "")  # "a\r" + "\n" : the \r and \n now form one terminator
    assert doc.starts == line_starts("a\r\nc\r") == [0, 3, 5]
    doc.replace(len(doc), len(doc), "\n")  # the final \r gets its \n
    assert doc.starts == line_starts("a\r\nc\r\n") == [0, 3, 6]


def test_bad_edits_and_lines_are_refused() -> None:
    doc = Text("ab\ncd")
    with pytest.raises(ValueError, match="outside the text of length 5"):
        doc.replace(3, 9, "x")
    with pytest.raises(IndexError, match=r"line 2 is outside 0\.\.1"):
        doc.line_range(2)
    assert doc.text == "ab\ncd"


@given(st.text(TYPED, max_size=30),
       st.lists(st.tuples(st.integers(0, 40), st.integers(0, 5), st.text(TYPED, max_size=6)),
                max_size=12))
def test_line_starts_stay_right_through_edits(text: str, edits: list) -> None:
    doc = Text(text)
    for at, length, new in edits:
        start = min(at, len(doc))
        end = min(start + length, len(doc))
        doc.replace(start, end, new)
        assert doc.starts == line_starts(doc.text)
