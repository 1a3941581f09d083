"""Incidents: commits that repair damage, and the lines and commits they trace back to.

A commit is an incident fix when its message says so: git's revert message (``This reverts
commit X.``), a kernel-style ``Fixes: X ("subject")`` trailer, or the policy's incident
trailer (``Incident: SEV2-123`` by default). The lines such a commit removed or changed are
blamed on its parent to find the commits that introduced them; each of those is joined with
its provenance note (which lines an AI tool wrote) and the gate's verdict on it (tier,
required review, who signed it off and whether that sign-off counts).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from countersign.core.autonomy import DEFAULT_TRAILER, KINDS
from countersign.core.origin import Origin
from countersign.core.tiers import Review, Tier

if TYPE_CHECKING:  # signoff imports config, which reads [autonomy], which imports this
    from countersign.core.signoff import Approval, Verdict

FIXES = "Fixes"
UNKNOWN_TOOL = "unknown-provenance"
"""The tool credited with lines of commits without a provenance note (as ``verify`` does)."""
_REVERT = re.compile(r"This reverts commit ([0-9a-fA-F]{7,64})")
_COMMIT_ID = re.compile(r"^[0-9a-fA-F]{7,64}$")


@dataclass(frozen=True)
class Markers:
    """What a commit message says it repairs."""

    reverts: tuple[str, ...] = ()
    """Commit ids named by ``This reverts commit ...``."""
    fixes: tuple[str, ...] = ()
    """Values of ``Fixes:`` trailers (a commit id, perhaps with its subject, or an issue)."""
    incidents: tuple[str, ...] = ()
    """Values of the incident trailer (``SEV2-123``)."""

    @property
    def kinds(self) -> tuple[str, ...]:
        found = (self.reverts, self.fixes, self.incidents)
        return tuple(kind for kind, values in zip(KINDS, found, strict=True) if values)

    def __bool__(self) -> bool:
        return bool(self.kinds)

    def named_commits(self) -> list[str]:
        """Commit ids (perhaps abbreviated) the message names as the cause."""
        fixed = [c for c in (fixes_commit(v) for v in self.fixes) if c]
        return list(dict.fromkeys([*self.reverts, *fixed]))

    def describe(self) -> str:
        parts = [f"revert of {', '.join(c[:10] for c in self.reverts)}" if self.reverts else "",
                 f"{FIXES}: {'; '.join(self.fixes)}" if self.fixes else "",
                 f"incident {', '.join(self.incidents)}" if self.incidents else ""]
        return "; ".join(p for p in parts if p) or "named by hand"


def find_markers(
    message: str, trailers: Sequence[tuple[str, str]], incident_trailer: str = DEFAULT_TRAILER
) -> Markers:
    """The markers of one commit (``trailers`` as git parsed them; keys case-insensitive)."""
    key = incident_trailer.lower()
    return Markers(
        reverts=tuple(dict.fromkeys(m.lower() for m in _REVERT.findall(message))),
        fixes=tuple(v for k, v in trailers if k.lower() == FIXES.lower() and v),
        incidents=tuple(v for k, v in trailers if k.lower() == key and v),
    )


def fixes_commit(value: str) -> str | None:
    """The commit id a ``Fixes:`` value starts with (``54a4f0239f2e ("subject")``), if any."""
    first = value.split()[0] if value.split() else ""
    return first.lower() if _COMMIT_ID.match(first) else None


@dataclass(frozen=True)
class OriginCommit:
    """A commit an incident traces back to, as the gate judges it."""

    sha: str
    subject: str
    author: str
    time: int
    tier: Tier
    review: Review
    has_note: bool
    added_lines: int
    ai_by_tool: Mapping[tuple[str, str | None], int]
    """(tool, model) -> AI lines the commit added (``unknown-provenance`` without a note)."""
    approvals: tuple[Approval, ...]
    """Every approval seen, with the state the gate gave it."""
    signed_off: bool
    """Whether the approvals that count met the review its tier required."""
    failures: tuple[str, ...] = ()
    boundary: bool = False
    """A shallow clone's boundary: the lines may be older than this commit says."""

    @classmethod
    def of(cls, verdict: Verdict, boundary: bool = False) -> OriginCommit:
        commit, stamp = verdict.commit, verdict.commit.recomputed
        by_tool: dict[tuple[str, str | None], int] = {}
        for lines in stamp.ai_lines.values():
            for origin in lines.values():
                key = (str(origin.tool), origin.model)
                by_tool[key] = by_tool.get(key, 0) + 1
        return cls(commit.sha, commit.subject, commit.author, commit.time, verdict.tier,
                   verdict.review, commit.has_note, stamp.added_lines, by_tool,
                   verdict.approvals,
                   verdict.review == Review.NONE or bool(verdict.approvers),
                   verdict.failures, boundary)

    @property
    def ai_lines(self) -> int:
        return sum(self.ai_by_tool.values())

    def signers(self) -> list[Approval]:
        return [a for a in self.approvals if a.counts]


