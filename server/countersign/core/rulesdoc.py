"""The rule reference: one anchored section per built-in rule.

It ships inside the package (``countersign/docs/rules-reference.md``), so diagnostic links
(``...rules-reference.md#<id in lower case>``) resolve in a wheel install as well as in a
source checkout; ``docs/rules-reference.md`` is the same text for readers of the
repository. Regenerate both with ``python -m countersign.core.rulesdoc --write``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from countersign.core.rulepack import load_builtin
from countersign.core.rules import Example, Rule

PACKAGED = Path(__file__).resolve().parent.parent / "docs" / "rules-reference.md"
CHECKOUT = Path(__file__).resolve().parents[3] / "docs" / "rules-reference.md"


def reference_path() -> Path:
    """The reference diagnostics link to: the copy inside the package."""
    return PACKAGED


def copies() -> list[Path]:
    """Every copy to keep current: the packaged one, and ``docs/`` in a source checkout."""
    return [PACKAGED, *([CHECKOUT] if CHECKOUT.parent.is_dir() else [])]


def default_href() -> str:
    """Link template used for diagnostics: the reference file with the rule's anchor."""
    return reference_path().as_uri() + "#{anchor}"


def _section(rule: Rule) -> list[str]:
    scope = "AI-written lines" if rule.applies_to == "ai" else "every line"
    out = [f'<a id="{rule.id.lower()}"></a>', "", f"## {rule.id}: {rule.title}", "",
           f"Tier **{rule.tier.label}**, category {rule.category}, checks {scope}"
           + (f"; {', '.join(rule.cwe)}" if rule.cwe else "") + ".", "", rule.message, ""]
    if rule.region is not None:
        out += ["Marks a **region**: every AI-written line inside it takes this tier, and the "
                "diagnostic names the region.", ""]
    if rule.structure is not None:
        out += [f"Structure (ast-grep, {', '.join(rule.language)}): `{rule.structure}`", ""]
    if rule.sql is not None:
        out += [f"SQL statement (sqlglot): `{rule.sql}`", ""]
    if rule.regex:
        where = " (files in other languages)" if rule.is_structural else ""
        out += [f"Pattern (RE2){where}: `" + rule.regex.replace("`", "\\`") + "`", ""]
    if rule.include:
        out += ["Files: " + ", ".join(f"`{p}`" for p in rule.include), ""]
    return out + _examples("Fires on", rule.fire, rule) + _examples("Does not fire on", rule.ok,
                                                                    rule)


def _examples(heading: str, examples: tuple[Example, ...], rule: Rule) -> list[str]:
    if rule.is_baseline:
        return [f"{heading}: " + ", ".join(f"`{e.code}`" for e in examples), ""]
    out = [f"{heading}:", ""]
    for example in examples:
        path = example.path or rule.example_path or "example.txt"
        out += [f"`{path}`:", "", "```", example.code.strip("\n"), "```", ""]
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
    if sys.argv[1:] == ["--write"]:
        for path in copies():
            path.write_text(render() + "\n", encoding="utf-8")
            print(f"wrote {path}")
    else:
        print(render())
