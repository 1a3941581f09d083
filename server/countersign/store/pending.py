"""The note prepare-commit-msg leaves for the commit about to be made.

prepare-commit-msg already computes everything the note holds from the staged content, so
it leaves the finished note here, keyed by the tree and parents it was computed for;
post-commit then only attaches it (the installed shim does so with two git commands, no
Python). Only the commit id and time are unknown before the commit exists: the note holds
placeholders for them. A pending note whose key differs from the new commit's tree and
parents is never attached: the commit's note is computed afresh instead.

File format: line 1 ``<tree> <parent>...`` (git's ``%T %P``), line 2 the note's JSON.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from countersign.core.origin import Origin
from countersign.core.provenance import build_record
from countersign.store import commits
from countersign.store.commits import NOTES_REF
from countersign.store.gitcli import Git

PENDING = "countersign/pending-note"
"""Under the (per-worktree) git directory, as ``git rev-parse --git-path`` names it."""
REVISION = "@@countersign-revision@@"
TIMESTAMP = "@@countersign-timestamp@@"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
"""The record's timestamp (``core.provenance``), as git formats the commit time in UTC."""


def random_uuid() -> str:
    """A version 4 UUID (RFC 9562): the record's id, as the commit id is not known yet.

    Not ``uuid.uuid4()``: the ``uuid`` module imports ``platform``, 5-7 ms of every commit.
    """
    data = bytearray(os.urandom(16))
    data[6] = (data[6] & 0x0F) | 0x40
    data[8] = (data[8] & 0x3F) | 0x80
    h = data.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def pending_path(repo: Git) -> Path:
    return Path(repo.git_dir) / PENDING


def discard(repo: Git) -> None:
    """Forget any pending note (a commit that never finished, or one made without us)."""
    pending_path(repo).unlink(missing_ok=True)


def settle(repo: Git) -> None:
    """Before a new commit: attach a note whose post-commit never ran (skipped, killed) to
    HEAD when it was made for HEAD and HEAD has none; forget it in any case."""
    if not pending_path(repo).exists():
        return
    head = commits.head(repo)
    if head is None or commits.has_note(repo, head) or not take(repo, head):
        discard(repo)


def leave(repo: Git, parents: Sequence[str], lines: Mapping[str, Mapping[int, Origin]],
          summary: Mapping[str, Any]) -> bool:
    """Leave the note for the index's tree on top of ``parents``; False if it cannot be."""
    record = build_record(REVISION, lines, 0, summary, ident=random_uuid())
    record["timestamp"] = TIMESTAMP
    text = json.dumps(record, separators=(",", ":"), sort_keys=True, ensure_ascii=True)
    if text.count(REVISION) != 1 or text.count(TIMESTAMP) != 1 or "\n" in text:
        return False  # a path spelled like a placeholder: let post-commit compute it
    tree = repo.text("write-tree").strip()
    path = pending_path(repo)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(" ".join([tree, *parents]) + "\n" + text + "\n", encoding="ascii")
    os.replace(tmp, path)
    return True


def take(repo: Git, sha: str) -> bool:
    """Attach the pending note to ``sha`` when it was made for its tree and parents.

    The pending note is consumed either way: it can only ever belong to the commit that
    follows its prepare-commit-msg.
    """
    path = pending_path(repo)
    try:
        key, _, note = path.read_text(encoding="ascii").partition("\n")
    except (FileNotFoundError, UnicodeDecodeError):
        return False
    discard(repo)
    info = repo.text("log", "-1", "--no-show-signature", "--format=%T %P%n%ct", sha, "--")
    actual, _, seconds = info.strip().partition("\n")
    if actual.strip() != key.strip() or not note.strip():
        return False
    when = datetime.fromtimestamp(int(seconds), timezone.utc).strftime(DATE_FORMAT)
    data = note.strip().replace(REVISION, sha, 1).replace(TIMESTAMP, when, 1)
    repo.run("notes", "--ref", NOTES_REF, "add", "-f", "-F", "-", sha, stdin=data.encode())
    return True
