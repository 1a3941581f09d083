"""Graduated autonomy: the ``[autonomy]`` parser and its decisions at their thresholds."""

from __future__ import annotations

from pathlib import Path

import pytest

from countersign.core.autonomy import AutonomyPolicy, GuardRule, NewTool, Relax, Tighten
from countersign.core.config import PolicyError, load_config, load_project
from countersign.core.incidents import Implication
from countersign.core.standing import Standing
from countersign.core.tiers import Review, Tier
from countersign.core.track_record import DAY, IncidentFact, LineFate, TrackRecord

NOW = 1_800_000_000
FULL = """\
[autonomy]
incident_trailer = "Postmortem"
window_days = 120
survival_days = 14
[autonomy.new_tool]
lines = 100
stricter = 2
[[autonomy.relax]]
tier = "medium"
review = "none"
min_lines = 5000
days = 90
max_incidents = 0
min_surviving = 0.9
tools = ["claude-code"]
[[autonomy.tighten]]
tier = "high"
review = "senior+owner"
days = 30
kinds = ["revert", "incident"]
[autonomy.guard]
days = 30
tier = "medium"
"""


def record(lines: int = 0, tier: Tier = Tier.MEDIUM, tool: str = "claude-code",
           born: int = NOW - DAY, incidents: tuple[IncidentFact, ...] = ()) -> TrackRecord:
    fates = [LineFate(tool, None, tier, f"c{i}", born) for i in range(lines)]
    return TrackRecord(NOW, 90, 30, fates, [], list(incidents))


def incident(at: int, tier: Tier = Tier.HIGH, tool: str = "claude-code",
             kinds: tuple[str, ...] = ("revert",)) -> IncidentFact:
    return IncidentFact("f" * 40, "Revert", at, kinds,
                        (Implication(tool, None, tier, 3, ("a" * 40,)),))


RELAX = Relax(Tier.MEDIUM, Review.NONE, min_lines=5000, days=90)
TIGHTEN = Tighten(Tier.HIGH, Review.SENIOR_OWNER, days=30)


def test_the_whole_section_parses(tmp_path: Path) -> None:
    path = tmp_path / ".countersign.toml"
    path.write_text(FULL)
    config, errors = load_config(path)
    assert errors == []
    policy = config.autonomy
    assert (policy.incident_trailer, policy.window_days, policy.survival_days) == \
        ("Postmortem", 120, 14)
    assert policy.new_tool == NewTool(100, 2)
    assert policy.relax == (Relax(Tier.MEDIUM, Review.NONE, 5000, 90, 0, 0.9,
                                  ("claude-code",)),)
    assert policy.tighten == (Tighten(Tier.HIGH, Review.SENIOR_OWNER, 30,
                                      ("revert", "incident")),)
    assert policy.guard is not None and policy.guard.tier == Tier.MEDIUM
    assert policy.days_needed == 120


