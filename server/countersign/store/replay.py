"""Local workflows that re-apply noted commits: ``merge --squash``, cherry-pick, autosquash.

git copies notes only on amend and rebase (``notes.rewriteRef``). The commit hooks call
these to give the new commit the provenance of the commits it re-applies:

- ``git merge --squash B`` + ``git commit``: ``prepare-commit-msg`` sees ``SQUASH_MSG``
  (git lists the squashed commits in it) and remembers the squashed tip for
  ``post-commit``, which runs after git has removed that file;
- ``git cherry-pick`` (with ``-x`` or not): ``CHERRY_PICK_HEAD`` while git commits, the
  ``(cherry picked from commit X)`` line, or, after a conflict was resolved by hand, the
  noted commit with the same author and author date;
- ``git rebase --autosquash``: ``post-rewrite`` lists a fixup and its target as rewritten
  into one commit; the notes of both are joined.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from countersign.store import commits, inherit
from countersign.store.gitcli import Git
from countersign.store.stamping import Stamper

SQUASH_STATE = "COUNTERSIGN_SQUASH"
_LISTED = re.compile(r"^commit ([0-9a-f]{40,64})$", re.MULTILINE)
_PICKED = re.compile(r"^\(cherry picked from commit ([0-9a-f]{40,64})\)$", re.MULTILINE)


def _state(repo: Git) -> Path:
    return Path(repo.git_dir) / SQUASH_STATE


def prepare_squash(stamper: Stamper, head: str | None, parents: Sequence[str]) -> None:
    """In ``prepare-commit-msg``: when committing a ``merge --squash``, take the squashed
    commits' lines for the stamp and remember them for ``post-commit``."""
    repo = stamper.repo
    state = _state(repo)
    squash = Path(repo.git_dir) / "SQUASH_MSG"
    if not squash.exists() or head is None:
        state.unlink(missing_ok=True)  # a squash abandoned earlier must not leak
        return
    listed = _LISTED.findall(squash.read_text(encoding="utf-8", errors="replace"))
    if not listed:
        return
    changes = commits.staged_changes(repo, parents)
    stamper.inherited = inherit.from_history(repo, listed[0], [head], changes)
    state.write_text(f"{head} {listed[0]}\n", encoding="utf-8")


def inherit_for(stamper: Stamper, sha: str) -> None:
    """In ``post-commit``: set ``stamper.inherited`` to the lines ``sha`` re-applies from a
    squashed branch or a cherry-picked commit (nothing for an ordinary commit, which costs
    no git process: the signs are files in the git directory)."""
    repo = stamper.repo
    squash = _take_squash(repo)
    picking = (Path(repo.git_dir) / "CHERRY_PICK_HEAD").exists() or _reflog_says_cherry_pick(repo)
    if squash is None and not picking:
        return
    parents = commits.parents_of(repo, sha)
    changes = commits.commit_changes(repo, sha, parents)
    if squash is not None and parents[:1] == [squash[0]]:
        stamper.inherited = inherit.from_history(repo, squash[1], parents, changes)
    elif picking and (picked := picked_from(repo, sha)) is not None:
        stamper.inherited = inherit.from_notes(repo, [picked], changes)


def _take_squash(repo: Git) -> tuple[str, str] | None:
    """(HEAD then, squashed tip) as ``prepare-commit-msg`` remembered them; forgotten once
    read."""
    state = _state(repo)
    try:
        head, tip = state.read_text(encoding="utf-8").split()
    except (OSError, ValueError):
        return None
    state.unlink(missing_ok=True)
    return head, tip


def picked_from(repo: Git, sha: str) -> str | None:
    """The commit ``sha`` was cherry-picked from, when it has a note: ``CHERRY_PICK_HEAD``,
    else the ``-x`` line, else the noted commit with the same author and author date."""
    pick_head = Path(repo.git_dir) / "CHERRY_PICK_HEAD"
    candidates: list[str] = []
    if pick_head.exists():
        candidates += pick_head.read_text(encoding="utf-8", errors="replace").split()[:1]
    else:
        message = repo.text("log", "-1", "--format=%B", sha, "--")
        candidates += reversed(_PICKED.findall(message))
        candidates += _same_authorship(repo, sha)
    return next((c for c in candidates if c != sha and commits.has_note(repo, c)), None)


def _reflog_says_cherry_pick(repo: Git) -> bool:
    """Whether HEAD's last reflog entry is ``commit (cherry-pick)``: a cherry-pick whose
    conflict was resolved by hand, after git removed ``CHERRY_PICK_HEAD``."""
    try:
        with (Path(repo.git_dir) / "logs" / "HEAD").open("rb") as log:
            log.seek(0, 2)
            log.seek(max(0, log.tell() - 4096))
            last = log.read().rstrip(b"\n").rsplit(b"\n", 1)[-1]
    except OSError:
        return False
    return b"\tcommit (cherry-pick): " in last


def _same_authorship(repo: Git, sha: str) -> list[str]:
    """Noted commits with ``sha``'s author, author date and subject (a cherry-pick keeps
    them)."""
    noted = [c for c in commits.all_notes(repo) if c != sha]
    if not noted:
        return []
    fmt = "--format=%H %at %ae %s"
    mine = repo.text("log", "-1", fmt, sha, "--").split(" ", 1)[1]
    out = repo.text("log", "--no-walk=unsorted", "--stdin", fmt,
                    stdin="".join(f"{c}\n" for c in noted).encode())
    return [line.split(" ", 1)[0] for line in out.splitlines()
            if line.split(" ", 1)[1:] == [mine]]


def rewritten(stamper: Stamper, pairs: Sequence[tuple[str, str]]) -> None:
    """In ``post-rewrite``: each new commit takes the notes of the commits it replaces
    (several when a fixup or squash was folded into it)."""
    repo = stamper.repo
    olds_of: dict[str, list[str]] = {}
    for old, new in pairs:
        olds_of.setdefault(new, []).append(old)
    for new, olds in olds_of.items():
        noted = [o for o in olds if commits.has_note(repo, o)]
        if len(noted) == 1:
            stamper.write_note(new, carry_from=noted[0])
        elif noted:
            changes = commits.commit_changes(repo, new, commits.parents_of(repo, new))
            stamper.inherited = inherit.from_notes(repo, noted, changes)
            try:
                stamper.write_note(new)
            finally:
                stamper.inherited = {}
