"""The edit log rebuilds older versions and follows characters forward."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from countersign.core.edit_log import Edit, EditLog, map_piece, minimal_edit

ALPHABET = st.sampled_from(list("ab \n\r😀漢"))


@given(st.text(ALPHABET, max_size=30), st.text(ALPHABET, max_size=30))
def test_minimal_edit_turns_old_into_new(old: str, new: str) -> None:
    start, end, inserted = minimal_edit(old, new)
    assert old[:start] + inserted + old[end:] == new


@given(st.text("abc", min_size=1, max_size=20),
       st.lists(st.tuples(st.integers(0, 25), st.integers(0, 4), st.text("xy", max_size=4)),
                max_size=8))
def test_edit_log_rebuilds_old_text_and_follows_characters(text: str, edits: list) -> None:
    """Tag every character of version 1 with its index; survivors map where the log says."""
    log = EditLog(1)
    current = list(range(len(text)))  # character identities
    body = text
    for version, (at, length, new) in enumerate(edits, start=2):
        start = min(at, len(body))
        end = min(start + length, len(body))
        log.record(Edit(version, start, end, len(new), body[start:end]))
        body = body[:start] + new + body[end:]
        current = current[:start] + [-1] * len(new) + current[end:]
    assert log.text_at(1, body) == text
    mapped = log.map_forward(1, [(0, len(text))]) or []
    kept = [i for s, e in mapped for i in range(s, e)]
    assert kept == [i for i, ident in enumerate(current) if ident >= 0]
    assert map_piece((0, 4), Edit(2, 2, 2, 3, "")) == [(0, 2), (5, 7)]
