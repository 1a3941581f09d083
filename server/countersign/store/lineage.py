"""History as incidents and track records need it: commits with the hunks of their diff
against every parent, provenance notes in one batch, and blame of the lines a fix removed.

Two ``git log`` processes read any number of commits: one for messages and trailers (git
parses trailers), one for patches (``--raw -p -z``, read by ``core.diff.parse_raw_patch``
like every diff countersign reads). A merge's diff against each parent is read with one
``git diff`` per parent; a parent whose tree equals the merge's is left out.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from countersign.core.diff import FileChange, parse_raw_patch
from countersign.core.lines import reanchor, split_lines
from countersign.core.origin import Origin
from countersign.core.provenance import NoteError, record_lines, record_revision
from countersign.store import commits
from countersign.store.gitcli import BlamedLine, Git, GitError

_FIELDS = ("%H", "%P", "%an <%ae>", "%cn <%ce>", "%ct", "%B", "%(trailers:only,unfold)")


@dataclass
class HistoryCommit:
    """One commit: who, when, its message and trailers, and its diff against each parent."""

    sha: str
    parents: list[str]
    author: str
    committer: str
    time: int
    """Committer time, seconds since the epoch (when it landed, not when it was written)."""
    message: str
    trailers: list[tuple[str, str]]
    diffs: dict[str, list[FileChange]] = field(default_factory=dict)
    """Parent id (``""`` for a root commit) -> the files changed against it; a parent
    whose tree equals this commit's is absent."""

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]

    def diff_against(self, parent: str) -> list[FileChange]:
        return self.diffs.get(parent, [])

    def added(self) -> list[FileChange]:
        """What the commit added: for a merge, only lines new against every parent."""
        if len(self.parents) < 2:
            return self.diff_against(self.parents[0] if self.parents else "")
        first, *rest = (self.diffs.get(p) for p in self.parents)
        if first is None or any(r is None for r in rest):
            return []  # the tree equals a parent's: nothing is new against every parent
        out = []
        for change in first:
            others = [next((c for c in r or [] if c.path == change.path), None) for r in rest]
            kept = {n: t for n, t in change.added.items()
                    if all(o is not None and n in o.added for o in others)}
            if kept:
                out.append(FileChange(change.path, change.old_path, change.status,
                                      change.binary, kept))
        return out


def read_history(repo: Git, revs: Sequence[str], patches: bool = True) -> list[HistoryCommit]:
    """The commits ``git log REVS`` lists (newest first), with diffs when ``patches``."""
    fmt = "%x1e" + "%x1f".join(_FIELDS) + "%x1f"
    out = commits.decode(repo.run("log", f"--format={fmt}", *revs, "--"))
    found: list[HistoryCommit] = []
    for chunk in out.split("\x1e")[1:]:
        sha, parents, author, committer, when, message, trailer_text = chunk.split("\x1f")[:7]
        pairs = [(k.strip(), v.strip()) for k, sep, v in
                 (line.partition(":") for line in trailer_text.splitlines()) if sep]
        found.append(HistoryCommit(sha, parents.split(), author, committer, int(when),
                                   message.strip("\n"), pairs))
    if patches and found:
        by_sha = {c.sha: c for c in found}
        for sha, parent, changes in _patches(repo, revs):
            if sha in by_sha:
                by_sha[sha].diffs[parent] = changes
    return found


def _patches(repo: Git, revs: Sequence[str]) -> list[tuple[str, str, list[FileChange]]]:
    token = secrets.token_hex(16)
    start, sep = f"\x1e{token}\x1e", f"\x1f{token}\x1f"
    fmt = f"{start}%H{sep}%P{sep}".replace("\x1e", "%x1e").replace("\x1f", "%x1f")
    raw = repo.run("log", f"--format={fmt}", "--root", *commits.DIFF_OPTIONS, *revs, "--")
    out = []
    for chunk in raw.split(start.encode())[1:]:
        sha, parents, patch = (f for f in chunk.split(sep.encode(), 2))
        parent_list = parents.decode().split()
        if len(parent_list) > 1:  # git log shows no diff for a merge: one per parent
            for parent in parent_list:
                changes = parse_raw_patch(repo.run("diff", *commits.DIFF_OPTIONS, parent,
                                                   sha.decode(), "--"))
                if changes:
                    out.append((sha.decode(), parent, changes))
            continue
        body = patch.removeprefix(b"\0").removeprefix(b"\n")
        out.append((sha.decode(), parent_list[0] if parent_list else "",
                    parse_raw_patch(body)))
    return out


