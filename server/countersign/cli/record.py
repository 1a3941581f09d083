"""``countersign record [REV]``: each AI tool's track record, and the review it has earned.

Computed from the repository alone (history, provenance notes, approvals, trailers) over a
window of days ending at REV's commit time, so every clone computes the same figures; see
``core.track_record``. With an ``[autonomy]`` policy it also prints the review each tool's
changes need at each tier now, and why.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from countersign.cli.common import Context, repository_context
from countersign.cli.errors import UserError
from countersign.core.incident_report import when
from countersign.core.printable import printable_lines
from countersign.core.standing import Decision, Standing
from countersign.core.tiers import Review, Tier
from countersign.core.track_record import TrackRecord, render_text
from countersign.store import guard_record, track
from countersign.store.gitcli import Git
from countersign.store.tracing import HistoryError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "record", help="track record per AI tool, model and tier (and the review it earned)",
        description="AI lines shipped, the share still there after N days, the share "
                    "reverted or rewritten within N days, lines in incidents and sign-offs, "
                    "over a window of days ending at REV's commit time.")
    parser.add_argument("rev", nargs="?", default="HEAD", metavar="REV",
                        help="the history to read (default HEAD)")
    parser.add_argument("--days", type=int, metavar="N",
                        help="window of days (default [autonomy] window_days, else 90)")
    parser.add_argument("--survival", type=int, metavar="N",
                        help="a line survives when still there N days later (default "
                             "[autonomy] survival_days, else 30)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--policy", type=Path, help="organisation policy TOML (authoritative)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    context = repository_context("run it in a clone (with notes fetched)", args.policy)
    repo = context.workspace.git()
    for value, flag in ((args.days, "--days"), (args.survival, "--survival")):
        if value is not None and value < 1:
            raise UserError(f"{flag} must be at least 1 day, got {value}",
                            f"e.g. {flag} 30", 2)
    record = compute_record(context, repo, args.rev, args.days, args.survival)
    policy = context.config.autonomy
    standing = None
    if policy.active:  # decided on the days the policy reads, whatever was printed
        same = (record.window_days, record.survival_days) == (policy.days_needed,
                                                              policy.survival_days)
        standing = standing_at(context, repo, args.rev, record if same else None)
    if args.format == "json":
        data = record.to_json()
        if standing is not None:
            data["autonomy"] = autonomy_table(standing, context)
        json.dump(data, sys.stdout, indent=2)
        print()
    else:
        extra = list(autonomy_text(standing, context)) if standing is not None else []
        print(printable_lines(render_text(record, args.rev, extra)))
    return 0


def compute_record(
    context: Context, repo: Git, rev: str = "HEAD", days: int | None = None,
    survival: int | None = None,
) -> TrackRecord:
    """The track record of ``rev``'s history over ``days`` (``store.track``)."""
    with usage_errors():
        return track.compute_record(repo, context.config, context.rules, rev, days, survival)


@contextmanager
def usage_errors() -> Iterator[None]:
    """``store``'s ``HistoryError`` said as a usage error (exit 2), as every command says it."""
    try:
        yield
    except HistoryError as exc:
        raise UserError(exc.message, exc.hint, 2) from None


def autonomy_table(standing: Standing, context: Context) -> list[dict[str, object]]:
    """For each tool and tier: the review its changes need now, the base review, and why."""
    return [{"tool": tool, "tier": tier.label, "review": decision.review.label,
             "base": base.label, "reasons": list(decision.reasons)}
            for tool, tier, base, decision in _decisions(standing, context)]


def _decisions(standing: Standing, context: Context) -> Iterator[tuple[str, Tier, Review,
                                                                       Decision]]:
    for tool in standing.record.tools():
        for tier in (Tier.LOW, Tier.MEDIUM, Tier.HIGH, Tier.CRITICAL):
            base = context.config.required_review(tier)
            yield tool, tier, base, standing.review([tool], tier, base)


def autonomy_text(standing: Standing, context: Context) -> Iterator[str]:
    yield ""
    yield "Review each tool's changes need now ([autonomy]; without it in brackets):"
    decisions = list(_decisions(standing, context))
    for tool in standing.record.tools():
        mine = [(tier, base, d) for t, tier, base, d in decisions if t == tool]
        yield f"  {tool}: " + ", ".join(
            f"{tier.label} {d.review.label}" + (f" [{base.label}]" if d.review != base else "")
            for tier, base, d in mine)
        for reason in dict.fromkeys(r for _, _, d in mine for r in d.reasons):
            yield f"    - {reason}"
        until = standing.until(tool)
        if until is not None:
            yield f"    - tightened until {when(until)}"
        guard = standing.guard_for(tool)
        if guard is not None:
            yield f"    - guard: commands of tier {guard[0].label} or higher refused ({guard[1]})"


def standing_at(context: Context, repo: Git, rev: str = "HEAD",
                record: TrackRecord | None = None) -> Standing:
    """The ``[autonomy]`` policy applied to ``rev``'s track record (``store.track``)."""
    with usage_errors():
        return track.standing_at(repo, context.config, context.rules, rev, record)


def guard_decision(context: Context, tool: str) -> tuple[Tier, str] | None:
    """The stricter guard for ``tool``'s commands after a recent incident
    (``store.guard_record``); ``None`` outside a git repository."""
    if context.workspace.git_dir is None:
        return None
    with usage_errors():
        return guard_record.guard_decision(context.workspace.git(), context.config,
                                           context.rules, tool)


def gate_standing(context: Context, repo: Git, revs: Sequence[str]) -> Standing | None:
    """What ``verify REVS`` applies (``store.track.gate_standing``)."""
    with usage_errors():
        return track.gate_standing(repo, context.config, context.rules, revs)
