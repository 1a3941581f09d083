"""Running a rule's own examples, like ``semgrep --test``: fire ones must match, ok ones not.

An example may span several lines. A structural rule is judged on the example's whole
text parsed at the example's path; a regex rule fires when any of its lines matches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from countersign.core.lines import split_lines
from countersign.core.rules import Example, Rule, RuleSet


@dataclass(frozen=True)
class ExampleFailure:
    rule: Rule
    example: str
    expected_fire: bool
    problem: str | None = None
    """Set when the failure is about the rule itself rather than one example."""

    def __str__(self) -> str:
        where = f"{self.rule.source}:{self.rule.line}"
        if self.problem is not None:
            return f"{where}: {self.rule.id}: {self.problem}"
        want = "should fire but did not" if self.expected_fire else "fired but should not"
        return f"{where}: {self.rule.id}: example {want}: {self.example!r}"


def example_path(rule: Rule, example: Example | None = None) -> str:
    """The path an example is evaluated at."""
    if example is not None and example.path is not None:
        return example.path
    return rule.example_path or "example.txt"


def fires(rule: Rule, example: Example, matcher: RuleSet | None = None) -> bool:
    """Whether ``rule`` reports anything on ``example``."""
    if rule.is_baseline:
        return rule.applies_to_path(example.code)
    matcher = matcher or RuleSet([rule])
    path = example_path(rule, example)
    if rule.parses(path):
        return bool(matcher.match_structure(path, example.code))
    return any(matcher.match_line(path, line) for line in split_lines(example.code))


def check_examples(rule: Rule) -> list[ExampleFailure]:
    """Every example of the rule that does not behave as it says."""
    problems = _rule_problems(rule)
    if problems:
        return problems
    matcher = RuleSet([rule])
    failures = [ExampleFailure(rule, e.code, True) for e in rule.fire
                if not fires(rule, e, matcher)]
    failures += [ExampleFailure(rule, e.code, False) for e in rule.ok if fires(rule, e, matcher)]
    if rule.is_baseline:
        return failures
    for example in (*rule.fire, *rule.ok):
        path = example_path(rule, example)
        if rule.include and not rule.applies_to_path(path):
            failures.append(ExampleFailure(rule, example.code, True, f"example path {path!r} "
                                           "is outside the rule's paths"))
            break
    return failures


def _rule_problems(rule: Rule) -> list[ExampleFailure]:
    """What the loader leaves unchecked: sqlglot's names (importing it costs the hook)."""
    if rule.sql is None:
        return []
    from countersign.core.sqlmatch import unknown_names

    return [ExampleFailure(rule, "", True, f"key '{key}': sqlglot has no expression "
                           f"{name!r} (names are lower-case class names of sqlglot.exp)")
            for key, name in unknown_names(json.loads(rule.sql))]
