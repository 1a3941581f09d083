"""History as incidents and track records need it: commits with the hunks of their diff
against every parent, provenance notes in one batch, and blame of the lines a fix removed.

Two ``git log`` processes read any number of commits: one for messages and trailers (git
parses trailers), one for patches. The patch pass uses git's raw header because only it
names the parent each of a merge's diffs is against (``commit X (from P)``); git leaves
out a parent whose diff is empty, so a name is the only safe key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from countersign.core.diff import FileChange, finish, parse_diff
from countersign.core.lines import reanchor, split_lines
from countersign.core.origin import Origin
from countersign.core.provenance import NoteError, record_lines, record_revision
from countersign.store import commits
from countersign.store.gitcli import BlamedLine, Git, GitError

_DIFF = ("-U0", "--no-color", "--no-ext-diff", "--no-textconv", "-M", "--src-prefix=a/",
         "--dst-prefix=b/", "--no-relative")
_FIELDS = ("%H", "%P", "%an <%ae>", "%cn <%ce>", "%ct", "%B", "%(trailers:only,unfold)")
_HEADER = re.compile(r"^commit ([0-9a-f]+)(?: \(from ([0-9a-f]+)\))?$", re.MULTILINE)


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
    text = commits.decode(repo.run("log", "--pretty=raw", "-p", "--root",
                                   "--diff-merges=separate", *_DIFF, *revs, "--"))
    heads = list(_HEADER.finditer(text))
    out = []
    for i, head in enumerate(heads):
        body = text[head.end(): heads[i + 1].start() if i + 1 < len(heads) else len(text)]
        start = body.find("\ndiff --git ")
        patch = body[start + 1:] if start >= 0 else ""
        parent = head.group(2) or ""
        if not parent:  # a single-parent commit names no parent; find it from raw headers
            match = re.search(r"^parent ([0-9a-f]+)$", body, re.MULTILINE)
            parent = match.group(1) if match else ""
        out.append((head.group(1), parent, finish(parse_diff(patch.split("\n")))))
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
