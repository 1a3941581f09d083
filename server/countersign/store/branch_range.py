"""Which commits the editor's report judges: what the branch adds over the branch it is
compared with, or, when there is none, HEAD and the commits just before it. Bounded.

The branch it is compared with (its *base*) is, unless the client names one:

1. the branch's upstream (``@{upstream}``), as ``git status`` compares with it, except
2. when the upstream is the pushed copy of this very branch (``feature`` tracking
   ``origin/feature``) and the remote names a default branch (``origin/HEAD``, set by
   ``git clone`` or ``git remote set-head origin --auto``): then that default branch, so
   a pushed feature branch still shows the commits of its pull request, not none;
3. no upstream (a detached HEAD, a branch never pushed): no base; HEAD and the
   ``RECENT - 1`` commits before it.

Only the newest ``limit`` commits of the range are judged (``BranchRange.omitted`` says how
many more it holds); ``verify_args`` judges them all in a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass

from countersign.store import commits
from countersign.store.gitcli import Git, GitError

RECENT = 10
"""Commits judged when there is no base: HEAD and the 9 before it."""


class RangeError(Exception):
    """There is nothing to judge (no commits yet), or the base named is not a commit."""


@dataclass(frozen=True)
class BranchRange:
    """The commits to judge, as git rev-list arguments, and how to say which they are."""

    revs: tuple[str, ...]
    """Bounded, by commit ids (a name starting with ``-`` can never become an option)."""
    label: str
    """``origin/main..HEAD``, or ``HEAD and the 9 commits before it``."""
    base: str | None
    omitted: int
    """Commits of the range past the bound: not in ``revs``."""
    verify_args: tuple[str, ...]
    """``countersign verify`` arguments judging the same commits (all of them)."""
    whole: tuple[str, ...] = ()
    """The range ``verify_args`` names, by commit ids: what the AI tools' standing is read
    from (``store.track.gate_standing``), as ``verify`` reads it."""


def branch_range(repo: Git, base: str | None = None, limit: int = 50) -> BranchRange:
    """The commits of HEAD's branch to judge: over ``base`` (default: see the module
    docstring), the newest ``limit`` of them."""
    head = commits.head(repo)
    if head is None:
        raise RangeError("the repository has no commits yet: there is nothing to sign off")
    base = base or default_base(repo)
    if base is None:
        total = min(RECENT, int(repo.text("rev-list", "--count", f"--max-count={RECENT}",
                                          head, "--")))
        before = f"the {total - 1} commit{'s' if total != 2 else ''} before it" \
            if total > 1 else "no commit before it"
        return BranchRange((f"--max-count={min(limit, RECENT)}", head),
                           f"HEAD and {before} (no upstream)", None, max(0, total - limit),
                           ("--", f"--max-count={RECENT}", "HEAD"),
                           (f"--max-count={RECENT}", head))
    sha = commits.resolve_commit(repo, base)
    if sha is None:
        raise RangeError(f"{base!r} is not a commit here: name a branch to compare with, "
                         "e.g. origin/main (git fetch first)")
    total = int(repo.text("rev-list", "--count", f"{sha}..{head}", "--"))
    return BranchRange((f"--max-count={limit}", f"{sha}..{head}"), f"{base}..HEAD", base,
                       max(0, total - limit), (f"{base}..HEAD",), (f"{sha}..{head}",))


def default_base(repo: Git) -> str | None:
    """The branch HEAD's branch is compared with (module docstring), or ``None``."""
    upstream = _text(repo, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}")
    if upstream is None:
        return None
    branch = _text(repo, "symbolic-ref", "-q", "--short", "HEAD")
    remote = _text(repo, "config", "--get", f"branch.{branch}.remote") if branch else None
    if remote is None or remote == "." or upstream != f"{remote}/{branch}":
        return upstream
    default = _text(repo, "symbolic-ref", "-q", "--short", f"refs/remotes/{remote}/HEAD")
    return default if default and default != upstream else upstream


def _text(repo: Git, *args: str) -> str | None:
    """What git prints, or ``None`` when it fails or prints nothing."""
    try:
        return repo.text(*args).strip() or None
    except GitError:
        return None
