"""Loading rule packs: good packs load, bad input names file, line, rule and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from countersign.core.examples import check_examples
from countersign.core.origin import Origin
from countersign.core.rulepack import RuleError, load_builtin, load_pack, load_packs
from countersign.core.rules import RuleSet, highest_tier
from countersign.core.tiers import Tier

AI = Origin("inline", "copilot")

GOOD = '''\
[pack]
name = "demo"
description = "test pack"

[[rules]]
id = "TST001"
tier = "critical"
title = "terraform destroy"
message = "Destroys infrastructure."
category = "destructive"
regex = '(?i)\\bterraform\\s+destroy\\b'
not_regex = '#\\s*dry-run'
examples.fire = ["terraform destroy -auto-approve"]
examples.ok = ["terraform plan", "terraform destroy # dry-run"]

[[rules]]
id = "TST002"
tier = "high"
title = "migrations"
message = "Schema change."
category = "data"
paths.include = ["**/migrations/**"]
paths.exclude = ["**/migrations/README.md"]
examples.fire = ["app/migrations/0001.sql"]
examples.ok = ["app/models.py", "app/migrations/README.md"]

[[rules]]
id = "TST003"
tier = "high"
title = "private key"
message = "Key material in source."
category = "security"
applies_to = "any"
regex = "-----BEGIN [A-Z ]*PRIVATE KEY-----"
examples.fire = ["-----BEGIN RSA PRIVATE KEY-----"]
examples.ok = ["-----BEGIN PUBLIC KEY-----"]
'''


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_pack_loads_and_examples_pass(tmp_path: Path) -> None:
    rules, errors = load_pack(write(tmp_path, "demo.toml", GOOD))
    assert errors == []
    assert [r.id for r in rules] == ["TST001", "TST002", "TST003"]
    assert [r.line for r in rules] == [5, 16, 27]
    assert [f for r in rules for f in check_examples(r)] == []



def test_a_matching_process_keeps_no_examples_but_still_checks_them(tmp_path: Path) -> None:
    """The language server loads rules with ``examples=False``: the same rules, matching
    the same, without the examples' memory; a malformed example is still an error."""
    path = write(tmp_path, "demo.toml", GOOD)
    full, _ = load_pack(path)
    lean, errors = load_pack(path, examples=False)
    assert errors == [] and [(r.fire, r.ok) for r in lean] == [((), ())] * 3
    assert [(r.id, r.regex, r.include) for r in lean] == [(r.id, r.regex, r.include)
                                                          for r in full]
    broken = write(tmp_path, "broken.toml", GOOD.replace(
        'examples.ok = ["terraform plan"', 'examples.ok = [42, "terraform plan"'))
    _, errors = load_pack(broken, examples=False)
    assert [(e.rule_id, e.key) for e in errors] == [("TST001", "examples.ok")]

