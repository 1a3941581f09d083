"""Agent Trace style notes: what goes in comes back out."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from countersign.core.origin import Origin
from countersign.core.provenance import NoteError, build_record, record_lines

ORIGINS = [Origin("agent", "claude-code", "anthropic/claude-sonnet-4-5"),
           Origin("inline", "copilot"), Origin("chat", "cursor", "openai/gpt-5"),
           Origin("agent", "codex").acknowledge("Sam")]


@given(st.dictionaries(st.sampled_from(["a.py", "infra/main.tf", "日本/x.sql"]),
                       st.dictionaries(st.integers(0, 300), st.sampled_from(ORIGINS),
                                       max_size=40), max_size=3))
def test_record_round_trips_through_json(lines: dict[str, dict[int, Origin]]) -> None:
    record = json.loads(json.dumps(build_record("c0ffee", lines, 1795000000.0)))
    assert record_lines(record) == {p: ls for p, ls in lines.items() if ls}
    for entry in record["files"]:
        for conversation in entry["conversations"]:
            for r in conversation["ranges"]:
                assert 1 <= r["start_line"] <= r["end_line"]


def test_adjacent_lines_share_a_range() -> None:
    agent = ORIGINS[0]
    record = build_record("c0ffee", {"a.py": {0: agent, 1: agent, 2: agent, 5: agent}}, 0.0)
    ranges = record["files"][0]["conversations"][0]["ranges"]
    assert ranges == [{"start_line": 1, "end_line": 3}, {"start_line": 6, "end_line": 6}]


@pytest.mark.parametrize("record", [
    {}, {"files": "x"}, {"files": [{"path": "a", "conversations": [
        {"contributor": {"type": "ai"}, "ranges": [{"start_line": 0, "end_line": 2}]}]}]},
])
def test_malformed_records_raise_note_error(record: object) -> None:
    with pytest.raises(NoteError):
        record_lines(record)
