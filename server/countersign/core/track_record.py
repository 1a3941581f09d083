"""The track record of each AI tool, model and tier, computed from history alone.

For a window of days ending at ``as_of`` (the newest commit's time, not the clock, so every
clone computes the same record): AI lines shipped, the share of those old enough to judge
that were still there ``survival_days`` later, the share reverted or rewritten before then,
lines implicated in incidents, and the sign-offs their commits got. A line's tier is the
tier of the change that shipped it, as the gate judged it. Commits without a provenance
note count for ``unknown-provenance`` (or not at all when the policy counts them as human).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from countersign.core.incidents import Implication
from countersign.core.tiers import Tier

DAY = 86400


@dataclass(frozen=True)
class LineFate:
    """One AI line shipped: who wrote it, at which tier, and whether it lasted."""

    tool: str
    model: str | None
    tier: Tier
    commit: str
    born: int
    died: int | None = None
    reverted: bool = False


@dataclass(frozen=True)
class CommitFact:
    """One commit's lines by one tool and model, and the sign-off the commit got."""

    commit: str
    time: int
    tool: str
    model: str | None
    tier: Tier
    lines: int
    approvals: int
    """Approvals that counted."""


@dataclass(frozen=True)
class IncidentFact:
    """An incident fix in the window and the tools it implicates."""

    sha: str
    subject: str
    time: int
    kinds: tuple[str, ...]
    implicated: tuple[Implication, ...]

    def implicates(self, tool: str, tier: Tier = Tier.NONE) -> bool:
        return any(i.tool == tool and i.tier >= tier for i in self.implicated)


@dataclass
class Row:
    """The figures of one tool (and model and tier, when grouped that finely)."""

    tool: str
    model: str | None = None
    tier: Tier | None = None
    shipped: int = 0
    judged: int = 0
    """Lines shipped long enough ago to tell whether they survived."""
    surviving: int = 0
    reverted: int = 0
    rewritten: int = 0
    incident_lines: int = 0
    incidents: set[str] = field(default_factory=set)
    commits: set[str] = field(default_factory=set)
    signed_off: set[str] = field(default_factory=set)
    approvals: int = 0

    def share(self, count: int) -> float | None:
        return round(count / self.judged, 4) if self.judged else None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tool": self.tool}
        if self.tier is not None:
            out |= {"model": self.model, "tier": self.tier.label}
        return out | {
            "lines_shipped": self.shipped, "lines_judged": self.judged,
            "surviving": self.surviving, "surviving_share": self.share(self.surviving),
            "reverted": self.reverted, "rewritten": self.rewritten,
            "reverted_or_rewritten_share": self.share(self.reverted + self.rewritten),
            "incident_lines": self.incident_lines, "incidents": len(self.incidents),
            "commits": len(self.commits), "signed_off_commits": len(self.signed_off),
            "approvals": self.approvals,
        }


