"""Repository config and policy: the policy wins, the repository may only tighten."""

from __future__ import annotations

from pathlib import Path

from countersign.core.config import Config, build_ruleset, combine, find_config, load_config
from countersign.core.tiers import Review, Tier

REPO = """\
[rules]
disable = ["SEC001", "CON001"]
[rules.tier]
DAT001 = "low"
PAY001 = "critical"
[review]
medium = "senior"
low = "none"
"""
POLICY = """\
[rules]
disable = ["CON001"]
[rules.tier]
DAT001 = "critical"
[review]
medium = "peer"
high = "senior+owner"
[reviewers]
senior = ["sam@example.com"]
"""


def config(tmp_path: Path, name: str, text: str) -> Config:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    loaded, errors = load_config(path)
    assert errors == []
    return loaded


def test_repository_config_alone_applies_fully(tmp_path: Path) -> None:
    repo = config(tmp_path, ".countersign.toml", REPO)
    rules, errors = build_ruleset(repo)
    assert errors == []
    by_id = rules.by_id()
    assert "SEC001" not in by_id and "CON001" not in by_id
    assert by_id["DAT001"].tier == Tier.LOW
    assert by_id["PAY001"].tier == Tier.CRITICAL
    assert repo.required_review(Tier.MEDIUM) == Review.SENIOR


def test_policy_cannot_be_lowered_or_disabled_but_can_be_raised(tmp_path: Path) -> None:
    repo = config(tmp_path, ".countersign.toml", REPO)
    policy = config(tmp_path, "policy.toml", POLICY)
    combined, warnings = combine(repo, policy)
    rules, _ = build_ruleset(combined, policy)
    by_id = rules.by_id()
    assert "SEC001" in by_id  # the repository may not disable it under a policy
    assert "CON001" not in by_id  # the policy itself disabled it
    assert by_id["DAT001"].tier == Tier.CRITICAL  # repo tried to lower it to low
    assert by_id["PAY001"].tier == Tier.CRITICAL  # repo raised it: allowed
    assert combined.required_review(Tier.MEDIUM) == Review.SENIOR  # stricter of the two
    assert combined.required_review(Tier.HIGH) == Review.SENIOR_OWNER
    assert combined.reviewers == {"senior": ("sam@example.com",)}
    assert warnings == [
        f"policy {tmp_path}/policy.toml keeps rules enabled that {tmp_path}/.countersign.toml "
        "disables: SEC001",
        "policy sets DAT001 to critical; the repository cannot lower it to low",
    ]


def test_repository_cannot_lower_a_builtin_tier_under_a_policy(tmp_path: Path) -> None:
    repo = config(tmp_path, ".countersign.toml", '[rules.tier]\nSEC001 = "low"\n')
    policy = config(tmp_path, "policy.toml", "[review]\nhigh = \"senior\"\n")
    builtin = build_ruleset(Config())[0].by_id()["SEC001"].tier
    combined, _ = combine(repo, policy)
    assert build_ruleset(combined, policy)[0].by_id()["SEC001"].tier == builtin


def test_pyproject_tool_section_is_found(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname="x"\n\n[tool.countersign.rules]\n'
                                             'disable = ["SEC001"]\n')
    path = find_config(tmp_path)
    assert path == tmp_path / "pyproject.toml"
    loaded, errors = load_config(path)
    assert errors == [] and loaded.disabled == {"SEC001"}


def test_bad_config_names_file_line_and_key_and_falls_back(tmp_path: Path) -> None:
    path = tmp_path / ".countersign.toml"
    path.write_text('[rules]\ndisable = "SEC001"\n\n[review]\nhigh = "boss"\n[colour]\nx = 1\n')
    loaded, errors = load_config(path)
    assert [str(e) for e in errors] == [
        f"{path}:6: key 'colour': unknown section (allowed: rules, review, trailers, reviewers, "
        "verify, guard, signoff, people, teams, authors, autonomy, provenance)",
        f"{path}:2: key 'rules.disable': expected a list of strings, got 'SEC001'",
        f"{path}:5: key 'review.high': unknown review level 'boss'; expected one of none, peer, "
        "senior, senior+owner",
    ]
    assert loaded.disabled == frozenset()
    assert loaded.required_review(Tier.HIGH) == Review.SENIOR


def test_broken_toml_config_reports_line(tmp_path: Path) -> None:
    path = tmp_path / ".countersign.toml"
    path.write_text("[rules]\ndisable = [\n")
    loaded, errors = load_config(path)
    assert errors[0].line == 3 and "invalid TOML" in errors[0].message
    assert loaded.required_review(Tier.CRITICAL) == Review.SENIOR_OWNER
