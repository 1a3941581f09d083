"""Graduated autonomy: the review a tool's changes need, from its track record.

::

    [autonomy]
    incident_trailer = "Incident"   # the trailer that marks an incident fix
    window_days = 90                # history `countersign record` reads by default
    survival_days = 30              # a line "survives" when still there this many days later
    [autonomy.new_tool]             # fewer AI lines than this in window_days: a new tool,
    lines = 100                     # ... whose review is `stricter` levels higher
    stricter = 1
    [[autonomy.relax]]              # a proven tool needs less review at one tier
    tier = "medium"
    review = "none"
    min_lines = 5000                # at least this many AI lines of this tier...
    days = 90                       # ... in the last `days`
    max_incidents = 0               # ... with at most this many incidents implicating it
    min_surviving = 0.9             # optional: share of its lines of this tier kept
    tools = ["claude-code"]         # optional: only these tools
    [[autonomy.tighten]]            # an incident raises the tool's review for a while
    tier = "high"                   # implicated in a change of this tier or higher...
    review = "senior+owner"         # ... its changes of this tier or higher need this
    days = 30                       # ... for this many days after the fix
    kinds = ["revert", "fixes", "incident"]   # optional: which incidents count
    [autonomy.guard]                # an agent with a recent incident: a stricter guard
    days = 30
    tier = "high"                   # refuse its commands of this tier or higher; no allow list

Decisions are a function of the policy, the record and its time (``as_of``, the newest
commit's time): the same on every clone. Tightening wins over relaxing; lines of unknown
provenance are never relaxed. A section with a mistake relaxes nothing (its tightening
rules that are well formed still apply), so an error never weakens the policy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from countersign.core.incidents import DEFAULT_TRAILER, KINDS, UNKNOWN_TOOL
from countersign.core.tiers import Review, Tier
from countersign.core.track_record import DAY, TrackRecord

Error = Callable[[str, str], None]
_KEYS = {"incident_trailer", "window_days", "survival_days", "new_tool", "relax", "tighten",
         "guard"}


@dataclass(frozen=True)
class Relax:
    tier: Tier
    review: Review
    min_lines: int
    days: int
    max_incidents: int = 0
    min_surviving: float | None = None
    tools: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tighten:
    tier: Tier
    review: Review
    days: int
    kinds: tuple[str, ...] = KINDS
    tools: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewTool:
    lines: int
    stricter: int = 1


@dataclass(frozen=True)
class GuardRule:
    days: int
    tier: Tier = Tier.HIGH


@dataclass(frozen=True)
class AutonomyPolicy:
    """The ``[autonomy]`` section; empty: every tool is treated the same, forever."""

    incident_trailer: str = DEFAULT_TRAILER
    window_days: int = 90
    survival_days: int = 30
    new_tool: NewTool | None = None
    relax: tuple[Relax, ...] = ()
    tighten: tuple[Tighten, ...] = ()
    guard: GuardRule | None = None

    @property
    def active(self) -> bool:
        return bool(self.relax or self.tighten or self.new_tool or self.guard)

    @property
    def days_needed(self) -> int:
        """The history a decision reads: the longest window of any rule."""
        return max([self.window_days, *(r.days for r in self.relax),
                    *(t.days for t in self.tighten), *([self.guard.days] if self.guard else [])])


@dataclass(frozen=True)
class Decision:
    """The review a change needs after autonomy, and why it differs from the base."""

    review: Review
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Standing:
    """A policy applied to a record: what each tool's changes need now."""

    policy: AutonomyPolicy
    record: TrackRecord

    def review(self, tools: Iterable[str], tier: Tier, base: Review) -> Decision:
        """The review a change of ``tier`` with AI lines by ``tools`` needs, ``base`` being
        what the policy asks without autonomy: relaxed only when every tool qualifies,
        raised when any tool is new or tightened."""
        decisions = [self.review_for(tool, tier, base) for tool in sorted(set(tools))]
        if not decisions:
            return Decision(base)
        review = max(d.review for d in decisions)
        return Decision(review, tuple(r for d in decisions for r in d.reasons))

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


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}{'s' if n != 1 else ''}"


def parse_autonomy(table: Any, error: Error) -> AutonomyPolicy:
    """The ``[autonomy]`` table; each mistake is reported with its key through ``error``."""
    if not isinstance(table, dict):
        error("autonomy", "expected a table")
        return AutonomyPolicy()
    failed: list[str] = []

    def report(key: str, message: str) -> None:
        failed.append(key)
        error(key, message)

    for key in sorted(set(table) - _KEYS):
        report(f"autonomy.{key}", f"unknown key (allowed: {', '.join(sorted(_KEYS))})")
    trailer = table.get("incident_trailer", DEFAULT_TRAILER)
    if not isinstance(trailer, str) or not trailer.strip() or ":" in trailer:
        report("autonomy.incident_trailer", f"expected a trailer name like \"Incident\", "
                                            f"got {trailer!r}")
        trailer = DEFAULT_TRAILER
    relax = tuple(r for i, item in enumerate(_tables(table, "relax", report))
                  if (r := _relax(item, f"autonomy.relax[{i + 1}]", report)) is not None)
    tighten = tuple(t for i, item in enumerate(_tables(table, "tighten", report))
                    if (t := _tighten(item, f"autonomy.tighten[{i + 1}]", report)) is not None)
    return AutonomyPolicy(
        incident_trailer=trailer.strip(),
        window_days=_int(table, "window_days", "autonomy", report, 90, 1),
        survival_days=_int(table, "survival_days", "autonomy", report, 30, 1),
        new_tool=_new_tool(table.get("new_tool"), report),
        relax=() if failed else relax,  # a mistake anywhere relaxes nothing
        tighten=tighten,
        guard=_guard(table.get("guard"), report),
    )


