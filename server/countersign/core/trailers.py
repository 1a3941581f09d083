"""What a commit declares about itself: the countersign trailers, computed and parsed.

``Stamp`` is computed from a change (added lines, which of them are AI's, rule findings)
and becomes trailers::

    AI-Assisted: claude-code (agent, anthropic/claude-sonnet-4-5), copilot (inline)
    AI-Lines: 37/120
    Review-Tier: high
    Review-Required: senior+owner
    Review-Autonomy: claude-code: 1 incident in 30 days (3f2a1b9c0d) -> senior+owner
    Risk-Rules: DAT002, INF004

``Review-Autonomy`` (one per reason) says why ``[autonomy]`` changed ``Review-Required``,
or what the trailers could not know (``store.standing_cache``).

``Declared`` is the reverse: what a commit message's trailers say, for the gate.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from countersign.core.config import Config
from countersign.core.diff import FileChange
from countersign.core.lines import split_lines
from countersign.core.origin import Origin
from countersign.core.printable import printable
from countersign.core.rules import (
    Finding,
    RuleSet,
    highest_tier,
    parse_suppression,
    shape_findings,
)
from countersign.core.tiers import Review, Tier

AI_ASSISTED = "AI-Assisted"
AI_LINES = "AI-Lines"
AI_ACKNOWLEDGED = "AI-Acknowledged"
REVIEW_TIER = "Review-Tier"
REVIEW_REQUIRED = "Review-Required"
REVIEW_AUTONOMY = "Review-Autonomy"
RISK_RULES = "Risk-Rules"
RISK_SUPPRESSED = "Risk-Suppressed"
ASSISTED_BY = "Assisted-by"
APPROVED_BY = "Approved-by"
OURS = (AI_ASSISTED, AI_LINES, AI_ACKNOWLEDGED, REVIEW_TIER, REVIEW_REQUIRED, REVIEW_AUTONOMY,
        RISK_RULES, RISK_SUPPRESSED, ASSISTED_BY)
"""Trailer keys countersign writes (and replaces); everything else belongs to people."""
_OURS_LOWER = {k.lower() for k in OURS}
_PERSON = re.compile(r"^[^<>]+ <[^<>@\s]+@[^<>\s]+>$")


@dataclass(frozen=True)
class Stamp:
    """The provenance and review facts of one change."""

    added_lines: int
    ai_lines: Mapping[str, Mapping[int, Origin]]
    """Path -> 0-based added line -> its AI origin."""
    findings: Sequence[Finding]
    tier: Tier
    review: Review
    autonomy: tuple[str, ...] = ()
    """Why ``[autonomy]`` changed ``review``, or what it could not know (the trailers)."""

    @property
    def ai_line_count(self) -> int:
        return sum(len(lines) for lines in self.ai_lines.values())

    @property
    def acknowledged(self) -> int:
        return sum(1 for lines in self.ai_lines.values() for o in lines.values()
                   if o.acknowledged_by)

    def contributors(self) -> list[Origin]:
        """One origin per (tool, kind, model), most lines first."""
        counts: dict[tuple[str | None, str, str | None], int] = {}
        for lines in self.ai_lines.values():
            for origin in lines.values():
                key = (origin.tool, origin.kind, origin.model)
                counts[key] = counts.get(key, 0) + 1
        ordered = sorted(counts, key=lambda k: (-counts[k], k[0] or "", k[1], k[2] or ""))
        return [Origin(kind=kind, tool=tool, model=model)  # type: ignore[arg-type]
                for tool, kind, model in ordered]

    def rule_ids(self) -> list[str]:
        return sorted({f.rule.id for f in self.findings if f.active})

    def to_dict(self) -> dict[str, Any]:
        """The stamp's figures as plain data, snake_case (the LSP edge makes them camelCase)."""
        figures = {"added_lines": self.added_lines, "ai_lines": self.ai_line_count,
                   "tier": self.tier.label, "review": self.review.label,
                   "rules": self.rule_ids()}
        return figures | ({"autonomy": list(self.autonomy)} if self.autonomy else {})

    def suppressed_ids(self) -> list[str]:
        return sorted({f.rule.id for f in self.findings
                       if not f.active and f.rule.tier >= Tier.HIGH})

    def trailers(self, assisted_by: bool = False) -> list[tuple[str, str]]:
        """The trailers to stamp, in a fixed order, each value on one printable line (a tool
        name an agent's hook chose cannot start a trailer of its own or redraw a terminal)."""
        contributors = self.contributors()
        out = [(AI_ASSISTED, ", ".join(o.label() for o in contributors) or "no"),
               (AI_LINES, f"{self.ai_line_count}/{self.added_lines}")]
        if self.acknowledged:
            out.append((AI_ACKNOWLEDGED, str(self.acknowledged)))
        out += [(REVIEW_TIER, self.tier.label), (REVIEW_REQUIRED, self.review.label)]
        out += [(REVIEW_AUTONOMY, reason) for reason in self.autonomy]
        if self.rule_ids():
            out.append((RISK_RULES, ", ".join(self.rule_ids())))
        if self.suppressed_ids():
            out.append((RISK_SUPPRESSED, ", ".join(self.suppressed_ids())))
        if assisted_by:
            out += [(ASSISTED_BY, f"{o.tool}:{o.model}" if o.model else str(o.tool))
                    for o in _unique_tools(contributors)]
        return [(key, printable(value)) for key, value in out]


