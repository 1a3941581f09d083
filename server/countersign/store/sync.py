"""Sharing countersign's notes with a remote without ever overwriting either side.

A careless ``+refs/notes/*:refs/notes/*`` fetch replaces local notes with the remote's.
Instead, a remote's notes are fetched beside the local ones, into
``refs/notes/remotes/REMOTE/countersign*`` (forced: they are only a copy, like a
remote-tracking branch), and then merged into the local refs:

- ``refs/notes/countersign`` (provenance) with git's ``union`` strategy: when both sides
  noted a commit differently the note holds both records, and countersign's readers
  combine them (``core.provenance.combine_records``: every AI line of either);
- ``refs/notes/countersign-approvals`` with ``cat_sort_uniq``: one JSON record per line,
  so the merged note is every approval of either side, once.

The strategies are also set as ``notes.<ref>.mergeStrategy``, so a hand-run
``git notes merge`` does the same. Pushing is a plain fast-forward push of the local refs
(a remote that moved is fetched and merged first, then pushed again), run by ``countersign
sync --push`` or by the ``pre-push`` hook when the user pushes: never behind their back.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from countersign.store.commits import APPROVALS_REF, NOTES_REF
from countersign.store.gitcli import Git, GitError
from countersign.store.notestore import ref_tip

REFS = (NOTES_REF, APPROVALS_REF)
STRATEGY = {NOTES_REF: "union", APPROVALS_REF: "cat_sort_uniq"}
PUSHING = "COUNTERSIGN_SYNC_PUSH"
"""Set while ``push`` runs ``git push``, so the ``pre-push`` hook it triggers stays quiet."""
PUSH_SETTING = "countersign.pushNotes"
"""``git config countersign.pushNotes false`` stops the ``pre-push`` hook pushing notes."""
_FALLBACK_IDENT = ("-c", "user.name=countersign", "-c", "user.email=countersign@localhost")


class SyncError(Exception):
    """A fetch, merge or push of notes failed; the message says what git said."""


def tracking(remote: str, ref: str) -> str:
    """Where ``ref`` of ``remote`` is fetched to: ``refs/notes/remotes/REMOTE/NAME``."""
    return f"refs/notes/remotes/{remote}/{ref.removeprefix('refs/notes/')}"


def fetch_spec(remote: str) -> str:
    return f"+refs/notes/countersign*:{tracking(remote, 'refs/notes/countersign*')}"


def remotes(repo: Git) -> list[str]:
    try:
        return repo.text("remote").split()
    except GitError:
        return []


def configure(repo: Git, remote: str) -> list[str]:
    """Fetch ``remote``'s notes beside local ones, and set the merge strategies; returns
    what changed, one line each (nothing when already so)."""
    done = []
    spec = fetch_spec(remote)
    if spec not in repo.config_all(f"remote.{remote}.fetch"):
        repo.run("config", "--add", f"remote.{remote}.fetch", spec)
        done.append(f"remote.{remote}.fetch: added {spec} (remote notes are fetched beside "
                    "yours, then merged)")
    for ref, strategy in STRATEGY.items():
        key = f"notes.{ref.removeprefix('refs/notes/')}.mergeStrategy"
        if repo.config(key) != strategy:
            repo.run("config", key, strategy)
            done.append(f"{key}: {strategy}")
    return done


def configured(repo: Git, remote: str) -> bool:
    return fetch_spec(remote) in repo.config_all(f"remote.{remote}.fetch")


def fetch(repo: Git, remote: str) -> None:
    """Fetch ``remote``'s countersign notes into their tracking refs (never the local ones)."""
    try:
        repo.run("fetch", "--quiet", "--no-write-fetch-head", remote, fetch_spec(remote))
    except GitError as exc:
        raise SyncError(f"git fetch {remote} failed: {exc.stderr.strip()}") from None


@dataclass(frozen=True)
class Merged:
    ref: str
    how: str
    """``up to date``, ``created``, ``fast-forward``, ``merged (STRATEGY)`` or ``nothing
    fetched``."""


