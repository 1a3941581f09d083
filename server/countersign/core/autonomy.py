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

The decisions themselves are ``core.standing``'s. A section with a mistake relaxes nothing
(its tightening rules that are well formed still apply), so an error never weakens the
policy. This module is read with every configuration (the commit hook too): it imports
nothing heavier than the tiers, and its records are named tuples (a frozen dataclass costs
about a millisecond to define, five of them a measurable share of the hook's budget).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from countersign.core.tiers import Review, Tier

Error = Callable[[str, str], None]
DEFAULT_TRAILER = "Incident"
"""The trailer that marks an incident fix unless the policy names another."""
KINDS = ("revert", "fixes", "incident")
"""Classes of incident: a revert, a ``Fixes:`` trailer, the policy's incident trailer."""
_KEYS = {"incident_trailer", "window_days", "survival_days", "new_tool", "relax", "tighten",
         "guard"}


class Relax(NamedTuple):
    tier: Tier
    review: Review
    min_lines: int
    days: int
    max_incidents: int = 0
    min_surviving: float | None = None
    tools: tuple[str, ...] = ()


class Tighten(NamedTuple):
    tier: Tier
    review: Review
    days: int
    kinds: tuple[str, ...] = KINDS
    tools: tuple[str, ...] = ()


class NewTool(NamedTuple):
    lines: int
    stricter: int = 1


class GuardRule(NamedTuple):
    days: int
    tier: Tier = Tier.HIGH


class AutonomyPolicy(NamedTuple):
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
