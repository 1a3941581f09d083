"""Provenance of commits: the stamp of what is staged, the note of a commit, and blame.

Ties the ledger (uncommitted AI lines), git (diffs, blobs, notes) and the core together.
AI lines of a commit come from the ledger, re-anchored onto the committed content, plus
lines carried over from the note of the commit it replaces (amend, rebase), so rewriting
history never drops provenance that was recorded once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from countersign.core.config import Config
from countersign.core.diff import FileChange
from countersign.core.lines import reanchor, split_lines
from countersign.core.origin import Origin
from countersign.core.provenance import (
    NoteError,
    build_record,
    record_lines,
    record_revision,
)
from countersign.core.rules import RuleSet
from countersign.core.tiers import Tier
from countersign.core.trailers import Stamp, compute_stamp, needs_content
from countersign.store import commits
from countersign.store.gitcli import Git
from countersign.store.ledger import Ledger
from countersign.store.scopes import known_scopes


@dataclass
class Stamper:
    """Computes stamps and notes: AI lines from the ledger (and a predecessor's note), re-anchored
    onto the content, judged by the rules."""

    repo: Git
    ledger: Ledger | None
    """None: no uncommitted lines (``verify`` judges commits alone)."""
    rules: RuleSet
    config: Config
    inherited: Mapping[str, Mapping[int, Origin]] = field(default_factory=dict)
    """AI lines the content re-applies from other commits (squash, cherry-pick, fixup:
    ``store.inherit``); the ledger's and a predecessor's lines win over them."""
    _texts: dict[str, str] = field(default_factory=dict, repr=False)
    """Blob id -> text read by ``ai_lines``, reused by ``contents``."""

    def contents(
        self, changes: Sequence[FileChange], ai: Mapping[str, Mapping[int, Origin]]
    ) -> dict[str, str]:
        """The new text of the files structural rules must parse (``needs_content``)."""
        blobs = _blobs(changes, ai, self.rules)
        self._read([b for b in blobs.values() if b not in self._texts])
        found = {p: self._texts[b] for p, b in blobs.items() if b in self._texts}
        self._texts.clear()
        return found

    def prefetch(
        self, commits_: Iterable[tuple[str, Sequence[FileChange],
                                       Mapping[str, Mapping[int, Origin]]]],
    ) -> dict[str, dict[str, str]]:
        """``contents`` of many commits (sha, changes, AI lines) with one ``cat-file``."""
        wanted = {sha: _blobs(changes, ai, self.rules) for sha, changes, ai in commits_}
        self._read([b for blobs in wanted.values() for b in blobs.values()])
        found = {sha: {p: self._texts[b] for p, b in blobs.items() if b in self._texts}
                 for sha, blobs in wanted.items()}
        self._texts.clear()
        return found

    def _read(self, names: list[str]) -> None:
        for name, data in self.repo.objects(names).items():
            if data is not None:
                self._texts[name] = commits.decode(data)

    def ai_lines(
        self, changes: Sequence[FileChange], carry_from: str | None = None
    ) -> dict[str, dict[int, Origin]]:
        """AI lines of each changed file, in the content the change gives it (its blob)."""
        ledger = self.ledger
        known = set(ledger.paths()) if ledger is not None else set()
        carried = self._note_lines(carry_from) if carry_from else {}
        # a move git did not detect as a rename: the ledger may know the file by a deleted path
        gone = [c.path for c in changes if c.status == "deleted" and c.path in known]
        wanted: dict[str, list[str]] = {}
        for change in changes:
            if change.binary or change.status == "deleted" or not change.added:
                continue
            names = [p for p in (change.path, change.old_path) if p]
            if change.status == "added":
                names += gone
            if any(p in known or p in carried for p in names):
                wanted[change.path] = names
        blob_of = {c.path: c.blob for c in changes if c.path in wanted and c.blob}
        carried_blobs = self.repo.blob_ids(
            carry_from, [n for names in wanted.values() for n in names if n in carried]
        ) if carry_from else {}
        blobs = self.repo.objects([*blob_of.values(), *carried_blobs.values()])
        out: dict[str, dict[int, Origin]] = {}
        for path, names in wanted.items():
            data = blobs.get(blob_of.get(path, ""))
            if data is None:
                continue
            content = self._texts[blob_of[path]] = commits.decode(data)
            lines = next((found for p in names if p in known
                          and ledger is not None
                          and (found := ledger.attributions(p, content))), {})
            in_note = next((p for p in names if p in carried), None)
            if in_note and carry_from:
                moved = _moved(blobs.get(carried_blobs.get(in_note, "")), carried[in_note],
                               content)
                lines = {**moved, **lines}
            out[path] = {n: o for n, o in lines.items() if o.is_ai}
        return out

    def _note_lines(self, sha: str) -> dict[str, dict[int, Origin]]:
        try:
            record = commits.read_note(self.repo, sha)
            return record_lines(record) if record is not None else {}
        except NoteError:
            return {}

    def carry(
        self, sha: str, path: str, lines: Mapping[int, Origin], content: str
    ) -> dict[int, Origin]:
        return _moved(commits.read_blob(self.repo, f"{sha}:{path}"), lines, content)

    def all_lines_tier(self, changes: Sequence[FileChange]) -> Tier:
        """The tier of ``changes`` were every added line AI-written (for the policy's reviews
        ``regardless_of_provenance``)."""
        from countersign.store.verdicts import UNKNOWN

        everything = {c.path: dict.fromkeys(c.added, UNKNOWN) for c in changes}
        return compute_stamp(changes, everything, self.rules, self.config,
                             self.contents(changes, everything)).tier

    def staged(
        self, parents: Sequence[str], carry_from: str | None = None, author: Origin | None = None
    ) -> Stamp:
        """The stamp of what the index would commit on top of ``parents``.

        ``author``: an AI that wrote the whole commit (Aider names itself in its commits);
        every added line is then its.
        """
        changes = commits.staged_changes(self.repo, parents)
        with known_scopes(Path(self.repo.git_dir), [c.path for c in changes]):
            ai = self._with_author(changes, carry_from, author)
            return compute_stamp(changes, ai, self.rules, self.config,
                                 self.contents(changes, ai))

    def committed(
        self, sha: str, carry_from: str | None = None, author: Origin | None = None
    ) -> Stamp:
        """The stamp of commit ``sha`` as its content and the ledger say now."""
        parents = commits.parents_of(self.repo, sha)
        changes = commits.commit_changes(self.repo, sha, parents)
        ai = self._with_author(changes, carry_from, author)
        return compute_stamp(changes, ai, self.rules, self.config, self.contents(changes, ai))

    def _with_author(
        self, changes: Sequence[FileChange], carry_from: str | None, author: Origin | None,
    ) -> dict[str, dict[int, Origin]]:
        lines = self.ai_lines(changes, carry_from)
        for path, inherited in self.inherited.items():
            lines[path] = {**inherited, **lines.get(path, {})}
        if author is not None:
            for change in changes:
                known = lines.setdefault(change.path, {})
                for n, text in change.added.items():
                    if text.strip():
                        known.setdefault(n, author)
        return lines

    def write_note(
        self, sha: str, carry_from: str | None = None, author: Origin | None = None
    ) -> Stamp:
        """Compute and store the provenance note of ``sha``; returns its stamp."""
        stamp = self.committed(sha, carry_from, author)
        when = int(self.repo.text("log", "-1", "--format=%ct", sha, "--"))
        commits.write_note(self.repo, sha, build_record(sha, stamp.ai_lines, when,
                                                        stamp.to_dict()))
        return stamp

    def predecessor(self, sha: str) -> str | None:
        """The commit whose note git copied onto ``sha`` during a rewrite, if any."""
        try:
            record = commits.read_note(self.repo, sha)
        except NoteError:
            return None
        revision = record_revision(record) if record is not None else None
        return revision if revision and revision != sha else None


def _blobs(changes: Sequence[FileChange], ai: Mapping[str, Mapping[int, Origin]],
           rules: RuleSet) -> dict[str, str]:
    """Path -> blob id of the files whose new text structural rules need."""
    by_path = {c.path: c.blob for c in changes if c.blob}
    return {p: by_path[p] for p in needs_content(changes, ai, rules) if p in by_path}


def _moved(old: bytes | None, lines: Mapping[int, Origin], content: str) -> dict[int, Origin]:
    """``lines`` of the blob ``old`` re-anchored onto ``content`` (none if ``old`` is gone)."""
    if old is None:
        return {}
    return reanchor(split_lines(commits.decode(old)), lines, split_lines(content))



