"""Columns in UTF-8, UTF-16 and UTF-32 map back to the same character."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from countersign.core.positions import column_to_index, index_to_column, unit_length

ALPHABET = st.sampled_from(list("ab \n\r😀漢"))


@given(st.text(ALPHABET, max_size=20), st.integers(0, 25))
def test_columns_round_trip_in_every_encoding(line: str, index: int) -> None:
    line = line.replace("\n", "").replace("\r", "")
    index = min(index, len(line))
    for enc in ("utf-8", "utf-16", "utf-32"):
        column = index_to_column(line, index, enc)  # type: ignore[arg-type]
        assert column_to_index(line, column, enc) == index  # type: ignore[arg-type]
    assert unit_length("😀", "utf-16") == 2 and unit_length("漢", "utf-8") == 3
