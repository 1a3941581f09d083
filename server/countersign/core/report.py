"""What an engineering manager wants to see about a history: the numbers behind the report.

Built from the gate's verdicts, so the report and ``verify --format json`` agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from countersign.core.signoff import Verdict
from countersign.core.tiers import Review, Tier

SIGNOFF_KINDS = ("valid", "missing", "forged", "stale")
_STALE = {"stale", "not-this-content"}
"""Approvals of other content; every other refusal (bad or unknown signature, typed,
the author's own, a role not granted) counts as forged."""


@dataclass
class FileRisk:
    path: str
    ai_lines: int = 0
    tier: Tier = Tier.NONE
    rules: set[str] = field(default_factory=set)
    commits: int = 0


@dataclass
class Report:
    commits: int = 0
    added_lines: int = 0
    ai_lines: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)
    by_day: dict[str, list[int]] = field(default_factory=dict)
    """``YYYY-MM-DD`` -> [added lines, AI lines]."""
    by_tool: dict[str, int] = field(default_factory=dict)
    by_tier: dict[str, int] = field(default_factory=lambda: {t.label: 0 for t in Tier})
    files: dict[str, FileRisk] = field(default_factory=dict)
    signoffs: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SIGNOFF_KINDS, 0))
    """Sign-offs by what became of them: valid, forged, stale, and commits missing one."""
    track_record: dict[str, Any] | None = None
    """``TrackRecord.to_json()`` of the range's tip, when computed."""

    @property
    def ai_share(self) -> float:
        return self.ai_lines / self.added_lines if self.added_lines else 0.0

    def riskiest(self, limit: int = 15) -> list[FileRisk]:
        ranked = [f for f in self.files.values() if f.ai_lines]
        return sorted(ranked, key=lambda f: (-f.tier, -f.ai_lines, f.path))[:limit]

    def to_json(self) -> dict[str, Any]:
        return {
            "commits": self.commits, "added_lines": self.added_lines,
            "ai_lines": self.ai_lines, "ai_share": round(self.ai_share, 4),
            "failed": len(self.failed), "passed": self.commits - len(self.failed),
            "by_day": [{"day": d, "added_lines": a, "ai_lines": ai}
                       for d, (a, ai) in sorted(self.by_day.items())],
            "by_tool": dict(sorted(self.by_tool.items(), key=lambda kv: -kv[1])),
            "by_tier": self.by_tier,
            "riskiest_files": [{"path": f.path, "ai_lines": f.ai_lines, "tier": f.tier.label,
                                "rules": sorted(f.rules), "commits": f.commits}
                               for f in self.riskiest()],
            "missing_signoff": self.failed,
            "signoffs": self.signoffs,
        } | ({"track_record": self.track_record} if self.track_record is not None else {})


def build(verdicts: Iterable[Verdict]) -> Report:
    report = Report()
    for v in verdicts:
        c, stamp = v.commit, v.commit.recomputed
        report.commits += 1
        report.added_lines += stamp.added_lines
        report.ai_lines += stamp.ai_line_count
        day = datetime.fromtimestamp(c.time, timezone.utc).strftime("%Y-%m-%d")
        totals = report.by_day.setdefault(day, [0, 0])
        totals[0] += stamp.added_lines
        totals[1] += stamp.ai_line_count
        for lines in stamp.ai_lines.values():
            for origin in lines.values():
                report.by_tool[str(origin.tool)] = report.by_tool.get(str(origin.tool), 0) + 1
        report.by_tier[v.tier.label] += 1
        _files(report, v)
        _signoffs(report, v)
        if not v.ok:
            report.failed.append({"sha": c.sha, "subject": c.subject, "author": c.author,
                                  "tier": v.tier.label, "review": v.review.label,
                                  "failures": list(v.failures)})
    return report


def _signoffs(report: Report, v: Verdict) -> None:
    for approval in v.approvals:
        kind = "valid" if approval.counts else "stale" if approval.state in _STALE else "forged"
        report.signoffs[kind] += 1
    if v.review > Review.NONE and not v.approvers:
        report.signoffs["missing"] += 1


def _files(report: Report, v: Verdict) -> None:
    stamp = v.commit.recomputed
    for path, lines in stamp.ai_lines.items():
        risk = report.files.setdefault(path, FileRisk(path))
        risk.ai_lines += len(lines)
        risk.commits += 1
        for finding in stamp.findings:
            if finding.path == path and finding.origin is not None and finding.active:
                risk.tier = max(risk.tier, finding.tier)
                risk.rules.add(finding.rule.id)