@pytest.mark.parametrize(("text", "message"), [
    ('[autonomy]\nwindow = 90\n', ":2: key 'autonomy.window': unknown key"),
    ('[[autonomy.relax]]\ntier = "medium"\nreview = "none"\nmin_lines = "5k"\ndays = 90\n',
     ":4: key 'autonomy.relax[1].min_lines': expected a whole number of at least 1, got '5k'"),
    ('[[autonomy.relax]]\ntier = "medium"\nreview = "nobody"\nmin_lines = 5\ndays = 90\n',
     ":3: key 'autonomy.relax[1].review': unknown review level 'nobody'"),
    ('[[autonomy.relax]]\ntier = "medium"\nreview = "none"\ndays = 90\n',
     "key 'autonomy.relax[1].min_lines': missing"),
    ('[[autonomy.tighten]]\ntier = "high"\nreview = "senior"\ndays = 30\nkinds = ["outage"]\n',
     ":5: key 'autonomy.tighten[1].kinds': expected a list of revert, fixes, incident"),
    ('[autonomy]\nincident_trailer = "Incident:"\n', ":2: key 'autonomy.incident_trailer'"),
    ('[[autonomy.relax]]\ntier = "medium"\nreview = "none"\nmin_lines = 5\ndays = 9\n'
     'min_surviving = 1.5\n', ":6: key 'autonomy.relax[1].min_surviving': expected a share"),
])
def test_a_mistake_names_its_key_and_relaxes_nothing(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / ".countersign.toml"
    path.write_text(text + '[[autonomy.relax]]\ntier = "low"\nreview = "none"\nmin_lines = 1\n'
                           'days = 9\n[[autonomy.tighten]]\ntier = "high"\nreview = '
                           '"senior+owner"\ndays = 30\n')
    config, errors = load_config(path)
    assert any(message in str(e) for e in errors), [str(e) for e in errors]
    assert config.autonomy.relax == ()  # the well-formed relax rule is dropped too
    assert TIGHTEN in config.autonomy.tighten


def test_a_policy_with_a_bad_autonomy_section_is_refused_whole(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[[autonomy.relax]]\ntier = "medium"\nreview = "none"\nmin_lines = -1\n'
                      'days = 90\n')
    with pytest.raises(PolicyError) as raised:
        load_project(tmp_path, policy)
    assert [p.key for p in raised.value.problems] == ["autonomy.relax[1].min_lines"]


def test_the_policy_decides_autonomy_not_the_repository(tmp_path: Path) -> None:
    (tmp_path / ".countersign.toml").write_text(
        '[[autonomy.relax]]\ntier = "high"\nreview = "none"\nmin_lines = 1\ndays = 9\n')
    policy = tmp_path / "policy.toml"
    policy.write_text(FULL)
    assert load_project(tmp_path).config.autonomy.relax[0].tier == Tier.HIGH
    assert load_project(tmp_path, policy).config.autonomy.relax[0].tier == Tier.MEDIUM


@pytest.mark.parametrize(("lines", "review"), [(4999, Review.PEER), (5000, Review.NONE)])
def test_relaxing_starts_exactly_at_the_line_threshold(lines: int, review: Review) -> None:
    standing = Standing(AutonomyPolicy(relax=(RELAX,)), record(lines))
    decision = standing.review(["claude-code"], Tier.MEDIUM, Review.PEER)
    assert decision.review == review
    if review == Review.NONE:
        assert decision.reasons == ("claude-code: 5,000 medium-tier AI lines in 90 days, no "
                                    "incident -> none",)
    assert standing.review(["claude-code"], Tier.HIGH, Review.SENIOR).review == Review.SENIOR


def test_relaxing_counts_only_lines_of_its_tier_and_days() -> None:
    policy = AutonomyPolicy(relax=(RELAX,))
    high = record(6000, Tier.HIGH)
    old = record(6000, born=NOW - 90 * DAY - 1)
    edge = record(5000, born=NOW - 90 * DAY)
    assert Standing(policy, high).review(["claude-code"], Tier.MEDIUM, Review.PEER).review \
        == Review.PEER
    assert Standing(policy, old).review(["claude-code"], Tier.MEDIUM, Review.PEER).review \
        == Review.PEER
    assert Standing(policy, edge).review(["claude-code"], Tier.MEDIUM, Review.PEER).review \
        == Review.NONE


def test_an_incident_in_the_window_stops_relaxing() -> None:
    policy = AutonomyPolicy(relax=(RELAX,))
    hit = record(5000, incidents=(incident(NOW - 89 * DAY, Tier.LOW),))
    assert Standing(policy, hit).review(["claude-code"], Tier.MEDIUM, Review.PEER).review \
        == Review.PEER
    gone = record(5000, incidents=(incident(NOW - 90 * DAY, Tier.LOW),))
    assert Standing(policy, gone).review(["claude-code"], Tier.MEDIUM, Review.PEER).review \
        == Review.NONE


def test_survival_share_is_a_threshold_too() -> None:
    rule = Relax(Tier.MEDIUM, Review.NONE, 10, 90, min_surviving=0.9)
    fates = [LineFate("claude-code", None, Tier.MEDIUM, "c", NOW - 60 * DAY,
                      NOW - 50 * DAY if i == 0 else None) for i in range(10)]
    ten = TrackRecord(NOW, 90, 30, fates)
    assert Standing(AutonomyPolicy(relax=(rule,)), ten).review(
        ["claude-code"], Tier.MEDIUM, Review.PEER).review == Review.NONE  # 90% kept
    fates[1] = LineFate("claude-code", None, Tier.MEDIUM, "c", NOW - 60 * DAY, NOW - 59 * DAY)
    eight = TrackRecord(NOW, 90, 30, fates)
    assert Standing(AutonomyPolicy(relax=(rule,)), eight).review(
        ["claude-code"], Tier.MEDIUM, Review.PEER).review == Review.PEER  # 80% kept


@pytest.mark.parametrize(("age", "review"), [
    (30 * DAY - 1, Review.SENIOR_OWNER), (30 * DAY, Review.SENIOR), (0, Review.SENIOR_OWNER),
    (-1, Review.SENIOR)])  # a fix after the record's time does not count yet
def test_tightening_lasts_exactly_its_days(age: int, review: Review) -> None:
    standing = Standing(AutonomyPolicy(tighten=(TIGHTEN,)),
                        record(incidents=(incident(NOW - age),)))
    decision = standing.review(["claude-code"], Tier.HIGH, Review.SENIOR)
    assert decision.review == review
    if review == Review.SENIOR_OWNER:
        assert decision.reasons == ("claude-code: 1 incident in 30 days (ffffffffff) -> "
                                    "senior+owner",)
        assert standing.until("claude-code") == NOW - age + 30 * DAY


def test_tightening_needs_a_change_of_its_tier_and_applies_from_its_tier_up() -> None:
    policy = AutonomyPolicy(tighten=(TIGHTEN,))
    medium = Standing(policy, record(incidents=(incident(NOW, Tier.MEDIUM),)))
    critical = Standing(policy, record(incidents=(incident(NOW, Tier.CRITICAL),)))
    assert medium.review(["claude-code"], Tier.HIGH, Review.SENIOR).review == Review.SENIOR
    assert critical.review(["claude-code"], Tier.HIGH, Review.SENIOR).review == \
        Review.SENIOR_OWNER
    assert critical.review(["claude-code"], Tier.MEDIUM, Review.PEER).review == Review.PEER
    assert critical.review(["copilot"], Tier.HIGH, Review.SENIOR).review == Review.SENIOR


def test_tightening_counts_only_its_kinds_and_beats_relaxing() -> None:
    only_declared = Tighten(Tier.MEDIUM, Review.SENIOR, 30, kinds=("incident",))
    policy = AutonomyPolicy(relax=(RELAX,), tighten=(only_declared,))
    revert = Standing(policy, record(5000, incidents=(incident(NOW - DAY, Tier.MEDIUM),)))
    assert revert.review(["claude-code"], Tier.MEDIUM, Review.PEER).review == Review.PEER
    declared = Standing(policy, record(5000, incidents=(
        incident(NOW - DAY, Tier.MEDIUM, kinds=("fixes", "incident")),)))
    assert declared.review(["claude-code"], Tier.MEDIUM, Review.PEER).review == Review.SENIOR


def test_a_new_tool_starts_stricter_and_unknown_provenance_is_never_relaxed() -> None:
    policy = AutonomyPolicy(new_tool=NewTool(100, 1), relax=(
        Relax(Tier.MEDIUM, Review.NONE, 1, 90),))
    young = Standing(policy, record(99))
    decision = young.review(["claude-code"], Tier.MEDIUM, Review.PEER)
    assert decision.review == Review.SENIOR
    assert decision.reasons == ("claude-code: new tool (99 AI lines in 90 days, fewer than "
                                "100) -> senior",)
    assert young.review(["claude-code"], Tier.CRITICAL, Review.SENIOR_OWNER).review == \
        Review.SENIOR_OWNER
    proven = Standing(policy, record(100))
    assert proven.review(["claude-code"], Tier.MEDIUM, Review.PEER).review == Review.NONE
    unknown = Standing(policy, record(500, tool="unknown-provenance"))
    assert unknown.review(["unknown-provenance"], Tier.MEDIUM, Review.PEER).review == \
        Review.PEER


def test_a_change_by_several_tools_needs_what_the_strictest_needs() -> None:
    policy = AutonomyPolicy(new_tool=NewTool(100, 1), relax=(
        Relax(Tier.MEDIUM, Review.NONE, 100, 90),))
    standing = Standing(policy, record(100))
    assert standing.review(["claude-code"], Tier.MEDIUM, Review.PEER).review == Review.NONE
    both = standing.review(["claude-code", "codex"], Tier.MEDIUM, Review.PEER)
    assert both.review == Review.SENIOR
    assert standing.review([], Tier.MEDIUM, Review.PEER).review == Review.PEER


def test_the_guard_tightens_after_a_recent_incident() -> None:
    policy = AutonomyPolicy(guard=GuardRule(30, Tier.HIGH))
    assert Standing(policy, record(incidents=(incident(NOW - 29 * DAY, Tier.LOW),))) \
        .guard_for("claude-code") == (Tier.HIGH, "claude-code: 1 incident in 30 days "
                                                 "(ffffffffff)")
    assert Standing(policy, record(incidents=(incident(NOW - 30 * DAY),))).guard_for(
        "claude-code") is None
    assert Standing(AutonomyPolicy(), record(incidents=(incident(NOW),))).guard_for(
        "claude-code") is None
