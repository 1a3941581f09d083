"""Graduated autonomy applied: the review a tool's changes need, from its track record.

Decisions are a function of the ``[autonomy]`` policy (``core.autonomy``), the record and
its time (``as_of``, the newest commit's time, never the clock): the same on every clone.
A new tool starts stricter; a proven one may need less review at a tier; an incident raises
a tool's review for a while, and tightening wins over relaxing. Lines of unknown provenance
are never relaxed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from countersign.core.autonomy import AutonomyPolicy, Relax
from countersign.core.incidents import UNKNOWN_TOOL
from countersign.core.standing_table import OTHER, TOOL, Cell, Decision, StandingTable, combine
from countersign.core.tiers import Review, Tier
from countersign.core.track_record import DAY, TrackRecord

__all__ = ["Decision", "Standing"]


@dataclass(frozen=True)
class Standing:
    """A policy applied to a record: what each tool's changes need now."""

    policy: AutonomyPolicy
    record: TrackRecord

    def review(self, tools: Iterable[str], tier: Tier, base: Review) -> Decision:
        """The review a change of ``tier`` with AI lines by ``tools`` needs, ``base`` being
        what the policy asks without autonomy: relaxed only when every tool qualifies,
        raised when any tool is new or tightened."""
        return combine([self.review_for(tool, tier, base) for tool in sorted(set(tools))],
                       base)

    def review_for(self, tool: str, tier: Tier, base: Review) -> Decision:
        review, reasons = base, []
        if tool != UNKNOWN_TOOL:
            review, why = self._relax_or_new(tool, tier, base)
            reasons += why
        floor = min(base, review)
        for rule in self.policy.tighten:
            if tier < rule.tier or (rule.tools and tool not in rule.tools):
                continue
            found = self.record.incidents_of(tool, rule.days, rule.tier, rule.kinds)
            if found and rule.review > floor:
                review = max(review, rule.review)
                reasons.append(f"{tool}: {_count(len(found), 'incident')} in {rule.days} days "
                               f"({', '.join(i.sha[:10] for i in found)}) -> "
                               f"{rule.review.label}")
        return Decision(review, tuple(reasons))

    def _relax_or_new(self, tool: str, tier: Tier, base: Review) -> tuple[Review, list[str]]:
        new = self.policy.new_tool
        if new is not None:
            lines = self.record.shipped(tool, days=self.policy.window_days)
            if lines < new.lines:
                raised = Review(min(Review.SENIOR_OWNER, base + new.stricter))
                return raised, [f"{tool}: new tool ({_count(lines, 'AI line')} in "
                                f"{self.policy.window_days} days, fewer than {new.lines}) "
                                f"-> {raised.label}"] if raised != base else []
        best, why = base, ""
        for rule in self.policy.relax:
            if rule.tier != tier or rule.review >= best or (rule.tools and tool not in rule.tools):
                continue
            reason = self._qualifies(tool, rule)
            if reason:
                best, why = rule.review, f"{tool}: {reason} -> {rule.review.label}"
        return best, [why] if why else []

    def _qualifies(self, tool: str, rule: Relax) -> str | None:
        lines = self.record.shipped(tool, rule.tier, rule.days)
        incidents = self.record.incidents_of(tool, rule.days)
        kept = self.record.survival(tool, rule.tier)
        if lines < rule.min_lines or len(incidents) > rule.max_incidents:
            return None
        if rule.min_surviving is not None and (kept is None or kept < rule.min_surviving):
            return None
        return (f"{lines:,} {rule.tier.label}-tier AI lines in {rule.days} days, "
                f"{_count(len(incidents), 'incident') if incidents else 'no incident'}"
                + (f", {kept:.0%} kept" if rule.min_surviving is not None and kept else ""))

    def table(self, commit: str) -> StandingTable:
        """Every decision of this standing, for the commit trailers (``core.standing_table``):
        each tool of the record, and any other tool (``OTHER``), at every tier and base."""
        strict = Standing(self.policy._replace(relax=()), self.record)
        sentinel = "\0"  # stands for the other tool while its reasons are written

        def row(tool: str) -> dict[tuple[Tier, Review], Cell]:
            cells = {}
            for tier in Tier:
                for base in Review:
                    cell = (self.review_for(tool, tier, base), strict.review_for(tool, tier, base))
                    if cell != (Decision(base), Decision(base)):
                        cells[tier, base] = cell
            return cells

        rows = {tool: row(tool) for tool in {*self.record.tools(), UNKNOWN_TOOL}}
        rows[OTHER] = {key: (_named(full, sentinel), _named(tight, sentinel))
                       for key, (full, tight) in row(sentinel).items()}
        return StandingTable(commit, self.record.as_of, rows)

    def guard_for(self, tool: str) -> tuple[Tier, str] | None:
        """The guard tier for ``tool``'s commands and why, when a recent incident tightens
        it (the allow list then does not apply); ``None`` otherwise."""
        rule = self.policy.guard
        if rule is None:
            return None
        found = self.record.incidents_of(tool, rule.days)
        if not found:
            return None
        return rule.tier, (f"{tool}: {_count(len(found), 'incident')} in {rule.days} days "
                           f"({', '.join(i.sha[:10] for i in found)})")

    def until(self, tool: str) -> int | None:
        """When the last tightening of ``tool`` ends (seconds since the epoch), if any."""
        ends = [i.time + rule.days * DAY for rule in self.policy.tighten
                for i in self.record.incidents_of(tool, rule.days, rule.tier, rule.kinds)]
        return max(ends) if ends else None


def _named(decision: Decision, sentinel: str) -> Decision:
    return Decision(decision.review, tuple(r.replace(sentinel, TOOL) for r in decision.reasons))


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}{'s' if n != 1 else ''}"
