"""What an approval is bound to (a commit's content digest) and where approvals live.

**Content digest.** ``sha256:<hex>`` over the commit's change against its first parent
(the empty tree for a root commit), read with ``git diff-tree --raw -z``: for every
changed path, the old and new mode and the old and new blob id. A blob id is git's hash of
every byte of the file, so the digest changes with any byte (whitespace included) or mode
of the change, and stays the same after a message-only amend or a rebase over commits
that touch other files. Raw records are used rather than the ``-p`` patch text because a
patch depends on the reader's attributes (``.gitattributes`` in the working tree,
``.git/info/attributes``: ``-diff`` turns a text hunk into a binary patch, a ``diff=``
driver rewrites hunk headers), so two machines could digest the same commit differently;
the raw records do not depend on any configuration. (The patch with ``--full-index``
names the same blob ids, so it distinguishes exactly the same changes.)

**Storage.** Each approval is one line of JSON (a DSSE envelope) appended to the note on
the approved commit under ``refs/notes/countersign-approvals``: several reviewers can
approve one commit without changing its id. All notes of the ref are read in one batch
and indexed by content digest (how ``verify`` matches an approval to a commit, so it
survives amend and rebase) and by the commit they are attached to.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from countersign.core.attestation import AttestationError, DiffEntry, Envelope, parse_envelope
from countersign.store.commits import APPROVALS_REF
from countersign.store.gitcli import Git, GitError

_DIGEST_VERSION = b"countersign-diff-v1\n"
# Every option that could change what diff-tree reports is pinned: no rename or copy
# detection, submodule changes always shown, full object ids, NUL-separated paths (so
# core.quotePath cannot matter), and a header even for a commit that changes nothing.
_DIFF_TREE = ("-c", "core.quotePath=false", "diff-tree", "--stdin", "-r", "--raw", "-z",
              "--no-renames", "--ignore-submodules=none", "--no-abbrev", "--full-index",
              "--no-ext-diff", "--no-textconv", "--always", "--root")


@dataclass(frozen=True)
class ContentDigest:
    """A commit's change: its digest and the files it touches."""

    digest: str
    files: tuple[DiffEntry, ...]


def content_digest(git: Git, commit: str) -> tuple[str, tuple[DiffEntry, ...]]:
    """``(sha256:<hex>, files)`` of one commit's change against its first parent."""
    found = content_digests(git, [commit])
    sha = next(iter(found))
    return found[sha].digest, found[sha].files


def content_digests(git: Git, commits: Iterable[str]) -> dict[str, ContentDigest]:
    """Full commit id -> content digest, for many commits in two git processes."""
    names = list(dict.fromkeys(commits))
    if not names:
        return {}
    lines = git.text("rev-list", "--no-walk=unsorted", "--parents", "--stdin",
                     stdin="".join(f"{n}\n" for n in names).encode()).splitlines()
    stdin = "".join(" ".join(line.split()[:2]) + "\n" for line in lines)
    out = git.run(*_DIFF_TREE, stdin=stdin.encode("ascii"))
    return {sha: ContentDigest(_digest(entries), tuple(entries))
            for sha, entries in _parse_raw(out).items()}


def _parse_raw(out: bytes) -> dict[str, list[DiffEntry]]:
    """Commit id -> entries, from ``diff-tree --stdin --raw -z --always`` output: each
    commit's id, then per file ``:MODE MODE BLOB BLOB STATUS`` and the path."""
    fields = out.split(b"\0")
    result: dict[str, list[DiffEntry]] = {}
    current: list[DiffEntry] = []
    i = 0
    while i < len(fields) and fields[i]:
        if not fields[i].startswith(b":"):
            current = result.setdefault(fields[i].decode("ascii").strip(), [])
            i += 1
            continue
        old_mode, new_mode, old_blob, new_blob, _status = fields[i][1:].decode().split(" ")
        path = fields[i + 1].decode("utf-8", "surrogateescape")
        current.append(DiffEntry(path, old_blob, new_blob, old_mode, new_mode))
        i += 2
    return result


def _digest(entries: Sequence[DiffEntry]) -> str:
    """sha256 over the versioned, path-sorted raw records (mode, mode, blob, blob, path)."""
    h = hashlib.sha256(_DIGEST_VERSION)
    for e in sorted(entries, key=lambda e: e.path.encode("utf-8", "surrogateescape")):
        h.update(f"{e.old_mode} {e.new_mode} {e.old_blob} {e.new_blob} ".encode("ascii"))
        h.update(e.path.encode("utf-8", "surrogateescape") + b"\0")
    return "sha256:" + h.hexdigest()


@dataclass(frozen=True)
class StoredApproval:
    """One approval record found in the notes, and where."""

    commit: str
    """The commit whose note holds it (the approved commit, or one a rewrite copied to)."""
    line: int
    """1-based line in that note."""
    envelope: Envelope
    raw: bytes
    """The line as stored: what the signature check reads."""


@dataclass(frozen=True)
class CorruptRecord:
    """A note line that is not a well-formed approval record: reported, never counted."""

    commit: str
    line: int
    text: str
    reason: str

    def describe(self) -> str:
        return (f"{APPROVALS_REF} on {self.commit[:12]}, line {self.line}: {self.reason} "
                f"({self.text[:60]!r})")


@dataclass(frozen=True)
class StoredApprovals:
    """Every record of the approvals ref, indexed two ways, plus the lines that are not."""

    by_digest: dict[str, list[StoredApproval]] = field(default_factory=dict)
    by_commit: dict[str, list[StoredApproval]] = field(default_factory=dict)
    corrupt: list[CorruptRecord] = field(default_factory=list)

    def all(self) -> list[StoredApproval]:
        return [a for found in self.by_commit.values() for a in found]


def append_approval(git: Git, commit: str, record: bytes, ref: str = APPROVALS_REF) -> None:
    """Add one record (a one-line envelope) to the note on ``commit``; the id never changes."""
    if b"\n" in record:
        raise ValueError("an approval record is one line")
    git.run("notes", "--ref", ref, "append", "-F", "-", commit, stdin=record + b"\n")


def read_approvals(git: Git, ref: str = APPROVALS_REF) -> StoredApprovals:
    """Every record under ``ref``: one ``git notes list`` and one ``cat-file --batch``."""
    try:
        listing = git.text("notes", "--ref", ref, "list")
    except GitError:
        return StoredApprovals()  # the ref does not exist yet
    notes = [line.split(" ", 1) for line in listing.splitlines() if line]
    blobs = git.objects([blob for blob, _ in notes])
    found = StoredApprovals()
    for blob, commit in notes:
        _index(found, commit, blobs.get(blob) or b"")
    return found


def _index(found: StoredApprovals, commit: str, note: bytes) -> None:
    for number, raw in enumerate(note.split(b"\n"), start=1):
        line = raw.strip()
        if not line:
            continue  # git notes append separates paragraphs with a blank line
        try:
            envelope = parse_envelope(line)
        except AttestationError as exc:
            text = line.decode("utf-8", "replace")
            found.corrupt.append(CorruptRecord(commit, number, text, _reason(text, exc)))
            continue
        stored = StoredApproval(commit, number, envelope, line)
        found.by_commit.setdefault(commit, []).append(stored)
        found.by_digest.setdefault(envelope.approval.digest, []).append(stored)


def _reason(text: str, exc: AttestationError) -> str:
    if not text.startswith("{"):
        return "not a signed approval record (typed text counts for nothing)"
    return f"corrupt approval record: {exc}"