@dataclass
class TrackRecord:
    """Everything the record is computed from, and the figures."""

    as_of: int
    window_days: int
    survival_days: int
    lines: list[LineFate] = field(default_factory=list)
    commits: list[CommitFact] = field(default_factory=list)
    incidents: list[IncidentFact] = field(default_factory=list)
    history: int = 0
    """Commits read."""
    without_notes: int = 0
    """Commits among them without a provenance note."""
    problems: list[str] = field(default_factory=list)

    @property
    def since(self) -> int:
        return self.as_of - self.window_days * DAY

    def rows(self, fine: bool = True) -> list[Row]:
        """One row per tool, model and tier (``fine``) or per tool, most lines first."""
        rows: dict[tuple[str, str | None, Tier | None], Row] = {}

        def row(tool: str, model: str | None, tier: Tier) -> Row:
            key = (tool, model, tier) if fine else (tool, None, None)
            return rows.setdefault(key, Row(*key))

        for line in self.lines:
            self._count_line(row(line.tool, line.model, line.tier), line)
        for fact in self.commits:
            r = row(fact.tool, fact.model, fact.tier)
            r.commits.add(fact.commit)
            r.approvals += fact.approvals
            if fact.approvals:
                r.signed_off.add(fact.commit)
        for incident in self.incidents:
            for i in incident.implicated:
                r = row(i.tool, i.model, i.tier)
                r.incident_lines += i.lines
                r.incidents.add(incident.sha)
        return sorted(rows.values(), key=lambda r: (
            -sum(x.shipped for x in rows.values() if x.tool == r.tool), r.tool,
            r.model or "", -(r.tier or 0)))

    def _count_line(self, row: Row, line: LineFate) -> None:
        row.shipped += 1
        deadline = line.born + self.survival_days * DAY
        if deadline > self.as_of:
            return  # too young to tell
        row.judged += 1
        if line.died is None or line.died > deadline:
            row.surviving += 1
        elif line.reverted:
            row.reverted += 1
        else:
            row.rewritten += 1

    def shipped(self, tool: str, tier: Tier | None = None, days: int | None = None) -> int:
        """AI lines ``tool`` shipped (at ``tier``) in the last ``days`` (default: window)."""
        start = self.as_of - (self.window_days if days is None else days) * DAY
        return sum(1 for line in self.lines if line.tool == tool and start <= line.born
                   and (tier is None or line.tier == tier))

    def survival(self, tool: str, tier: Tier | None = None) -> float | None:
        """Share of ``tool``'s judged lines (at ``tier``) still there after the survival days."""
        row = Row(tool)
        for line in self.lines:
            if line.tool == tool and (tier is None or line.tier == tier):
                self._count_line(row, line)
        return row.share(row.surviving)

    def incidents_of(
        self, tool: str, days: int, tier: Tier = Tier.NONE, kinds: Sequence[str] | None = None
    ) -> list[IncidentFact]:
        """Incidents of the last ``days`` implicating ``tool`` in a change of ``tier`` or
        higher (of one of ``kinds``), newest first."""
        start = self.as_of - days * DAY
        return sorted((i for i in self.incidents if start < i.time <= self.as_of
                       and i.implicates(tool, tier)
                       and (kinds is None or set(i.kinds) & set(kinds))),
                      key=lambda i: -i.time)

    def tools(self) -> list[str]:
        return sorted({line.tool for line in self.lines} | {c.tool for c in self.commits}
                      | {i.tool for f in self.incidents for i in f.implicated})

    def to_json(self) -> dict[str, Any]:
        fine = self.rows()
        return {
            "as_of": _iso(self.as_of), "window_days": self.window_days,
            "survival_days": self.survival_days,
            "history": {"commits": self.history, "without_notes": self.without_notes},
            "tools": [r.to_json() | {"rows": [f.to_json() for f in fine if f.tool == r.tool]}
                      for r in self.rows(fine=False)],
            "incidents": [{"sha": i.sha, "subject": i.subject, "time": _iso(i.time),
                           "kinds": list(i.kinds),
                           "implicated": [{"tool": m.tool, "model": m.model,
                                           "tier": m.tier.label, "lines": m.lines,
                                           "commits": list(m.commits)} for m in i.implicated]}
                          for i in sorted(self.incidents, key=lambda i: -i.time)],
            "problems": list(self.problems),
        }


def _iso(when: int) -> str:
    return datetime.fromtimestamp(when, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_text(record: TrackRecord, title: str, extra: Iterable[str] = ()) -> str:
    """The record as a table for a terminal."""
    head = (f"{'tool / model / tier':<46} {'lines':>7} {'judged':>7} {'kept':>6} "
            f"{'reverted':>8} {'rewritten':>9} {'incidents':>9} {'inc.lines':>9} "
            f"{'signed':>9}")
    out = [f"Track record of {title}: {record.window_days} days to {_iso(record.as_of)[:10]}, "
           f"kept = still there {record.survival_days} days later", "", head]
    fine = record.rows()
    for tool in record.rows(fine=False):
        out.append(_text_row(tool.tool, tool))
        out += [_text_row(f"  {r.model or '-'} {r.tier.label if r.tier is not None else ''}", r)
                for r in fine if r.tool == tool.tool]
    if not fine:
        out.append("  (no AI lines in the window)")
    read = f"{record.history} commit{'s' if record.history != 1 else ''} read"
    out += ["", f"{read}, {record.without_notes} without a provenance note"
                + (" (their lines count as unknown-provenance)" if record.without_notes else "")]
    out += [f"note: {p}" for p in record.problems]
    out += list(extra)
    return "\n".join(out)


def _text_row(label: str, r: Row) -> str:
    def pct(n: int) -> str:
        return "-" if not r.judged else f"{n / r.judged:.0%}"

    return (f"{label[:46]:<46} {r.shipped:>7} {r.judged:>7} {pct(r.surviving):>6} "
            f"{pct(r.reverted):>8} {pct(r.rewritten):>9} {len(r.incidents):>9} "
            f"{r.incident_lines:>9} {len(r.signed_off):>4}/{len(r.commits)}")
