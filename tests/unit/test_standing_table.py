"""The standing as a table (what the commit trailers apply) decides as the standing does."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest

from countersign.core.autonomy import AutonomyPolicy, NewTool, Relax, Tighten
from countersign.core.incidents import UNKNOWN_TOOL, Implication
from countersign.core.standing import Standing
from countersign.core.standing_table import Decision, StandingTable, table_from_json
from countersign.core.tiers import Review, Tier
from countersign.core.track_record import DAY, IncidentFact, LineFate, TrackRecord

NOW = 1_800_000_000
POLICY = AutonomyPolicy(
    new_tool=NewTool(lines=3, stricter=1),
    relax=(Relax(Tier.MEDIUM, Review.NONE, min_lines=4, days=90),
           Relax(Tier.HIGH, Review.PEER, min_lines=4, days=90, tools=("codex",))),
    tighten=(Tighten(Tier.HIGH, Review.SENIOR_OWNER, days=30),))


def standing() -> Standing:
    """claude-code proven at medium, with an incident at high; codex proven at medium and
    high; copilot new (2 lines); unknown provenance with many lines."""
    lines = [LineFate(tool, None, tier, f"c{i}", NOW - 5 * DAY)
             for tool, tier, count in (("claude-code", Tier.MEDIUM, 4), ("codex", Tier.MEDIUM, 4),
                                       ("codex", Tier.HIGH, 4), ("copilot", Tier.MEDIUM, 2),
                                       (UNKNOWN_TOOL, Tier.MEDIUM, 9))
             for i in range(count)]
    fix = IncidentFact("f" * 40, "Revert", NOW - DAY, ("revert",),
                       (Implication("claude-code", None, Tier.HIGH, 1, ("a" * 40,)),))
    return Standing(POLICY, TrackRecord(NOW, 90, 30, lines, [], [fix]))


TOOLS = ["claude-code", "codex", "copilot", UNKNOWN_TOOL, "cursor"]


@pytest.mark.parametrize("tools", [[t] for t in TOOLS] + [list(p) for p in
                                                          itertools.combinations(TOOLS, 2)])
def test_the_table_decides_as_the_standing_for_every_tier_and_base(tools: list[str]) -> None:
    mine = standing()
    table = table_from_json(json.loads(json.dumps(mine.table("b" * 40).to_json())))
    strict = Standing(POLICY._replace(relax=()), mine.record)
    for tier, base in itertools.product(Tier, Review):
        assert table.decide(tools, tier, base) == mine.review(tools, tier, base)
        assert table.decide(tools, tier, base, strict=True) == strict.review(tools, tier, base)


def test_reasons_name_the_tool_and_relaxations_are_left_out_when_strict() -> None:
    table = standing().table("b" * 40)
    assert table.decide(["cursor"], Tier.MEDIUM, Review.PEER) == Decision(
        Review.SENIOR, ("cursor: new tool (0 AI lines in 90 days, fewer than 3) -> senior",))
    assert table.decide(["codex"], Tier.MEDIUM, Review.PEER) == Decision(
        Review.NONE, ("codex: 4 medium-tier AI lines in 90 days, no incident -> none",))
    assert table.decide(["codex"], Tier.MEDIUM, Review.PEER, strict=True) == \
        Decision(Review.PEER)
    tightened = Decision(Review.SENIOR_OWNER, (
        f"claude-code: 1 incident in 30 days ({'f' * 10}) -> senior+owner",))
    assert table.decide(["claude-code"], Tier.HIGH, Review.SENIOR) == tightened
    assert table.decide(["claude-code"], Tier.HIGH, Review.SENIOR, strict=True) == tightened
    assert table.decide([], Tier.HIGH, Review.SENIOR) == Decision(Review.SENIOR)


Change = Callable[[dict[str, Any]], object]


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(commit=7), "bad header"),
    (lambda d: d.update(as_of="today"), "bad header"),
    (lambda d: d["tools"]["codex"][0].__setitem__(2, "lenient"), "unknown review level"),
    (lambda d: d["tools"]["codex"][0].__setitem__(3, "a reason"), "expected a list"),
    (lambda d: d["tools"]["codex"][0].pop(), "not enough values"),
    (lambda d: d.pop("tools"), "malformed standing table"),
])
def test_a_malformed_table_is_refused(change: Change, message: str) -> None:
    data = standing().table("b" * 40).to_json()
    change(data)
    with pytest.raises(ValueError, match=message):
        table_from_json(data)


def test_an_empty_table_changes_nothing() -> None:
    table = StandingTable("b" * 40, NOW, {})
    assert table.decide(["codex"], Tier.HIGH, Review.SENIOR) == Decision(Review.SENIOR)