@dataclass(frozen=True)
class TracedLine:
    """A line the fix removed or changed, and the commit that introduced it."""

    path: str
    """Its file in the fix's parent."""
    line: int
    """0-based, in the fix's parent."""
    text: str
    origin: str
    """The commit that introduced it."""
    origin_path: str
    origin_line: int
    """0-based, in ``origin``."""
    author: Origin | None
    """Who wrote it, from the origin's note; ``None`` when that commit has no note."""

    @property
    def tool(self) -> str | None:
        if self.author is None:
            return UNKNOWN_TOOL
        return self.author.tool if self.author.is_ai else None


@dataclass(frozen=True)
class Implication:
    """An AI tool (and model) in an incident's chain, at the tier of the change it wrote."""

    tool: str
    model: str | None
    tier: Tier
    lines: int
    """Lines the fix removed or changed that this tool wrote in changes of this tier."""
    commits: tuple[str, ...]


@dataclass(frozen=True)
class Incident:
    """One incident fix and what it traces back to."""

    sha: str
    subject: str
    author: str
    time: int
    markers: Markers
    lines: tuple[TracedLine, ...] = ()
    origins: Mapping[str, OriginCommit] = field(default_factory=dict)
    """Commit id -> the commits the lines came from and the commits the message names."""
    named: tuple[str, ...] = ()
    """Full ids of the commits the message names (reverted, ``Fixes:``)."""
    unresolved: tuple[str, ...] = ()
    """Names of commits the message gives that this clone does not have."""
    problems: tuple[str, ...] = ()
    """What is missing to be sure: history of a shallow clone, notes."""

    @property
    def kinds(self) -> tuple[str, ...]:
        return self.markers.kinds or ("named",)

    def counts(self) -> dict[str, int]:
        """Traced lines by who wrote them: ``ai``, ``human``, ``unknown`` (no note)."""
        out = {"ai": 0, "human": 0, "unknown": 0}
        for line in self.lines:
            kind = "unknown" if line.author is None else "ai" if line.author.is_ai else "human"
            out[kind] += 1
        return out

    @property
    def ai_in_chain(self) -> bool:
        """Whether an AI tool wrote a line the fix repaired, or a commit the fix names."""
        return bool(self.implicated())

    def implicated(self) -> list[Implication]:
        """AI tools in the chain, by (tool, model, tier of the change), most lines first.

        Traced lines decide; a named commit whose lines the fix did not touch (a revert of
        a commit that only deleted lines) still implicates the tools that wrote its lines.
        """
        found: dict[tuple[str, str | None, Tier], tuple[int, set[str]]] = {}
        for line in self.lines:
            if line.author is None or not line.author.is_ai or line.origin not in self.origins:
                continue
            key = (str(line.author.tool), line.author.model, self.origins[line.origin].tier)
            count, shas = found.get(key, (0, set()))
            found[key] = (count + 1, shas | {line.origin})
        traced = {line.origin for line in self.lines}
        for sha in self.named:
            origin = self.origins.get(sha)
            if origin is None or sha in traced:
                continue
            for (tool, model), _ in origin.ai_by_tool.items():
                if tool == UNKNOWN_TOOL:
                    continue
                key = (tool, model, origin.tier)
                count, shas = found.get(key, (0, set()))
                found[key] = (count, shas | {sha})
        return [Implication(tool, model, tier, count, tuple(sorted(shas)))
                for (tool, model, tier), (count, shas) in
                sorted(found.items(), key=lambda kv: (-kv[1][0], kv[0][0], kv[0][1] or "",
                                                      -kv[0][2]))]

    def tools(self) -> set[str]:
        return {i.tool for i in self.implicated()}

    def lived(self, origin: str) -> int:
        """Seconds between the origin commit and this fix."""
        found = self.origins.get(origin)
        return max(0, self.time - found.time) if found is not None else 0


def group_ranges(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted 0-based line numbers as ``[start, end)`` runs."""
    runs: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if runs and runs[-1][1] == n:
            runs[-1] = (runs[-1][0], n + 1)
        else:
            runs.append((n, n + 1))
    return runs


def duration(seconds: int) -> str:
    """``3 days``, ``5 hours``, ``12 minutes`` (the largest whole unit)."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "less than a minute"
