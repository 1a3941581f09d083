"""``countersign record [REV]``: each AI tool's track record, and the review it has earned.

Computed from the repository alone (history, provenance notes, approvals, trailers) over a
window of days ending at REV's commit time, so every clone computes the same figures; see
``core.track_record``. With an ``[autonomy]`` policy it also prints the review each tool's
changes need at each tier now, and why.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from countersign import __version__
from countersign.cli.common import Context, repository_context
from countersign.cli.errors import UserError
from countersign.cli.incident import find_fixes, trace
from countersign.core.incident_report import when
from countersign.core.incidents import Implication, find_markers
from countersign.core.lifelines import Lifelines
from countersign.core.signoff import Verdict
from countersign.core.standing import Decision, Standing
from countersign.core.tiers import Review, Tier
from countersign.core.track_record import (
    CommitFact,
    IncidentFact,
    LineFate,
    TrackRecord,
    render_text,
)
from countersign.store import commits, standing_cache
from countersign.store.gitcli import Git, GitError
from countersign.store.lineage import HistoryCommit, Lines, notes_of, read_history, shallow_boundary
from countersign.store.verdicts import ai_lines_of, judge_history


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
        print(render_text(record, args.rev, extra))
    return 0


def compute_record(
    context: Context, repo: Git, rev: str = "HEAD", days: int | None = None,
    survival: int | None = None,
) -> TrackRecord:
    """The track record of ``rev``'s history over ``days`` (see the module docstring)."""
    policy = context.config.autonomy
    if commits.head(repo) is None:
        raise UserError("the repository has no commits yet", "commit first", 2)
    tip = commits.resolve_commit(repo, rev)
    if tip is None:
        raise UserError(f"{rev!r} is not a commit in this repository",
                        "pass a commit or branch (`git log --oneline` lists them)", 2)
    as_of = int(repo.text("log", "-1", "--format=%ct", tip, "--"))
    record = TrackRecord(as_of, days or policy.window_days, survival or policy.survival_days)
    try:
        history = read_history(repo, ["--topo-order", f"--max-age={record.since}", tip])
    except GitError as exc:
        raise UserError(f"git cannot read the history of {rev}: {exc.stderr.strip()}",
                        "run it in a full clone", 2) from None
    notes = notes_of(repo, [c.sha for c in history])
    verdicts = judge_history(repo, history, notes, context.rules, context.config)
    record.history = len(history)
    record.without_notes = sum(1 for c in history if notes.get(c.sha) is None)
    record.lines = list(_fates(history, notes, verdicts, context))
    record.commits = list(_commit_facts(history, notes, verdicts, context))
    trailer = policy.incident_trailer
    record.incidents = incident_facts(context, repo, [
        c for c in history if find_markers(c.message, c.trailers, trailer)])
    record.problems = _problems(repo, history, record)
    return record


def incident_facts(
    context: Context, repo: Git, fixes: Sequence[HistoryCommit]
) -> list[IncidentFact]:
    return [IncidentFact(i.sha, i.subject, i.time, i.kinds, tuple(i.implicated()))
            for i in trace(context, repo, fixes)]


def _origin_lines(commit: HistoryCommit, notes: Mapping[str, Lines | None],
                  context: Context) -> Lines:
    return ai_lines_of(commit, notes.get(commit.sha), context.config)


def _fates(
    history: Sequence[HistoryCommit], notes: Mapping[str, Lines | None],
    verdicts: Mapping[str, Verdict], context: Context,
) -> Iterator[LineFate]:
    children: dict[str, int] = {}
    for commit in history:
        for parent in commit.parents:
            children[parent] = children.get(parent, 0) + 1
    tracker = Lifelines(children)
    authors: dict[str, Lines] = {}
    trailer = context.config.autonomy.incident_trailer
    for commit in reversed(history):  # --topo-order: parents after children
        lines = _origin_lines(commit, notes, context)
        authors[commit.sha] = lines
        revert = bool(find_markers(commit.message, commit.trailers, trailer).reverts)
        tracker.step(commit.sha, commit.parents, commit.time, revert, commit.diffs,
                     {path: set(ai) for path, ai in lines.items()})
    for fate in tracker.fates():
        origin = authors[fate.commit][fate.path][fate.line]
        yield LineFate(str(origin.tool), origin.model, verdicts[fate.commit].tier, fate.commit,
                       fate.born, fate.died, fate.reverted)


def _commit_facts(
    history: Sequence[HistoryCommit], notes: Mapping[str, Lines | None],
    verdicts: Mapping[str, Verdict], context: Context,
) -> Iterator[CommitFact]:
    for commit in history:
        verdict = verdicts[commit.sha]
        counted = sum(1 for a in verdict.approvals if a.counts)
        by_tool: dict[tuple[str, str | None], int] = {}
        for lines in verdict.commit.recomputed.ai_lines.values():
            for origin in lines.values():
                key = (str(origin.tool), origin.model)
                by_tool[key] = by_tool.get(key, 0) + 1
        for (tool, model), count in sorted(by_tool.items(), key=lambda kv: kv[0][0]):
            yield CommitFact(commit.sha, commit.time, tool, model, verdict.tier, count, counted)


