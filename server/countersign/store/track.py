"""The AI tools' track record and their standing under ``[autonomy]``, read from history.

The record of a commit's history over a window of days ending at its commit time is
computed from the repository alone (history, provenance notes, approvals, trailers), so
every clone computes the same figures (``core.track_record``); ``[autonomy]`` applied to it
gives each tool's standing (``core.standing``). ``countersign record`` prints them,
``verify`` and the editor's report apply them (``gate_standing``), the agent guard asks
about recent incidents (``store.guard_record``), and the commit trailers read the tables
``standing_at`` caches (``store.standing_cache``).

Plain inputs (a ``Git``, the configuration and rules), so the language server can use it
as the commands do. Failures a person can fix raise ``HistoryError``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from countersign.core.config import Config
from countersign.core.incidents import find_markers
from countersign.core.lifelines import Lifelines
from countersign.core.rules import RuleSet
from countersign.core.signoff import Verdict
from countersign.core.standing import Standing
from countersign.core.track_record import CommitFact, IncidentFact, LineFate, TrackRecord
from countersign.store import commits, standing_cache
from countersign.store.gitcli import Git, GitError
from countersign.store.lineage import HistoryCommit, Lines, notes_of, read_history, shallow_boundary
from countersign.store.tracing import HistoryError, trace
from countersign.store.verdicts import ai_lines_of, judge_history

__all__ = ["HistoryError", "base_standing", "compute_record", "gate_standing", "incident_facts",
           "range_base", "standing_at"]


def compute_record(
    repo: Git, config: Config, rules: RuleSet, rev: str = "HEAD", days: int | None = None,
    survival: int | None = None,
) -> TrackRecord:
    """The track record of ``rev``'s history over ``days`` (default ``[autonomy]``
    window_days) with lines surviving ``survival`` days (default its survival_days)."""
    policy = config.autonomy
    if commits.head(repo) is None:
        raise HistoryError("the repository has no commits yet", "commit first")
    tip = commits.resolve_commit(repo, rev)
    if tip is None:
        raise HistoryError(f"{rev!r} is not a commit in this repository",
                           "pass a commit or branch (`git log --oneline` lists them)")
    as_of = int(repo.text("log", "-1", "--format=%ct", tip, "--"))
    record = TrackRecord(as_of, days or policy.window_days, survival or policy.survival_days)
    try:
        history = read_history(repo, ["--topo-order", f"--max-age={record.since}", tip])
    except GitError as exc:
        raise HistoryError(f"git cannot read the history of {rev}: {exc.stderr.strip()}",
                           "run it in a full clone") from None
    notes = notes_of(repo, [c.sha for c in history])
    verdicts = judge_history(repo, history, notes, rules, config)
    record.history = len(history)
    record.without_notes = sum(1 for c in history if notes.get(c.sha) is None)
    record.lines = list(_fates(history, notes, verdicts, config))
    record.commits = list(_commit_facts(history, verdicts))
    trailer = policy.incident_trailer
    record.incidents = incident_facts(repo, config, rules, [
        c for c in history if find_markers(c.message, c.trailers, trailer)])
    record.problems = _problems(repo, history, record)
    return record


def incident_facts(
    repo: Git, config: Config, rules: RuleSet, fixes: Sequence[HistoryCommit]
) -> list[IncidentFact]:
    """What the record keeps of each fix: when, what kind, and the tools it implicates."""
    return [IncidentFact(i.sha, i.subject, i.time, i.kinds, tuple(i.implicated()))
            for i in trace(repo, config, rules, fixes)]


def _fates(
    history: Sequence[HistoryCommit], notes: Mapping[str, Lines | None],
    verdicts: Mapping[str, Verdict], config: Config,
) -> Iterator[LineFate]:
    children: dict[str, int] = {}
    for commit in history:
        for parent in commit.parents:
            children[parent] = children.get(parent, 0) + 1
    tracker = Lifelines(children)
    authors: dict[str, Lines] = {}
    trailer = config.autonomy.incident_trailer
    for commit in reversed(history):  # --topo-order: parents after children
        lines = ai_lines_of(commit, notes.get(commit.sha), config)
        authors[commit.sha] = lines
        revert = bool(find_markers(commit.message, commit.trailers, trailer).reverts)
        tracker.step(commit.sha, commit.parents, commit.time, revert, commit.diffs,
                     {path: set(ai) for path, ai in lines.items()})
    for fate in tracker.fates():
        origin = authors[fate.commit][fate.path][fate.line]
        yield LineFate(str(origin.tool), origin.model, verdicts[fate.commit].tier, fate.commit,
                       fate.born, fate.died, fate.reverted)


def _commit_facts(
    history: Sequence[HistoryCommit], verdicts: Mapping[str, Verdict]
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


def standing_at(repo: Git, config: Config, rules: RuleSet, rev: str = "HEAD",
                record: TrackRecord | None = None) -> Standing:
    """The ``[autonomy]`` policy applied to ``rev``'s track record (the gate's input;
    ``record``: that record, when computed already), cached for the commit trailers
    (``store.standing_cache``)."""
    policy = config.autonomy
    if record is None:
        record = compute_record(repo, config, rules, rev, policy.days_needed,
                                policy.survival_days)
    standing = Standing(policy, record)
    sha = commits.resolve_commit(repo, rev)
    if sha is not None:
        standing_cache.save(repo.git_dir, standing_cache.policy_key(config, rules),
                            standing.table(sha))
    return standing


def gate_standing(repo: Git, config: Config, rules: RuleSet,
                  revs: Sequence[str]) -> Standing | None:
    """What ``verify REVS`` applies: ``[autonomy]`` over the record of the history the range
    builds on (``None`` without ``[autonomy]``), so a change never counts towards its own
    record and cannot date itself out of a tightening.

    That history ends at ``range_base``. A range reaching the first commit builds on
    nothing: an empty record.
    """
    if not config.autonomy.active:
        return None
    return base_standing(repo, config, rules, range_base(repo, revs))


def base_standing(repo: Git, config: Config, rules: RuleSet, base: str | None) -> Standing:
    """``[autonomy]`` over the record of ``base``'s history; with no base (a range reaching
    the first commit) an empty record."""
    policy = config.autonomy
    if base is None:
        return Standing(policy, TrackRecord(0, policy.days_needed, policy.survival_days))
    return standing_at(repo, config, rules, base)


def range_base(repo: Git, revs: Sequence[str]) -> str | None:
    """The commit the range ``revs`` (git rev-list syntax) builds on, if any: ``A`` of
    ``A..B`` (or ``^A``), the base branch the policy comes from; else the newest commit
    just outside the range.

    Not the gate's code-owner base (``store.judging.owners_base``), which agrees on ``A..B``
    and ``^A`` but otherwise takes the oldest commit's first parent: code owners are read
    from the tree the range's first change was made on, while the record should know every
    incident the range does not itself hold, and the newest commit outside it knows the
    most (on a range with merges the oldest commit's first parent can be much older). Made
    one, either ``verify``'s owners or its standing would change; so they stay two.
    """
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