def _unique_tools(contributors: list[Origin]) -> list[Origin]:
    seen: dict[tuple[str | None, str | None], Origin] = {}
    for origin in contributors:
        seen.setdefault((origin.tool, origin.model), origin)
    return list(seen.values())


def compute_stamp(
    changes: Iterable[FileChange],
    ai_lines: Mapping[str, Mapping[int, Origin]],
    rules: RuleSet,
    config: Config,
    contents: Mapping[str, str] | None = None,
) -> Stamp:
    """The stamp of a change: only added lines count, and only AI ones raise the tier.

    ``ai_lines`` may hold lines that were not added; they are ignored. Rules with
    ``applies_to = "any"`` are checked on every added line, whoever wrote it.
    ``contents``: the new text of the files ``needs_content`` names, for structural rules
    (a file missing from it is judged by the rules' regexes only).
    """
    added = 0
    findings: list[Finding] = []
    kept: dict[str, dict[int, Origin]] = {}
    for change in changes:
        if change.binary or change.status == "deleted":
            continue
        added += len(change.added)
        file_ai = {n: o for n, o in ai_lines.get(change.path, {}).items()
                   if n in change.added and o.is_ai}
        if file_ai:
            kept[change.path] = file_ai
        content = contents.get(change.path) if contents is not None else None
        findings.extend(scan_added(rules, change.path, change.added, file_ai, content))
    tier = highest_tier(findings)
    return Stamp(added, kept, findings, tier, required_review(findings, config))


SUPPRESSION_REVIEW = Review.PEER
"""What a person's suppression of a high or critical finding still needs: someone other
than the author accepts it, whatever the remaining findings' tier requires."""


def required_review(findings: Sequence[Finding], config: Config) -> Review:
    """The review ``findings`` need: what their highest active tier requires, and at least
    ``SUPPRESSION_REVIEW`` when a high or critical finding is suppressed."""
    suppressed = any(not f.active and f.tier >= Tier.HIGH for f in findings)
    return review_needed(config, highest_tier(findings), None, None, None, suppressed)[0]


Autonomy = Callable[[Review], tuple[Review, tuple[str, ...]]]
"""The review ``[autonomy]`` gives for a base review, and why it changed it."""


def review_needed(config: Config, tier: Tier, author: str | None, autonomy: Autonomy | None,
                  all_lines_tier: Tier | None, suppressed: bool) -> tuple[Review, tuple[str, ...]]:
    """The review for ``tier`` at the author's level (an e-mail), changed by the AI tools'
    standing (``autonomy``), raised by the policy's reviews that apply whatever the
    provenance (``all_lines_tier``: the tier were every added line AI's), and to at least
    ``peer`` when a high or critical finding was ``suppressed``; and why autonomy changed
    it. ``verify`` and the commit trailers both decide here."""
    review = config.required_review(tier, author)
    reasons: tuple[str, ...] = ()
    if autonomy is not None:
        review, reasons = autonomy(review)
    if all_lines_tier is not None:
        for at, needed in config.signoff.regardless.items():
            if at <= all_lines_tier:
                review = max(review, needed)
    if suppressed:  # a person's suppression is not its own review
        review = max(review, SUPPRESSION_REVIEW)
    return review, reasons


def needs_content(
    changes: Iterable[FileChange], ai_lines: Mapping[str, Mapping[int, Origin]], rules: RuleSet
) -> list[str]:
    """Files of a change whose whole new text structural rules need to judge it."""
    return [c.path for c in changes
            if c.added and not c.binary and c.status != "deleted"
            and rules.wants_content(c.path, bool(ai_lines.get(c.path)))]