def _tables(table: Mapping[str, Any], key: str, error: Error) -> list[dict[str, Any]]:
    value = table.get(key, [])
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        error(f"autonomy.{key}", f"expected [[autonomy.{key}]] tables, got {value!r}")
        return []
    return value


def _check_keys(item: Mapping[str, Any], where: str, allowed: set[str], error: Error) -> bool:
    unknown = sorted(set(item) - allowed)
    for key in unknown:
        error(f"{where}.{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})")
    return not unknown


def _relax(item: dict[str, Any], where: str, error: Error) -> Relax | None:
    allowed = {"tier", "review", "min_lines", "days", "max_incidents", "min_surviving", "tools"}
    ok = _check_keys(item, where, allowed, error)
    for key in ("tier", "review", "min_lines", "days"):
        if key not in item:
            error(f"{where}.{key}", "missing (a relax rule needs tier, review, min_lines and "
                                    "days)")
            ok = False
    tier, review = _level(item, where, "tier", Tier.parse, error), \
        _level(item, where, "review", Review.parse, error)
    surviving = item.get("min_surviving")
    if surviving is not None and (isinstance(surviving, bool)
                                  or not isinstance(surviving, (int, float))
                                  or not 0 <= surviving <= 1):
        error(f"{where}.min_surviving", f"expected a share from 0 to 1, got {surviving!r}")
        ok = False
    rule = Relax(tier or Tier.NONE, review or Review.NONE,
                 _int(item, "min_lines", where, error, 0, 1),
                 _int(item, "days", where, error, 0, 1),
                 _int(item, "max_incidents", where, error, 0, 0),
                 None if surviving is None else float(surviving),
                 _tools(item, where, error))
    return rule if ok and tier is not None and review is not None and rule.days else None


def _tighten(item: dict[str, Any], where: str, error: Error) -> Tighten | None:
    ok = _check_keys(item, where, {"tier", "review", "days", "kinds", "tools"}, error)
    for key in ("tier", "review", "days"):
        if key not in item:
            error(f"{where}.{key}", "missing (a tighten rule needs tier, review and days)")
            ok = False
    tier, review = _level(item, where, "tier", Tier.parse, error), \
        _level(item, where, "review", Review.parse, error)
    kinds = item.get("kinds", list(KINDS))
    if not isinstance(kinds, list) or not kinds or any(k not in KINDS for k in kinds):
        error(f"{where}.kinds", f"expected a list of {', '.join(KINDS)}, got {kinds!r}")
        ok = False
        kinds = list(KINDS)
    days = _int(item, "days", where, error, 0, 1)
    if not ok or tier is None or review is None or not days:
        return None
    return Tighten(tier, review, days, tuple(kinds), _tools(item, where, error))


def _new_tool(value: Any, error: Error) -> NewTool | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        error("autonomy.new_tool", "expected a table")
        return None
    _check_keys(value, "autonomy.new_tool", {"lines", "stricter"}, error)
    return NewTool(_int(value, "lines", "autonomy.new_tool", error, 1, 1),
                   _int(value, "stricter", "autonomy.new_tool", error, 1, 1))


def _guard(value: Any, error: Error) -> GuardRule | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        error("autonomy.guard", "expected a table")
        return None
    _check_keys(value, "autonomy.guard", {"days", "tier"}, error)
    tier = _level(value, "autonomy.guard", "tier", Tier.parse, error) if "tier" in value \
        else Tier.HIGH
    return GuardRule(_int(value, "days", "autonomy.guard", error, 30, 1), tier or Tier.LOW)


def _level(item: Mapping[str, Any], where: str, key: str, parse: Callable[[str], Any],
           error: Error) -> Any:
    value = item.get(key)
    if value is None:
        return None
    try:
        return parse(value) if isinstance(value, str) else parse(repr(value))
    except ValueError as exc:
        error(f"{where}.{key}", str(exc))
        return None


def _int(item: Mapping[str, Any], key: str, where: str, error: Error, default: int,
         least: int) -> int:
    if key not in item:
        return default
    value = item[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        error(f"{where}.{key}", f"expected a whole number of at least {least}, got {value!r}")
        return default
    return value


def _tools(item: Mapping[str, Any], where: str, error: Error) -> tuple[str, ...]:
    value = item.get("tools", [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        error(f"{where}.tools", f"expected a list of tool names, got {value!r}")
        return ()
    return tuple(value)