def merge(repo: Git, remote: str) -> list[Merged]:
    """Merge the fetched notes of ``remote`` into the local refs; local notes are kept."""
    return [_merge_one(repo, ref, tracking(remote, ref)) for ref in REFS]


def _merge_one(repo: Git, ref: str, theirs_ref: str) -> Merged:
    theirs, ours = ref_tip(repo, theirs_ref), ref_tip(repo, ref)
    if theirs is None:
        return Merged(ref, "nothing fetched")
    if ours is None:
        repo.run("update-ref", ref, theirs, "")
        return Merged(ref, "created")
    if theirs == ours or repo.ok("merge-base", "--is-ancestor", theirs, ours):
        return Merged(ref, "up to date")
    if repo.ok("merge-base", "--is-ancestor", ours, theirs):
        repo.run("update-ref", ref, theirs, ours)
        return Merged(ref, "fast-forward")
    try:
        repo.run(*_ident(repo), "notes", "--ref", ref, "merge", "--quiet",
                 "--strategy", STRATEGY[ref], theirs_ref)
    except GitError as exc:
        raise SyncError(f"git notes merge into {ref} failed: {exc.stderr.strip()}") from None
    return Merged(ref, f"merged ({STRATEGY[ref]})")


def _ident(repo: Git) -> Sequence[str]:
    """A committer for the notes merge commit when git has none (a bare CI runner)."""
    return () if repo.ok("var", "GIT_COMMITTER_IDENT") else _FALLBACK_IDENT


def merge_fetched(repo: Git) -> list[Merged]:
    """Merge every remote's fetched notes (``post-merge`` runs it after ``git pull``)."""
    return [m for remote in remotes(repo) if configured(repo, remote)
            for m in merge(repo, remote) if m.how not in ("up to date", "nothing fetched")]


@dataclass(frozen=True)
class Pushed:
    ref: str
    how: str
    """``pushed``, ``up to date`` or ``nothing to push``."""


def push(repo: Git, remote: str) -> list[Pushed]:
    """Push the local notes refs to ``remote`` (fast-forward only: merged first if the
    remote moved)."""
    out = []
    for ref in REFS:
        ours = ref_tip(repo, ref)
        if ours is None:
            out.append(Pushed(ref, "nothing to push"))
        elif ours == ref_tip(repo, tracking(remote, ref)):
            out.append(Pushed(ref, "up to date"))
        else:
            _push_one(repo, remote, ref)
            out.append(Pushed(ref, "pushed"))
    return out


def _push_one(repo: Git, remote: str, ref: str) -> None:
    for attempt in range(2):
        try:
            _git_push(repo, remote, ref)
        except GitError as exc:
            behind = "rejected" in exc.stderr or "fetch first" in exc.stderr
            if attempt == 1 or not behind:
                raise SyncError(f"git push {remote} {ref} failed: {exc.stderr.strip()}") \
                    from None
            fetch(repo, remote)  # someone pushed notes meanwhile: merge theirs, then again
            _merge_one(repo, ref, tracking(remote, ref))
            continue
        tip = ref_tip(repo, ref)
        if tip:
            repo.run("update-ref", tracking(remote, ref), tip)
        return


def _git_push(repo: Git, remote: str, ref: str) -> None:
    previous = os.environ.get(PUSHING)
    os.environ[PUSHING] = "1"
    try:
        repo.run("push", "--quiet", "--no-verify", remote, f"{ref}:{ref}")
    finally:
        if previous is None:
            os.environ.pop(PUSHING, None)
        else:
            os.environ[PUSHING] = previous


def pushes_notes(repo: Git, remote: str) -> bool:
    """Whether the ``pre-push`` hook pushes notes to ``remote``: it was configured by
    ``sync`` or ``hook install``, and ``countersign.pushNotes`` is not false."""
    if os.environ.get(PUSHING):
        return False
    setting = (repo.config(PUSH_SETTING) or "true").lower()
    return setting not in ("false", "no", "off", "0") and configured(repo, remote)