def scan_added(
    rules: RuleSet, path: str, added: Mapping[int, str], ai: Mapping[int, Origin],
    content: str | None = None,
) -> list[Finding]:
    """Findings on a file's added lines: AI rules on AI lines, ``any`` rules on all.

    With ``content`` (the file's new text) structural rules judge the whole file and
    report the matches that take in an added line (an AI one for AI rules).
    """
    findings = []
    for number in sorted(added):
        text = added[number]
        origin = ai.get(number)
        for rule, start, end in rules.match_line(path, text, structured=content is not None):
            if origin is None and rule.applies_to == "ai":
                continue
            findings.append(Finding(rule, path, number, start, end, origin,
                                    parse_suppression(text, rule, origin)))
    if content is not None and rules.wants_content(path, bool(ai)):
        findings += shape_findings(path, rules.match_structure(path, content),
                                   split_lines(content), ai, added.keys())
    if not ai:
        return findings
    baseline = rules.baseline_for(path)
    if baseline:
        first = min(ai)
        findings += [Finding(r, path, first, 0, len(added.get(first, "")), ai[first])
                     for r in baseline]
    return findings


@dataclass(frozen=True)
class Declared:
    """What a commit message's trailers say (``None`` where a trailer is missing)."""

    stamped: bool
    """Whether the hook ran: ``AI-Assisted`` and ``Review-Tier`` are both present."""
    ai_assisted: str | None = None
    tier: Tier | None = None
    review: Review | None = None
    rules: tuple[str, ...] = ()
    approvers: tuple[str, ...] = ()
    """``Approved-by`` values that are well formed (``Name <email>``)."""
    malformed: tuple[str, ...] = field(default_factory=tuple)
    """Problems with the countersign trailers that are present."""


def parse_declared(trailers: Sequence[tuple[str, str]]) -> Declared:
    """Read countersign's trailers (keys case-insensitive) and approvals from a commit."""
    last: dict[str, str] = {}
    approvers: list[str] = []
    malformed: list[str] = []
    for key, value in trailers:
        lower = key.lower()
        if lower == APPROVED_BY.lower():
            if _PERSON.match(value.strip()):
                approvers.append(value.strip())
            else:
                malformed.append(f"Approved-by: {value!r} is not 'Name <email>'")
        else:
            last[lower] = value.strip()
    tier = _parse_tier(last.get(REVIEW_TIER.lower()), malformed)
    review = _parse_review(last.get(REVIEW_REQUIRED.lower()), malformed)
    rules = tuple(r.strip() for r in last.get(RISK_RULES.lower(), "").split(",") if r.strip())
    ai = last.get(AI_ASSISTED.lower())
    return Declared(ai is not None and REVIEW_TIER.lower() in last, ai, tier, review, rules,
                    tuple(approvers), tuple(malformed))


def _parse_tier(value: str | None, malformed: list[str]) -> Tier | None:
    try:
        return None if value is None else Tier.parse(value)
    except ValueError as exc:
        malformed.append(f"{REVIEW_TIER}: {exc}")
        return None


def _parse_review(value: str | None, malformed: list[str]) -> Review | None:
    try:
        return None if value is None else Review.parse(value)
    except ValueError as exc:
        malformed.append(f"{REVIEW_REQUIRED}: {exc}")
        return None


def email_of(person: str) -> str:
    """``sam@example.com`` from ``Sam Senior <Sam@Example.com>`` (lower-cased)."""
    match = re.search(r"<([^<>]+)>", person)
    return (match.group(1) if match else person).strip().lower()


def is_ours(key: str) -> bool:
    return key.lower() in _OURS_LOWER


def strip_ours(message: str, trailer_lines: Iterable[str], comment: str = "#") -> str:
    """``message`` without countersign's trailer lines.

    ``trailer_lines`` are the message's trailers as ``git interpret-trailers --parse``
    normalised them; only lines of the last paragraph before any comment or scissors line
    that git itself counts as trailers, with one of our keys, are removed.
    """
    ours = {_normal(t) for t in trailer_lines if is_ours(t.split(":", 1)[0])}
    if not ours:
        return message
    lines = message.split("\n")
    end = _content_end(lines, comment)
    start = end
    while start > 0 and lines[start - 1].strip():
        start -= 1
    kept = [ln for ln in lines[start:end]
            if ln.startswith(comment) or _normal(ln) not in ours]
    if not [ln for ln in kept if not ln.startswith(comment)]:
        while start > 0 and not lines[start - 1].strip():
            start -= 1
    return "\n".join(lines[:start] + kept + lines[end:])


def _content_end(lines: list[str], comment: str) -> int:
    """Index just after the last non-comment, non-blank line before any scissors line."""
    end = len(lines)
    for i, line in enumerate(lines):
        if line.startswith(comment) and ">8" in line and "----" in line:
            end = i
            break
    while end > 0 and (not lines[end - 1].strip() or lines[end - 1].startswith(comment)):
        end -= 1
    return end


def _normal(line: str) -> str:
    key, _, value = line.partition(":")
    return f"{key.strip().lower()}:{' '.join(value.split())}"
