"""Writing many git notes at once, as one commit on a notes ref.

``git notes add`` makes one commit per note and costs a process each (about 3 ms on a
tiny notes tree, so 30 s or more for 10,000 notes). ``git fast-import`` writes them all
in one commit (it keeps the notes tree's fan-out itself) and refuses to move the ref
unless the new commit descends from its current tip, so a note written meanwhile by a hook
is never dropped.
A merge parent can be given, which is how ``sync`` joins a remote's notes to local ones.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from countersign.store.gitcli import Git, GitError


def ref_tip(repo: Git, ref: str) -> str | None:
    """The commit ``ref`` points at, or ``None`` when it does not exist."""
    try:
        return repo.text("rev-parse", "-q", "--verify", f"{ref}^{{commit}}") or None
    except GitError:
        return None


def note_bytes(record: Any) -> bytes:
    """A record as countersign stores it: one line of JSON (ASCII-escaped when a file name
    in it is not UTF-8, so its bytes stay exact)."""
    text = json.dumps(record, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(record, separators=(",", ":"), sort_keys=True).encode("ascii")


def write_notes(
    repo: Git, ref: str, notes: Mapping[str, bytes], message: str,
    merge: Sequence[str] = (),
) -> str | None:
    """Set the note of each commit in ``notes`` on ``ref`` in one commit; returns it.

    ``merge``: further parents (notes commits whose notes this one includes). Nothing is
    written when ``notes`` is empty and there is nothing to merge.
    """
    if not notes and not merge:
        return ref_tip(repo, ref)
    tip = ref_tip(repo, ref)
    ident = repo.text("var", "GIT_COMMITTER_IDENT")
    body = message.encode("utf-8")
    parts = [f"commit {ref}\ncommitter {ident}\ndata {len(body)}\n".encode(), body, b"\n"]
    if tip:
        parts.append(f"from {tip}\n".encode())
    parts += [f"merge {m}\n".encode() for m in merge]
    for commit, data in notes.items():
        parts += [f"N inline {commit}\ndata {len(data)}\n".encode(), data, b"\n"]
    parts.append(b"done\n")
    repo.run("fast-import", "--quiet", "--done", stdin=b"".join(parts))
    return ref_tip(repo, ref)


def read_notes(repo: Git, ref: str) -> dict[str, bytes]:
    """Commit id -> note content of every note on ``ref`` (one ``cat-file`` for all)."""
    try:
        out = repo.text("notes", "--ref", ref, "list")
    except GitError:
        return {}
    blobs = {}
    for line in out.splitlines():
        blob, _, commit = line.partition(" ")
        blobs[commit] = blob
    data = repo.objects(list(blobs.values()))
    return {c: d for c, b in blobs.items() if (d := data.get(b)) is not None}
