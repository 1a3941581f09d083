"""What the editor shows: problems, a per-document summary, hover text and code lens.

Plain values; the language server turns them into LSP types.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from countersign.core.comments import ignores
from countersign.core.config import Config
from countersign.core.origin import Origin
from countersign.core.rules import Finding, Rule, highest_tier, parse_suppression
from countersign.core.tiers import Tier
from countersign.core.trailers import SUPPRESSION_REVIEW, required_review

Severity = Literal["error", "warning", "information", "hint"]
SEVERITY: dict[Tier, Severity] = {
    Tier.CRITICAL: "error", Tier.HIGH: "warning", Tier.MEDIUM: "information", Tier.LOW: "hint",
}
HEURISTIC_NOTE = ("suspected AI: a heuristic guess because one edit inserted a large block "
                  "and the editor reported no AI edits; mark it human if you wrote it")


@dataclass(frozen=True)
class Problem:
    """One diagnostic: ``line`` and columns ``[start, end)`` in code points."""

    line: int
    start: int
    end: int
    rule_id: str
    severity: Severity
    message: str
    href: str


def rule_href(rule: Rule, template: str) -> str:
    """The documentation link of a rule from a template with ``{id}`` / ``{anchor}``."""
    return template.format(id=rule.id, anchor=rule.id.lower())


def author(origin: Origin | None) -> str:
    if origin is None or not origin.is_ai:
        return "any author"
    if origin.kind == "suspected":
        return f"{origin.label()} [{HEURISTIC_NOTE}]"
    return origin.label()


def message(finding: Finding, config: Config) -> str:
    """``DROP TABLE / DATABASE / SCHEMA — AI-written by copilot (inline); tier critical,
    needs senior+owner review.``

    One line, as the Problems panel and Neovim's virtual text show it. Why the rule
    matters is in the hover, in ``countersign.explain`` and behind the rule's link.
    """
    review = config.required_review(finding.tier).label
    who = ("AI-written by " + author(finding.origin)) if finding.origin is not None else \
        "on any line (applies to every author)"
    where = f" inside {finding.region}" if finding.region else ""
    return (f"{finding.rule.title} — {who}{where}; tier {finding.tier.label}, needs {review} "
            "review.")


def reason_required(finding: Finding) -> str:
    return (f" The countersign: ignore[{finding.rule.id}] comment on this line does not count "
            f"without a reason: write why this is safe after it ({finding.rule.tier.label} "
            f"findings need one).")


def acknowledgement_required(finding: Finding) -> str:
    return (f" The countersign: ignore[{finding.rule.id}] comment on this AI-written line "
            f"does not count until a person acknowledges the line (an AI cannot suppress "
            f"its own finding).")


def _why_still_active(finding: Finding, line: str) -> str:
    """Why an ignore comment naming an active finding's rule did not suppress it."""
    text = ""
    if finding.origin is not None and finding.origin.is_ai:
        text += acknowledgement_required(finding)
    if parse_suppression(line, finding.rule) is None:
        text += reason_required(finding)
    return text


def problems(findings: Iterable[Finding], config: Config, href: str,
             line_text: Callable[[int], str] | None = None) -> list[Problem]:
    """Diagnostics for active findings; acknowledged AI lines are silenced.

    With ``line_text``, a finding still active under an ignore comment naming its rule
    says why: the line is an AI's and no person acknowledged it, or a high or critical
    finding's reason is missing.
    """
    out = []
    for f in findings:
        if not f.active or (f.origin is not None and f.origin.acknowledged_by):
            continue
        text = message(f, config)
        if line_text is not None and ignores(line_text(f.line), f.rule.id):
            text += _why_still_active(f, line_text(f.line))
        out.append(Problem(f.line, f.start, f.end, f.rule.id, SEVERITY[f.tier], text,
                           rule_href(f.rule, href)))
    return out


@dataclass(frozen=True)
class Summary:
    """Per-document counts for status bars (``countersign/summary``)."""

    ai_lines: int
    total_lines: int
    acknowledged: int
    high_risk: int
    tier: Tier
    review: str
    tools: tuple[str, ...]
    rules: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"aiLines": self.ai_lines, "totalLines": self.total_lines,
                "acknowledged": self.acknowledged, "highRisk": self.high_risk,
                "tier": self.tier.label, "review": self.review, "tools": list(self.tools),
                "rules": list(self.rules)}


def summarize(ai: Mapping[int, Origin], total_lines: int, findings: list[Finding],
              config: Config) -> Summary:
    tier = highest_tier(findings)
    return Summary(
        ai_lines=len(ai), total_lines=total_lines,
        acknowledged=sum(1 for o in ai.values() if o.acknowledged_by),
        high_risk=sum(1 for f in findings if f.active and f.tier >= Tier.HIGH),
        tier=tier, review=required_review(findings, config).label,
        tools=tuple(sorted({o.label() for o in ai.values()})),
        rules=tuple(sorted({f.rule.id for f in findings if f.active})),
    )


def lens_title(summary: Summary) -> str:
    """``AI: 37 lines, 2 high-risk — needs senior sign-off``."""
    risk = f", {summary.high_risk} high-risk" if summary.high_risk else ""
    sign = (f"needs {summary.review} sign-off" if summary.review != "none"
            else "no sign-off needed")
    acked = f", {summary.acknowledged} acknowledged" if summary.acknowledged else ""
    lines = "line" if summary.ai_lines == 1 else "lines"
    return f"AI: {summary.ai_lines} {lines}{risk}{acked} — {sign}"


def hover(origin: Origin, findings: list[Finding], config: Config, href: str) -> str:
    """Markdown for an AI line: who wrote it, when, and what risk it carries and why."""
    parts = [f"**countersign** — written by {origin.label()}"]
    details = [f"tool: `{origin.tool}`", f"kind: `{origin.kind}`"]
    if origin.model:
        details.append(f"model: `{origin.model}`")
    if origin.at:
        when = datetime.datetime.fromtimestamp(origin.at, datetime.timezone.utc)
        details.append(f"when: {when:%Y-%m-%d %H:%M} UTC")
    if origin.acknowledged_by:
        details.append(f"acknowledged by {origin.acknowledged_by}")
    parts.append(", ".join(details))
    if origin.kind == "suspected":
        parts.append(f"_{HEURISTIC_NOTE}._")
    for f in findings:
        reason = f.suppression.reason if f.suppression else ""
        state = "" if f.active else f" (suppressed: {reason}" + (
            f"; still needs {SUPPRESSION_REVIEW.label} review)" if f.tier >= Tier.HIGH else ")")
        parts.append(f"- [{f.rule.id}]({rule_href(f.rule, href)}) tier **{f.tier.label}**, "
                     f"needs {config.required_review(f.tier).label} review{state}: "
                     f"{f.rule.title}. {f.rule.message}")
    if not findings:
        parts.append("No risk rule matches this line.")
    return "\n\n".join(parts)


def explain(rule: Rule, config: Config, href: str) -> str:
    """A rule in words, for the ``countersign.explain`` command."""
    cwe = f" ({', '.join(rule.cwe)})" if rule.cwe else ""
    scope = "AI-written lines" if rule.applies_to == "ai" else "every line"
    return (f"{rule.id} {rule.title}{cwe}: tier {rule.tier.label}, needs "
            f"{config.required_review(rule.tier).label} review; checks {scope}. "
            f"{rule.message} Docs: {rule_href(rule, href)}")