def _problems(repo: Git, history: Sequence[HistoryCommit], record: TrackRecord) -> list[str]:
    out = []
    edge = shallow_boundary(repo) & {c.sha for c in history}
    if edge:
        out.append(f"shallow clone: history before {', '.join(sorted(s[:10] for s in edge))} "
                   f"is missing, so the window may start late; run `git fetch --unshallow`")
    if history and record.without_notes == len(history):
        out.append("no commit in the window has a provenance note: fetch the notes (git "
                   "fetch origin 'refs/notes/countersign*:refs/notes/countersign*') or "
                   "install the hooks (`countersign hook install`)")
    return out


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
    """The ``[autonomy]`` policy applied to ``rev``'s track record (the gate's input;
    ``record``: that record, when computed already), cached for the commit trailers
    (``store.standing_cache``)."""
    policy = context.config.autonomy
    if record is None:
        record = compute_record(context, repo, rev, policy.days_needed, policy.survival_days)
    standing = Standing(policy, record)
    sha = commits.resolve_commit(repo, rev)
    git_dir = context.workspace.git_dir
    if sha is not None and git_dir is not None:
        standing_cache.save(git_dir, standing_cache.policy_key(context.config, context.rules),
                            standing.table(sha))
    return standing


GUARD_CACHE = "autonomy-guard.json"
"""Under the git dir's ``countersign/``: the incidents the guard last read, by HEAD."""


def guard_decision(context: Context, tool: str) -> tuple[Tier, str] | None:
    """The stricter guard tier for ``tool``'s commands and why, when ``[autonomy.guard]``
    is set and an incident of its last days implicates ``tool``; ``None`` otherwise.

    The guard runs before every shell command an agent runs, so the incidents are cached
    under the git directory until HEAD, the notes or the policy change.
    """
    rule = context.config.autonomy.guard
    git_dir = context.workspace.git_dir
    if rule is None or git_dir is None:
        return None
    repo = context.workspace.git()
    tip = commits.head(repo)
    if tip is None:
        return None
    key = _guard_key(context, repo, tip)
    path = git_dir / "countersign" / GUARD_CACHE
    record = _cached(path, key)
    if record is None:
        record = recent_incidents(context, repo, tip, rule.days)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"key": key, "record": _facts_json(record)}), "utf-8")
    return Standing(context.config.autonomy, record).guard_for(tool)


def recent_incidents(context: Context, repo: Git, tip: str, days: int) -> TrackRecord:
    """A record holding only the incidents of ``tip``'s last ``days``."""
    as_of = int(repo.text("log", "-1", "--format=%ct", tip, "--"))
    record = TrackRecord(as_of, days, context.config.autonomy.survival_days)
    fixes = find_fixes(repo, [], [f"--max-age={record.since}", tip],
                       context.config.autonomy.incident_trailer)
    record.incidents = incident_facts(context, repo, fixes)
    return record


def _guard_key(context: Context, repo: Git, tip: str) -> str:
    refs = [commits.resolve_commit(repo, ref) or "" for ref in
            (commits.NOTES_REF, commits.APPROVALS_REF)]
    text = "\0".join([__version__, tip, *refs, repr(context.config.autonomy),
                      str(context.config.unknown_provenance)])
    return hashlib.sha256(text.encode()).hexdigest()


def _facts_json(record: TrackRecord) -> dict[str, Any]:
    return {"as_of": record.as_of, "days": record.window_days,
            "survival": record.survival_days,
            "incidents": [[i.sha, i.subject, i.time, list(i.kinds),
                           [[m.tool, m.model, int(m.tier), m.lines, list(m.commits)]
                            for m in i.implicated]] for i in record.incidents]}


def _cached(path: Path, key: str) -> TrackRecord | None:
    try:
        data = json.loads(path.read_text("utf-8"))
        if data["key"] != key:
            return None
        facts = data["record"]
        return TrackRecord(facts["as_of"], facts["days"], facts["survival"], incidents=[
            IncidentFact(sha, subject, time, tuple(kinds), tuple(
                Implication(tool, model, Tier(tier), lines, tuple(shas))
                for tool, model, tier, lines, shas in implicated))
            for sha, subject, time, kinds, implicated in facts["incidents"]])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def gate_standing(context: Context, repo: Git, revs: Sequence[str]) -> Standing | None:
    """What ``verify REVS`` applies: ``[autonomy]`` over the record of the history the range
    builds on (``None`` without ``[autonomy]``), so a change never counts towards its own
    record and cannot date itself out of a tightening.

    That history ends at ``A`` of ``A..B`` (or ``^A``): the base branch the policy comes
    from; else at the newest commit just outside the range. A range reaching the first
    commit builds on nothing: an empty record.
    """
    policy = context.config.autonomy
    if not policy.active:
        return None
    base = range_base(repo, revs)
    if base is None:
        return Standing(policy, TrackRecord(0, policy.days_needed, policy.survival_days))
    return standing_at(context, repo, base)


def range_base(repo: Git, revs: Sequence[str]) -> str | None:
    """The commit the range ``revs`` (git rev-list syntax) builds on, if any."""
    for rev in revs:
        if ".." in rev and not rev.startswith("-"):
            return rev.split("..")[0] or "HEAD"
        if rev.startswith("^"):
            return rev[1:]
    lines = repo.text("rev-list", "--boundary", *revs, "--").splitlines()
    boundary = [line[1:] for line in lines if line.startswith("-")]
    if not boundary:
        return None
    times = repo.text("log", "--no-walk=unsorted", "--format=%ct", *boundary, "--").split()
    return max(zip(boundary, map(int, times), strict=True), key=lambda bt: bt[1])[0]