Lines = dict[str, dict[int, Origin]]


def notes_of(repo: Git, shas: Sequence[str]) -> dict[str, Lines | None]:
    """Each commit's AI lines from its provenance note (``None``: no readable note).

    A note git copied onto a rewritten commit without our hook names the old commit; its
    lines are moved onto this commit's content, as ``verify`` does.
    """
    table = commits.all_notes(repo)
    blobs = repo.objects([table[s] for s in shas if s in table])
    out: dict[str, Lines | None] = {}
    moved: dict[str, tuple[str, Lines]] = {}
    for sha in shas:
        data = blobs.get(table.get(sha, ""))
        try:
            record = commits.parse_note(data, sha) if data is not None else None
            out[sha] = record_lines(record) if record is not None else None
        except NoteError:
            out[sha] = None
            continue
        revision = record_revision(record) if record is not None else None
        if revision and revision != sha and out[sha]:
            moved[sha] = (revision, out[sha] or {})
    if moved:
        out.update(_carried(repo, moved))
    return out


def _carried(repo: Git, moved: Mapping[str, tuple[str, Lines]]) -> dict[str, Lines | None]:
    names = [f"{rev}:{path}" for sha, (old, lines) in moved.items() for path in lines
             for rev in (old, sha)]
    blobs = repo.objects(names)
    out: dict[str, Lines | None] = {}
    for sha, (old, lines) in moved.items():
        carried: Lines = {}
        for path, ai in lines.items():
            before, now = blobs.get(f"{old}:{path}"), blobs.get(f"{sha}:{path}")
            if before is not None and now is not None:
                carried[path] = reanchor(split_lines(commits.decode(before)), ai,
                                         split_lines(commits.decode(now)))
        out[sha] = carried
    return out


def blame_removed(repo: Git, parent: str, changes: Sequence[FileChange]) -> list[BlamedLine]:
    """Who introduced each line ``changes`` removed, blamed on ``parent`` with renames and
    moved or copied lines followed; ``BlamedLine.line`` is 0-based in ``parent``.

    Each run of removed lines is blamed with a few lines around it: git finds a moved block
    by how much text it shares (40 letters and digits), which one short line lacks.
    """
    out: list[BlamedLine] = []
    for change in changes:
        if not change.removed or change.binary:
            continue
        path = change.old_path or change.path
        found = repo.blame_at(parent, path, _runs(change.removed, BLAME_CONTEXT))
        out += [b for b in found if b.line in change.removed]
    return out


BLAME_CONTEXT = 3
"""Lines blamed on each side of a run of removed lines."""


def _runs(lines: Mapping[int, str], context: int) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for n in sorted(lines):
        start, end = max(0, n - context), n + 1 + context
        if runs and runs[-1][1] >= start:
            runs[-1] = (runs[-1][0], max(runs[-1][1], end))
        else:
            runs.append((start, end))
    return runs


def shallow_boundary(repo: Git) -> set[str]:
    """Commits whose parents a shallow clone does not have (empty in a full clone)."""
    try:
        if repo.text("rev-parse", "--is-shallow-repository") != "true":
            return set()
        path = repo.text("rev-parse", "--git-path", "shallow")
    except GitError:
        return set()
    try:
        with open(path if path.startswith("/") else repo.root / path, encoding="ascii") as f:
            return {line.strip() for line in f if line.strip()}
    except OSError:
        return set()
