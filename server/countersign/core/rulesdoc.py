"""``docs/rules-reference.md``: one anchored section per built-in rule.

Diagnostics link to ``docs/rules-reference.md#<id in lower case>``. Regenerate with
``python -m countersign.core.rulesdoc > docs/rules-reference.md``.
"""

from __future__ import annotations

from pathlib import Path

from countersign.core.rulepack import builtin_rules_dir, load_builtin
from countersign.core.rules import Rule


def reference_path() -> Path:
    """Where the reference lives next to the built-in packs.

    A source checkout has ``rules/`` and ``docs/`` side by side at its root; a wheel ships
    them as ``countersign/rules/`` and ``countersign/docs/rules-reference.md``
    (``force-include`` in pyproject.toml), so the same relative step finds it in both.
    """
    return builtin_rules_dir().parent / "docs" / "rules-reference.md"


def default_href() -> str:
    """Link template used for diagnostics: the reference file with the rule's anchor."""
    return reference_path().as_uri() + "#{anchor}"


def _section(rule: Rule) -> list[str]:
    scope = "AI-written lines" if rule.applies_to == "ai" else "every line"
    out = [f'<a id="{rule.id.lower()}"></a>', "", f"## {rule.id}: {rule.title}", "",
           f"Tier **{rule.tier.label}**, category {rule.category}, checks {scope}"
           + (f"; {', '.join(rule.cwe)}" if rule.cwe else "") + ".", "", rule.message, ""]
    if rule.regex:
        out += ["Pattern (RE2): `" + rule.regex.replace("`", "\\`") + "`", ""]
    if rule.include:
        out += ["Files: " + ", ".join(f"`{p}`" for p in rule.include), ""]
    return out


def render() -> str:
    rules, _ = load_builtin()
    lines = ["# Rule reference", "",
             "Generated from `rules/*.toml` by `python -m countersign.core.rulesdoc`; "
             "do not edit by hand. Editor diagnostics link to the anchors below.", ""]
    for rule in sorted(rules, key=lambda r: r.id):
        lines += _section(rule)
    return "\n".join(lines)


if __name__ == "__main__":
    print(render())
