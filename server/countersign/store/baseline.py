"""Which commits of a run are before countersign's adoption baseline (``core.adoption``)."""

from __future__ import annotations

from collections.abc import Sequence

from countersign.core.adoption import ProvenancePolicy
from countersign.store import commits
from countersign.store.commits import LoggedCommit
from countersign.store.gitcli import Git, GitError


def has_base(revs: Sequence[str]) -> bool:
    """Whether ``revs`` exclude a base (``A..B``, ``A...B``, ``^A``, ``--not``): then every
    commit listed is new work, judged in full."""
    return any((".." in r or r.startswith("^") or r == "--not") and not r.startswith("--no-")
               for r in revs)


def before_baseline(
    repo: Git, policy: ProvenancePolicy, revs: Sequence[str], logged: Sequence[LoggedCommit],
    problems: list[str] | None = None,
) -> set[str]:
    """The commits of ``logged`` (listed by ``revs``) that are before the baseline."""
    if policy.baseline is None or has_base(revs) or not logged:
        return set()
    when = policy.baseline_time
    if when is not None:
        return {c.sha for c in logged if c.time < when}
    sha = commits.resolve_commit(repo, policy.baseline)
    if sha is None:
        if problems is not None:
            problems.append(f"the adoption baseline {policy.baseline!r} ([provenance] "
                            "baseline) is not a commit here; every commit is judged")
        return set()
    try:
        after = set(repo.text("rev-list", *revs, f"^{sha}", "--").split())
    except GitError:
        return set()
    return {c.sha for c in logged if c.sha not in after}
