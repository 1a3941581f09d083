"""The gate's verdicts on the commits of a track record, read in one pass of history.

Each commit is judged as ``verify`` judges it: its tier recomputed from its content and
provenance note, the review that tier needs, and the approvals recorded for it with the
state the policy gives them. What the record does not need is left out: code owners of
the base and the gate's own files (``verify`` adds them; they change what a commit needs,
not whether an approval counts). ``countersign incident`` judges its few origin commits
with ``verify``'s own gate instead (``store.tracing.judge``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from countersign.core.config import Config
from countersign.core.incidents import UNKNOWN_TOOL
from countersign.core.origin import Origin
from countersign.core.rules import RuleSet
from countersign.core.signoff import Approval, Commit, Verdict, judge
from countersign.core.trailers import compute_stamp, parse_declared
from countersign.store import commits
from countersign.store.evidence import Evidence, legacy_approvals
from countersign.store.gitcli import Git
from countersign.store.lineage import HistoryCommit, Lines

UNKNOWN = Origin(kind="suspected", tool=UNKNOWN_TOOL)
"""Who wrote the lines of a commit without a note, when the policy counts them as AI."""


def recorded_approvals(
    repo: Git, config: Config, shas: Sequence[str]
) -> dict[str, tuple[Approval, ...]]:
    """Approvals recorded outside each commit's message, with the state their evidence
    earned (typed ``Approved-by`` trailers in the message are read by the gate itself).

    The one place the track record reads approvals: signed records of
    ``refs/notes/countersign-approvals`` checked against the policy's signers and the
    commit's content (``store.evidence``, as ``verify`` does), and legacy ``Approved-by:``
    lines in those notes (source ``note``). Forge reviews belong to one CI run, not to
    history, and are not read.
    """
    table = commits.all_notes(repo, commits.APPROVALS_REF)
    blobs = repo.objects([table[s] for s in shas if s in table])
    evidence = Evidence(repo, config, None)
    evidence.load([s for s in shas if s in table])
    out: dict[str, tuple[Approval, ...]] = {}
    for sha in shas:
        found = legacy_approvals(blobs.get(table.get(sha, ""))) + evidence.approvals(sha)
        if found:
            out[sha] = found
    return out


def judge_history(
    repo: Git, history: Sequence[HistoryCommit], notes: Mapping[str, Lines | None],
    rules: RuleSet, config: Config,
) -> dict[str, Verdict]:
    """Commit id -> the gate's verdict, for every commit of ``history``."""
    approvals = recorded_approvals(repo, config, [c.sha for c in history])
    out = {}
    for commit in history:
        out[commit.sha] = judge(_as_gate_commit(commit, notes.get(commit.sha), rules, config,
                                                approvals.get(commit.sha, ())), config)
    return out


def ai_lines_of(commit: HistoryCommit, lines: Lines | None, config: Config) -> Lines:
    """The AI lines the commit added: its note's, or every added line of a commit without
    a note when the policy counts unknown provenance as AI."""
    if lines is not None:
        return lines
    if not config.unknown_is_ai:
        return {}
    return {c.path: dict.fromkeys(c.added, UNKNOWN) for c in commit.added()}


def _as_gate_commit(
    commit: HistoryCommit, lines: Lines | None, rules: RuleSet, config: Config,
    approvals: tuple[Approval, ...],
) -> Commit:
    changes = commit.added()
    stamp = compute_stamp(changes, ai_lines_of(commit, lines, config), rules, config)
    return Commit(commit.sha, commit.subject, commit.author, parse_declared(commit.trailers),
                  stamp, lines is not None, approvals, {c.path: c.added for c in changes},
                  commit.time, committer=commit.committer)
