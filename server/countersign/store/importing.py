"""Writing provenance read from other tools (``core.imports``) into countersign's notes.

Nothing already recorded is lost: where a commit has a countersign note, its lines win and
the imported ones only fill lines it does not name; a commit without one gets a record
marked with the import's source (``metadata.dev.countersign.source``), which the policy's
``[provenance] trust`` decides to believe as complete or not. All notes of one import are
written in one commit (``store.notestore``); malformed input is reported with its commit
or line and skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from countersign.core import imports
from countersign.core.imports import ForeignRecordError, Lines
from countersign.core.provenance import NoteError, build_record, combine_records
from countersign.store import commits, inherit
from countersign.store.commits import NOTES_REF, LoggedCommit
from countersign.store.gitcli import Git, GitError
from countersign.store.notestore import note_bytes, read_notes, write_notes

GIT_AI_REF = "refs/notes/ai"


@dataclass
class Imported:
    """What an import did."""

    written: dict[str, int] = field(default_factory=dict)
    """Commit -> AI lines its note now holds from this import."""
    problems: list[str] = field(default_factory=list)
    """Input skipped, each with where it was (commit or line) and why."""
    read: int = 0
    """Records or commits looked at."""


def import_git_ai(repo: Git, ref: str = GIT_AI_REF) -> Imported:
    """Every git-ai authorship log on ``ref``."""
    result = Imported()
    found: dict[str, Lines] = {}
    for sha, data in read_notes(repo, ref).items():
        result.read += 1
        try:
            found[sha] = imports.parse_git_ai(data.decode("utf-8"))
        except (ForeignRecordError, UnicodeDecodeError) as exc:
            result.problems.append(f"{sha[:12]} ({ref}): {exc}; skipped")
    store(repo, found, "git-ai", result)
    return result


def import_agent_trace(repo: Git, texts: Iterable[tuple[str, str]]) -> Imported:
    """Agent Trace records, one JSON object per ``(where, text)`` line."""
    result = Imported()
    traces = []
    for where, text in texts:
        if not text.strip():
            continue
        result.read += 1
        try:
            traces.append(imports.parse_agent_trace(json.loads(text)))
        except (json.JSONDecodeError, ForeignRecordError) as exc:
            result.problems.append(f"{where}: {exc}; skipped")
    found: dict[str, Lines] = {}
    placer = _Placer(repo)
    for trace in sorted(traces, key=lambda t: t.timestamp, reverse=True):  # newest wins
        for path, named in trace.lines.items():
            target = placer.commit_of(trace.revision, path, set(named))
            if target is None:
                result.problems.append(f"record of {trace.timestamp or 'unknown time'}: no "
                                       f"commit after {str(trace.revision)[:12]} adds {path}; "
                                       "skipped")
                continue
            found[target] = inherit.merged(found.get(target, {}), {path: named})
    store(repo, found, "agent-trace", result)
    return result


class _Placer:
    """The commit an Agent Trace record's lines belong to: the record's own revision when
    that commit added them (a record written after committing, like countersign's export),
    else the first later commit that changed the file (the reference hook records the
    revision the edit was made on, before it was committed)."""

    def __init__(self, repo: Git) -> None:
        self.repo = repo
        self._added: dict[str, dict[str, set[int]]] = {}

    def commit_of(self, revision: str | None, path: str, lines: set[int]) -> str | None:
        sha = commits.resolve_commit(self.repo, revision) if revision else None
        if sha is None:
            return None
        if lines <= self._added_by(sha).get(path, set()):
            return sha
        try:
            later = self.repo.text("rev-list", "--reverse", "--ancestry-path",
                                   f"{sha}..HEAD", "--", path).split()
        except GitError:
            return None
        return later[0] if later else None

    def _added_by(self, sha: str) -> dict[str, set[int]]:
        if sha not in self._added:
            changes = commits.commit_changes(self.repo, sha, commits.parents_of(self.repo, sha))
            self._added[sha] = {c.path: set(c.added) for c in changes}
        return self._added[sha]


def import_trailers(repo: Git, logged: Sequence[LoggedCommit]) -> Imported:
    """Commit-level provenance for commits whose trailers name an AI and that have no note."""
    result = Imported()
    noted = commits.all_notes(repo)
    found: dict[str, Lines] = {}
    for commit in logged:
        result.read += 1
        origin = imports.trailer_origin(commit.trailers)
        if origin is None or commit.sha in noted:
            continue
        found[commit.sha] = {c.path: {n: origin for n, text in c.added.items() if text.strip()}
                             for c in commit.changes if not c.binary}
    store(repo, found, "trailer", result)
    return result


def store(repo: Git, found: Mapping[str, Lines], source: str, result: Imported) -> None:
    """Write ``found`` into ``refs/notes/countersign``, keeping what is there."""
    times = _commit_times(repo, list(found))
    for sha in found:
        if sha not in times:
            result.problems.append(f"{sha[:12]}: not a commit in this repository; skipped")
    existing = read_notes(repo, NOTES_REF)
    notes: dict[str, bytes] = {}
    for sha, when in times.items():
        record = build_record(sha, found[sha], when, {"source": source})
        if sha in existing:
            try:
                own = commits.parse_note(existing[sha], sha)
                record = combine_records([own, record]) if own is not None else record
            except NoteError as exc:
                result.problems.append(f"{sha[:12]}: its countersign note is unreadable "
                                       f"({exc}); left as it is")
                continue
        notes[sha] = note_bytes(record)
        result.written[sha] = sum(len(ls) for ls in found[sha].values())
    write_notes(repo, NOTES_REF, notes, f"countersign import: {len(notes)} notes from {source}")


def _commit_times(repo: Git, shas: Sequence[str]) -> dict[str, int]:
    """Commit time of each of ``shas`` that is a commit here."""
    if not shas:
        return {}
    checked = repo.text("cat-file", "--batch-check=%(objectname) %(objecttype)",
                        stdin="".join(f"{s}\n" for s in shas).encode())
    real = [f[0] for f in (line.split() for line in checked.splitlines())
            if len(f) == 2 and f[1] == "commit"]
    if not real:
        return {}
    out = repo.text("log", "--no-walk=unsorted", "--stdin", "--format=%H %ct",
                    stdin="".join(f"{s}\n" for s in real).encode())
    return {sha: int(when) for sha, when in (line.split() for line in out.splitlines())}
