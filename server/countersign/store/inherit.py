"""Provenance a new commit inherits from the commits whose content it re-applies.

A squash merge, a cherry-pick or an autosquashed fixup makes a commit that has no note of
its own, although its lines were written (and noted) in other commits. Here each line of
the new commit is traced to the commit that wrote it and looked up in that commit's note:

- ``from_history``: ``git blame`` of the source tip, stopped at the history both share,
  names the commit and the line number each line had there (renames followed by git);
- ``from_notes``: the notes of given commits, moved onto the new content by a line diff.

Either way a line keeps its tool and model only where the content says it is the same
line; a line changed on the way drops out rather than being guessed at (``core.lines``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from countersign.core.diff import FileChange
from countersign.core.lines import reanchor, split_lines
from countersign.core.origin import Origin
from countersign.core.provenance import NoteError, record_lines
from countersign.store import commits
from countersign.store.gitcli import Git, GitError

Lines = dict[str, dict[int, Origin]]
"""Path -> 0-based line -> AI origin."""


class NoteCache:
    """The AI lines in the notes of commits, read once per commit (``None``: no note, or
    one countersign cannot read)."""

    def __init__(self, repo: Git) -> None:
        self.repo = repo
        self._blobs = commits.all_notes(repo)
        self._lines: dict[str, Lines | None] = {}

    def lines(self, sha: str) -> Lines | None:
        if sha not in self._lines:
            self.prefetch([sha])
        return self._lines[sha]

    def prefetch(self, shas: Iterable[str]) -> None:
        """Read the notes of ``shas`` in one ``cat-file``."""
        wanted = [s for s in dict.fromkeys(shas) if s not in self._lines]
        data = self.repo.objects([self._blobs[s] for s in wanted if s in self._blobs])
        for sha in wanted:
            blob = data.get(self._blobs.get(sha, ""))
            self._lines[sha] = None if blob is None else _parse(blob, sha)

    def has_note(self, sha: str) -> bool:
        return sha in self._blobs


def _parse(data: bytes, sha: str) -> Lines | None:
    try:
        record = commits.parse_note(data, sha)
        return record_lines(record) if record is not None else None
    except NoteError:
        return None


def _targets(repo: Git, changes: Sequence[FileChange]) -> dict[str, tuple[FileChange, str]]:
    """Changed text files with added lines, and their new content."""
    wanted = [c for c in changes if c.added and c.blob and not c.binary
              and c.status != "deleted"]
    data = repo.objects([c.blob for c in wanted if c.blob])
    return {c.path: (c, commits.decode(blob)) for c in wanted
            if (blob := data.get(c.blob or "")) is not None}


def from_history(
    repo: Git, tip: str, exclude: Sequence[str], changes: Sequence[FileChange],
    notes: NoteCache | None = None,
) -> Lines:
    """AI lines of ``changes`` (added lines only) as the history of ``tip`` wrote them,
    looking no further back than ``exclude`` (the history the new commit already has)."""
    notes = notes or NoteCache(repo)
    targets = _targets(repo, changes)
    sources = repo.blob_ids(tip, [n for p, (c, _) in targets.items()
                                  for n in (p, c.old_path) if n])
    source_text = repo.objects(list(sources.values()))
    out: Lines = {}
    for path, (change, content) in targets.items():
        name = path if path in sources else change.old_path or path
        old = source_text.get(sources.get(name, ""))
        if old is None:
            continue
        lines = _blamed(repo, notes, tip, exclude, name)
        moved = reanchor(split_lines(commits.decode(old)), lines, split_lines(content))
        kept = {n: o for n, o in moved.items() if n in change.added}
        if kept:
            out[path] = kept
    return out


def _blamed(
    repo: Git, notes: NoteCache, tip: str, exclude: Sequence[str], path: str
) -> dict[int, Origin]:
    """Line -> AI origin of ``path`` at ``tip``, from the note of the commit that wrote it."""
    try:
        blamed = repo.blame(path, [tip, *(f"^{e}" for e in exclude)])
    except GitError:
        return {}
    notes.prefetch(b.commit for b in blamed)
    out: dict[int, Origin] = {}
    for b in blamed:
        origin = (notes.lines(b.commit) or {}).get(b.orig_path, {}).get(b.orig_line)
        if origin is not None and origin.is_ai:
            out[b.line] = origin
    return out


def from_notes(
    repo: Git, sources: Sequence[str], changes: Sequence[FileChange],
    notes: NoteCache | None = None,
) -> Lines:
    """AI lines of ``changes`` (added lines only) taken from the notes of ``sources``,
    each moved from that commit's content onto the new one (earlier sources win)."""
    notes = notes or NoteCache(repo)
    notes.prefetch(sources)
    targets = _targets(repo, changes)
    out: Lines = {}
    for source in sources:
        noted = notes.lines(source)
        if not noted:
            continue
        wanted = {p: c.old_path or p for p, (c, _) in targets.items()
                  if (c.old_path or p) in noted or p in noted}
        blobs = repo.blob_ids(source, [n for p, old in wanted.items() for n in (p, old)])
        texts = repo.objects(list(blobs.values()))
        for path, old_name in wanted.items():
            name = path if path in noted and path in blobs else old_name
            old = texts.get(blobs.get(name, ""))
            if old is None:
                continue
            change, content = targets[path]
            moved = reanchor(split_lines(commits.decode(old)), noted.get(name, {}),
                             split_lines(content))
            mine = out.setdefault(path, {})
            for n, origin in moved.items():
                if n in change.added:
                    mine.setdefault(n, origin)
    return {p: ls for p, ls in out.items() if ls}


def merged(*layers: Mapping[str, Mapping[int, Origin]]) -> Lines:
    """The union of several line maps; the first layer that names a line wins."""
    out: Lines = {}
    for layer in layers:
        for path, lines in layer.items():
            mine = out.setdefault(path, {})
            for n, origin in lines.items():
                mine.setdefault(n, origin)
    return out
