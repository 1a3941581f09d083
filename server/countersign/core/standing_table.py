"""Each AI tool's standing as a small table: what the commit trailers apply.

The commit hook cannot compute a track record (seconds over a long history), so the
decisions of ``core.standing`` are tabulated at a commit (``Standing.table``) for every
tool its record knows, every tier and every base review, and stored
(``store.standing_cache``); the hook looks them up. Each cell holds two decisions: the
full one, and the ``strict`` one, made without the relax rules. A table computed at
another commit than the one a change builds on is *stale*: its tightenings still make
the review stricter (they are known incidents), but it cannot justify a relaxation, so
the strict decision applies and the trailers say so.

Read on every commit: imports nothing but the tiers, and its records are named tuples.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from countersign.core.tiers import Review, Tier

OTHER = "*"
"""The row of a tool the record does not know (its reasons name it as ``TOOL``)."""
TOOL = "{tool}"


class Decision(NamedTuple):
    """The review a change needs after autonomy, and why it differs from the base."""

    review: Review
    reasons: tuple[str, ...] = ()


def combine(decisions: Sequence[Decision], base: Review) -> Decision:
    """A change by several tools needs the strictest of their reviews (relaxed only when
    every tool is), for every reason; ``base`` when no tool wrote it."""
    if not decisions:
        return Decision(base)
    return Decision(max(d.review for d in decisions),
                    tuple(r for d in decisions for r in d.reasons))


Cell = tuple[Decision, Decision]
"""The decision, and the strict one (without relax rules)."""


class StandingTable(NamedTuple):
    """The decisions of the standing at ``commit``, by tool, tier and base review."""

    commit: str
    as_of: int
    """The record's time: ``commit``'s commit time (0 for a history with no commit)."""
    cells: Mapping[str, Mapping[tuple[Tier, Review], Cell]]
    """Tool -> (tier, base) -> cell; cells that change nothing are left out."""

    def decide(self, tools: Sequence[str], tier: Tier, base: Review,
               strict: bool = False) -> Decision:
        """What ``core.standing.Standing.review`` decides (``strict``: without relaxing)."""
        return combine([self._one(tool, tier, base, strict) for tool in sorted(set(tools))],
                       base)

    def _one(self, tool: str, tier: Tier, base: Review, strict: bool) -> Decision:
        known = self.cells.get(tool)
        cell = (known if known is not None else self.cells.get(OTHER, {})).get((tier, base))
        if cell is None:
            return Decision(base)
        decision = cell[1] if strict else cell[0]
        if known is not None:
            return decision
        return Decision(decision.review, tuple(r.replace(TOOL, tool) for r in decision.reasons))

    def to_json(self) -> dict[str, Any]:
        return {"commit": self.commit, "as_of": self.as_of, "tools": {
            tool: [[tier.label, base.label, full.review.label, list(full.reasons),
                    strict.review.label, list(strict.reasons)]
                   for (tier, base), (full, strict) in sorted(cells.items())]
            for tool, cells in sorted(self.cells.items())}}


def table_from_json(data: Any) -> StandingTable:
    """The table ``to_json`` wrote; ``ValueError`` on anything else (never a guess)."""
    try:
        commit, as_of, tools = data["commit"], data["as_of"], data["tools"]
        if not isinstance(commit, str) or not commit or isinstance(as_of, bool) \
                or not isinstance(as_of, int) or not isinstance(tools, dict):
            raise ValueError("bad header")
        return StandingTable(commit, as_of, {
            _text(tool): dict(_cell(row) for row in rows) for tool, rows in tools.items()})
    except (KeyError, TypeError) as exc:
        raise ValueError(f"malformed standing table: {exc}") from None


def _cell(row: Any) -> tuple[tuple[Tier, Review], Cell]:
    tier, base, review, reasons, strict, strict_reasons = row
    return (Tier.parse(_text(tier)), Review.parse(_text(base))), (
        Decision(Review.parse(_text(review)), _texts(reasons)),
        Decision(Review.parse(_text(strict)), _texts(strict_reasons)))


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {value!r}")
    return value


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list, got {value!r}")
    return tuple(_text(v) for v in value)
