"""Findings as JSON and SARIF 2.1.0 documents (plain data; callers write them out)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from countersign import __version__
from countersign.core.rules import Finding, Rule
from countersign.core.tiers import Tier

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Tier.CRITICAL: "error", Tier.HIGH: "error", Tier.MEDIUM: "warning", Tier.LOW: "note"}
# GitHub code scanning reads security-severity: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium.
_SEVERITY = {Tier.CRITICAL: "9.5", Tier.HIGH: "8.0", Tier.MEDIUM: "5.5", Tier.LOW: "2.0"}


def utf16_column(line: str, offset: int) -> int:
    """1-based UTF-16 column of code point ``offset`` in ``line`` (SARIF's default unit)."""
    return len(line[:offset].encode("utf-16-le")) // 2 + 1


def finding_dict(finding: Finding) -> dict[str, Any]:
    rule = finding.rule
    data: dict[str, Any] = {
        "path": finding.path, "line": finding.line + 1, "column": finding.start + 1,
        "end_column": finding.end + 1, "rule": rule.id, "tier": rule.tier.label,
        "category": rule.category, "title": rule.title, "message": rule.message,
        "applies_to": rule.applies_to, "cwe": list(rule.cwe),
        "ai": finding.origin is not None,
    }
    if finding.origin is not None:
        data["origin"] = finding.origin.to_dict()
    if finding.suppression is not None:
        data["suppressed"] = finding.suppression.reason
    return data


def sarif_log(findings: Sequence[Finding], rules: Sequence[Rule],
              lines_of: dict[str, list[str]]) -> dict[str, Any]:
    """A SARIF 2.1.0 log; ``lines_of`` gives each file's lines for UTF-16 columns."""
    index = {rule.id: i for i, rule in enumerate(rules)}
    return sarif_document(rules, [_sarif_result(f, index, lines_of.get(f.path, []))
                                  for f in findings])


def sarif_document(rules: Sequence[Rule], results: Sequence[dict[str, Any]],
                   extra_rules: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run holding ``results``."""
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "countersign", "version": __version__,
                "rules": [*(_sarif_rule(r) for r in rules), *extra_rules],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "repository root"}}},
            "columnKind": "utf16CodeUnits",
            "results": list(results),
        }],
    }


def _sarif_rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id, "name": rule.title.title().replace(" ", "")[:64] or rule.id,
        "shortDescription": {"text": rule.title}, "fullDescription": {"text": rule.message},
        "help": {"text": f"{rule.message} Suppress with a reasoned comment: "
                         f"countersign: ignore[{rule.id}] <why>"},
        "defaultConfiguration": {"level": _LEVEL[rule.tier]},
        "properties": {"tags": [rule.category, *rule.cwe], "tier": rule.tier.label,
                       "security-severity": _SEVERITY[rule.tier]},
    }


def _sarif_result(finding: Finding, index: dict[str, int], lines: list[str]) -> dict[str, Any]:
    return sarif_result(finding, index, lines[finding.line] if finding.line < len(lines) else "")


def sarif_result(finding: Finding, index: dict[str, int], text: str) -> dict[str, Any]:
    """One SARIF result; ``text`` is the finding's line (for UTF-16 columns)."""
    result: dict[str, Any] = {
        "ruleId": finding.rule.id, "ruleIndex": index[finding.rule.id],
        "level": _LEVEL[finding.tier],
        "message": {"text": f"{finding.rule.title}: {finding.rule.message}"},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": finding.path, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": finding.line + 1,
                       "startColumn": utf16_column(text, finding.start),
                       "endColumn": max(utf16_column(text, finding.end),
                                        utf16_column(text, finding.start) + 1)},
        }}],
        "properties": {"reviewTier": finding.tier.label, "aiGenerated": finding.origin is not None},
    }
    if finding.origin is not None:
        result["properties"]["aiTool"] = finding.origin.tool
        if finding.origin.model:
            result["properties"]["aiModel"] = finding.origin.model
    if finding.suppression is not None:
        result["suppressions"] = [{"kind": "inSource",
                                   "justification": finding.suppression.reason or "(none)"}]
    return result