def test_example_check_fails_when_an_example_is_wrong(tmp_path: Path) -> None:
    rules, _ = load_pack(write(tmp_path, "demo.toml", GOOD.replace(
        'examples.ok = ["terraform plan"', 'examples.ok = ["terraform destroy now"')))
    failures = check_examples(rules[0])
    assert [str(f) for f in failures] == [
        f"{tmp_path}/demo.toml:5: TST001: example fired but should not: 'terraform destroy now'"
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("not_regex = '#\\s*dry-run'", "not_regex = '(?!dry)'",
         "{p}:12: rule TST001: key 'not_regex': invalid RE2 pattern '(?!dry)': invalid perl "
         "operator: (?! (RE2 has no lookaround or backreferences: use not_regex instead)"),
        ("regex = '(?i)", "regex = '(a)\\1(?i)",
         "{p}:11: rule TST001: key 'regex': invalid RE2 pattern '(a)\\\\1(?i)\\\\bterraform"
         "\\\\s+destroy\\\\b': invalid escape sequence: \\1 (RE2 has no lookaround or "
         "backreferences: use not_regex instead)"),
        ('message = "Destroys infrastructure."\n', "",
         "{p}:5: rule TST001: key 'message': missing required field"),
        ('tier = "critical"', "tier = 3",
         "{p}:7: rule TST001: key 'tier': expected str, got int 3"),
        ('tier = "critical"', 'tier = "severe"',
         "{p}:7: rule TST001: key 'tier': unknown tier 'severe'; expected one of low, medium, "
         "high, critical"),
        ('category = "destructive"', 'category = "destructive"\nseverity = "x"',
         "{p}:11: rule TST001: key 'severity': unknown key (allowed: applies_to, category, cwe, "
         "examples, id, language, message, not_regex, paths, regex, region, sql, structure, "
         "tier, title)"),
        ('examples.ok = ["terraform plan", "terraform destroy # dry-run"]', "examples.ok = []",
         "{p}:14: rule TST001: key 'examples.ok': must not be empty"),
    ],
)
def test_bad_rule_is_reported_and_the_rest_of_the_pack_loads(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in GOOD
    path = write(tmp_path, "demo.toml", GOOD.replace(old, new, 1))
    rules, errors = load_pack(path)
    assert [str(e) for e in errors] == [expected.format(p=path)]
    assert [r.id for r in rules] == ["TST002", "TST003"]


def test_broken_toml_names_the_line_and_other_packs_still_load(tmp_path: Path) -> None:
    broken = write(tmp_path, "broken.toml", GOOD.replace('title = "migrations"', 'title = "mig'))
    good = write(tmp_path, "good.toml", GOOD.replace("TST", "OKK"))
    rules, errors = load_packs([broken, good])
    assert len(errors) == 1
    assert errors[0].path == str(broken)
    assert errors[0].line == 19
    assert errors[0].message.startswith("invalid TOML: ")
    assert [r.id for r in rules] == ["OKK001", "OKK002", "OKK003"]


def test_duplicate_ids_across_packs_are_errors(tmp_path: Path) -> None:
    a, b = write(tmp_path, "a.toml", GOOD), write(tmp_path, "b.toml", GOOD)
    rules, errors = load_packs([a, b])
    assert len(rules) == 3
    assert [e.rule_id for e in errors] == ["TST001", "TST002", "TST003"]
    assert all("duplicate rule id, first defined at" in e.message for e in errors)


def test_unreadable_pack_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"[pack]\nname = \"caf\xe9\"\n")
    rules, errors = load_pack(path)
    assert rules == []
    assert errors[0].message.startswith("cannot read rule pack")
    assert isinstance(errors[0], RuleError)


def test_ai_scan_only_reports_ai_lines_but_any_rules_everywhere(tmp_path: Path) -> None:
    rules, _ = load_pack(write(tmp_path, "demo.toml", GOOD))
    ruleset = RuleSet(rules)
    text = "terraform destroy\nterraform destroy\n-----BEGIN RSA PRIVATE KEY-----\n"
    plain = ruleset.scan_text("infra/run.sh", text)
    assert [(f.rule.id, f.line) for f in plain] == [("TST001", 0), ("TST001", 1), ("TST003", 2)]
    ai = ruleset.scan_text("infra/run.sh", text, {1: AI})
    assert [(f.rule.id, f.line, f.origin) for f in ai] == [("TST001", 1, AI), ("TST003", 2, None)]


def test_baseline_rule_gives_tier_to_ai_lines_in_matching_files(tmp_path: Path) -> None:
    rules, _ = load_pack(write(tmp_path, "demo.toml", GOOD))
    ruleset = RuleSet(rules)
    text = "ALTER TABLE t ADD c int;\nSELECT 1;\n"
    assert ruleset.scan_text("db/migrations/0002.sql", text, {}) == []
    found = ruleset.scan_text("db/migrations/0002.sql", text, {1: AI})
    assert [(f.rule.id, f.line, f.tier) for f in found] == [("TST002", 1, Tier.HIGH)]
    assert ruleset.scan_text("db/schema.sql", text, {1: AI}) == []


@pytest.mark.parametrize(
    ("comment", "suppressed"),
    [("# countersign: ignore[TST001] rebuilding the sandbox nightly", True),
     ("# countersign: ignore[TST001]", False),  # critical needs a reason
     ("# countersign: ignore[TST002] other rule", False)],
)
def test_suppression_needs_a_reason_for_high_tiers(
    tmp_path: Path, comment: str, suppressed: bool
) -> None:
    rules, _ = load_pack(write(tmp_path, "demo.toml", GOOD))
    [finding] = RuleSet(rules).scan_text("x.sh", f"terraform destroy {comment}\n")
    assert (finding.suppression is not None) is suppressed
    assert highest_tier([finding]) == (Tier.NONE if suppressed else Tier.CRITICAL)


def test_builtin_packs_load_cleanly_and_every_example_passes() -> None:
    rules, errors = load_builtin()
    assert [str(e) for e in errors] == []
    assert len(rules) >= 25
    assert {r.category for r in rules} == {
        "infra", "auth", "payments", "data", "destructive", "security", "concurrency"}
    assert all(r.fire and r.ok for r in rules)
    assert [str(f) for r in rules for f in check_examples(r)] == []
