"""Running a rule's own examples, like ``semgrep --test``: fire ones must match, ok ones not."""

from __future__ import annotations

from dataclasses import dataclass

from countersign.core.rules import Rule, RuleSet


@dataclass(frozen=True)
class ExampleFailure:
    rule: Rule
    example: str
    expected_fire: bool

    def __str__(self) -> str:
        want = "should fire but did not" if self.expected_fire else "fired but should not"
        where = f"{self.rule.source}:{self.rule.line}"
        return f"{where}: {self.rule.id}: example {want}: {self.example!r}"


def example_path(rule: Rule) -> str:
    """The path a regex rule's line examples are evaluated at."""
    return rule.example_path or "example.txt"


def check_examples(rule: Rule) -> list[ExampleFailure]:
    """Every example of the rule that does not behave as it says."""
    if rule.is_baseline:
        def fires(example: str) -> bool:
            return rule.applies_to_path(example)
    else:
        matcher, path = RuleSet([rule]), example_path(rule)

        def fires(example: str) -> bool:
            return bool(matcher.match_line(path, example))

    failures = [ExampleFailure(rule, e, True) for e in rule.fire if not fires(e)]
    failures += [ExampleFailure(rule, e, False) for e in rule.ok if fires(e)]
    if not rule.is_baseline and rule.include and not rule.applies_to_path(example_path(rule)):
        failures.append(ExampleFailure(rule, f"examples.path = {example_path(rule)!r} is outside "
                                       "the rule's paths", True))
    return failures
