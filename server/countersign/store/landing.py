"""How a pull request landed on its target branch, told by content, and the notes it needs.

A forge lands a pull request in one of three ways, and only content tells them apart:

- **merge** (or fast-forward): the pull request's head is in the target's history; its
  commits landed as they are, with their notes. Nothing to write.
- **rebase**: each commit was re-applied; the landed commits are a run of the target's
  first-parent history whose patches (``git patch-id --stable``) are those of the pull
  request's commits. Each landed commit takes its source commit's note, moved onto the
  landed content (as ``post-rewrite`` does locally).
- **squash**: one new commit whose patch is none of the pull request's commits. Its lines
  are traced by ``git blame`` of the pull request's head to the commit that wrote them,
  whose note names the tool (``store.inherit.from_history``).

Counting commits cannot tell these apart (a one-commit pull request squashed or rebased
lands the same patch, and then either reading gives the same note).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from countersign.core.trailers import Stamp
from countersign.store import commits, inherit
from countersign.store.gitcli import Git
from countersign.store.stamping import Stamper

KINDS = ("merge", "fast-forward", "rebase", "squash")


@dataclass(frozen=True)
class Landing:
    """What landing ``head`` as ``landed`` did."""

    kind: str
    """One of ``KINDS``."""
    landed: str
    head: str
    base: str
    """Where the pull request forked from the target (their merge base)."""
    sources: tuple[str, ...]
    """The pull request's commits, oldest first (merges left out)."""
    pairs: tuple[tuple[str, str], ...] = ()
    """Rebase: (landed commit, the source commit it re-applies), oldest first."""


def classify(repo: Git, landed: str, head: str) -> Landing:
    """Tell how ``head`` (the pull request's last commit) landed as ``landed``."""
    base = repo.text("merge-base", landed, head)
    sources = tuple(repo.text("rev-list", "--reverse", "--no-merges", f"{base}..{head}",
                              "--").split())
    if base == head:
        kind = "merge" if len(commits.parents_of(repo, landed)) > 1 else "fast-forward"
        return Landing(kind, landed, head, base, sources)
    by_patch = {pid: sha for sha, pid in patch_ids(repo, sources).items()}
    chain = repo.text("rev-list", "--first-parent", f"--max-count={max(len(sources), 1)}",
                      landed, "--").split()
    landed_ids = patch_ids(repo, chain)
    pairs: list[tuple[str, str]] = []
    for sha in chain:  # newest first: the run of re-applied commits ends at ``landed``
        source = by_patch.get(landed_ids.get(sha, ""))
        if source is None:
            break
        pairs.append((sha, source))
    if pairs:
        return Landing("rebase", landed, head, base, sources, tuple(reversed(pairs)))
    return Landing("squash", landed, head, base, sources)


def patch_ids(repo: Git, shas: Sequence[str]) -> dict[str, str]:
    """Commit -> ``git patch-id --stable`` of its diff (merges and empty commits have none)."""
    if not shas:
        return {}
    patches = repo.run("log", "--no-walk=unsorted", "--format=commit %H", "-p", "--no-color",
                       "--no-ext-diff", "--no-textconv", "--full-index", "--binary", *shas,
                       "--")
    out = repo.text("patch-id", "--stable", stdin=patches)
    ids = {}
    for line in out.splitlines():
        pid, _, sha = line.partition(" ")
        ids[sha] = pid
    return ids


@dataclass(frozen=True)
class Written:
    """A note ``land`` wrote, and what it says."""

    sha: str
    stamp: Stamp
    source: str | None = None
    """Rebase: the pull request commit whose note it carries."""


def land(stamper: Stamper, landing: Landing) -> list[Written]:
    """Write the notes the landed commits need; returns them (none for a merge)."""
    repo = stamper.repo
    if landing.kind == "rebase":
        return [Written(new, stamper.write_note(new, carry_from=old), old)
                for new, old in landing.pairs if commits.has_note(repo, old)]
    if landing.kind != "squash":
        return []
    parents = commits.parents_of(repo, landing.landed)
    changes = commits.commit_changes(repo, landing.landed, parents)
    lines = inherit.from_history(repo, landing.head, [landing.base, *parents], changes)
    own = _own_lines(stamper, landing.landed)
    stamper.inherited = inherit.merged(own, lines)
    try:
        return [Written(landing.landed, stamper.write_note(landing.landed))]
    finally:
        stamper.inherited = {}


def _own_lines(stamper: Stamper, sha: str) -> inherit.Lines:
    """Lines a note already on ``sha`` names (landing twice must not lose them)."""
    return inherit.NoteCache(stamper.repo).lines(sha) or {}


def resolve(repo: Git, rev: str, what: str) -> str:
    """The commit ``rev`` names; ``LookupError`` naming ``what`` when there is none."""
    sha = commits.resolve_commit(repo, rev)
    if sha is None:
        raise LookupError(f"{what} {rev!r} is not a commit in this clone")
    return sha

