"""Reading and writing what countersign keeps in git: diffs, trailers, blobs and notes.

Everything goes through the git binary (``store.gitcli.Git``; see there why not GitPython
on this path), so git decides what a trailer, a rename or a binary file is. Output is read
as bytes and decoded leniently: a file in Latin-1 must not stop a commit. Paths are read
NUL-separated (``-z``) and blobs by object id, so no file name can shift what is read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from countersign.core.diff import FileChange, parse_raw_patch
from countersign.core.provenance import NoteError, combine_records
from countersign.store.gitcli import Git, GitError

NOTES_REF = "refs/notes/countersign"
APPROVALS_REF = "refs/notes/countersign-approvals"
DIFF_OPTIONS = ("--raw", "-p", "-z", "--no-abbrev", "-U0", "--inter-hunk-context=0", "--no-color",
         "--no-ext-diff", "--no-textconv", "--submodule=short", "-M", "--no-relative")
"""``core.diff.parse_raw_patch``'s input, whatever the user's diff configuration says."""
TEXT_LIMIT = 10_000_000
"""Largest content read to tell text from binary (the language server's maxFileBytes)."""
_TRAILER_OPTS = ("--no-divider", "--where", "end", "--if-exists", "add", "--if-missing", "add")


def decode(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def empty_tree(repo: Git) -> str:
    """The id of the empty tree (differs between SHA-1 and SHA-256 repositories)."""
    return repo.text("hash-object", "-t", "tree", os.devnull)


def head(repo: Git) -> str | None:
    """The commit HEAD points at, or ``None`` before the first commit."""
    try:
        return repo.text("rev-parse", "-q", "--verify", "HEAD^{commit}") or None
    except GitError:
        return None


def resolve_commit(repo: Git, rev: str) -> str | None:
    """The full id of the commit ``rev`` names, or ``None`` when it names none."""
    if rev.startswith("-"):
        return None
    try:
        return repo.text("rev-parse", "-q", "--verify", "--end-of-options",
                         f"{rev}^{{commit}}") or None
    except GitError:
        return None


def parents_of(repo: Git, rev: str) -> list[str]:
    return repo.text("log", "-1", "--format=%P", rev, "--").split()


def _diff(repo: Git, *revs: str) -> list[FileChange]:
    """``git diff REVS`` parsed, with files that are text but shown as binary read again."""
    changes = parse_raw_patch(repo.run("diff", *DIFF_OPTIONS, *revs, "--"))
    hidden = {c.path for c in _text_shown_as_binary(repo, changes)}
    if not hidden:
        return changes
    paths = [p for c in changes if c.path in hidden for p in (c.path, c.old_path) if p]
    out = repo.run("--literal-pathspecs", "diff", *DIFF_OPTIONS, "--text", *revs, "--", *paths)
    again = {c.path: c for c in parse_raw_patch(out)}
    return [again.get(c.path, c) if c.path in hidden else c for c in changes]


def _text_shown_as_binary(repo: Git, changes: Sequence[FileChange]) -> list[FileChange]:
    """Changes git showed as binary although their new content is text.

    ``.gitattributes`` decides that (``-diff``, ``binary``, a binary diff driver), and a
    commit can write it itself: ``*.py -diff`` would hide every added line of a Python file
    from the gate. So git's content check decides here, as it does without attributes.
    Content over ``TEXT_LIMIT`` bytes stays binary (no editor tracks such a file).
    """
    candidates = [c for c in changes if c.binary and c.blob]
    if not candidates:
        return []
    text = repo.text_blobs([c.blob for c in candidates if c.blob], TEXT_LIMIT)
    return [c for c in candidates if c.blob in text]


def staged_changes(repo: Git, parents: Sequence[str]) -> list[FileChange]:
    """What the index adds relative to ``parents`` (the empty tree when there are none).

    For a merge a line counts as added only when it is new relative to every parent:
    lines brought in from a merged branch were stamped in their own commits.
    """
    bases = list(parents) or [empty_tree(repo)]
    return _intersect([_diff(repo, "--cached", base) for base in bases])


def commit_changes(repo: Git, sha: str, parents: Sequence[str]) -> list[FileChange]:
    """What commit ``sha`` added relative to its parents (see ``staged_changes``)."""
    bases = list(parents) or [empty_tree(repo)]
    return _intersect([_diff(repo, base, sha) for base in bases])


def _intersect(per_parent: list[list[FileChange]]) -> list[FileChange]:
    first, rest = per_parent[0], per_parent[1:]
    for other in rest:
        by_path = {c.path: c for c in other}
        for change in first:
            theirs = by_path.get(change.path)
            change.added = ({n: t for n, t in change.added.items() if n in theirs.added}
                            if theirs is not None else {})
    return [c for c in first if c.added or not rest]


def read_blob(repo: Git, name: str) -> bytes | None:
    """Contents of ``REV:path`` (``:path`` for the index), or ``None`` when not a file there.

    Everything after the first colon is the path, taken literally (newlines, colons and
    glob characters included): it is looked up by ``Git.blob``, never parsed by git's
    revision syntax.
    """
    rev, _, path = name.partition(":")
    return repo.blob(rev, path)


def parse_trailers(repo: Git, message: str) -> list[tuple[str, str]]:
    """``(key, value)`` pairs as ``git interpret-trailers --parse`` sees them."""
    out = _interpret(repo, message, "--parse", "--no-divider")
    pairs = []
    for line in out.split("\n"):
        key, sep, value = line.partition(":")
        if sep:
            pairs.append((key.strip(), value.strip()))
    return pairs


def add_trailers(repo: Git, message: str, trailers: Sequence[tuple[str, str]]) -> str:
    """``message`` with ``trailers`` appended by ``git interpret-trailers``."""
    args = [a for k, v in trailers for a in ("--trailer", f"{k}: {v}")]
    if message and not message.endswith("\n"):
        # git merge leaves MERGE_MSG without a final newline; interpret-trailers would then
        # glue the trailers to the subject line instead of starting a paragraph
        message += "\n"
    return _interpret(repo, message, *_TRAILER_OPTS, *args)


def _interpret(repo: Git, message: str, *args: str) -> str:
    out = repo.run("interpret-trailers", *args, stdin=message.encode("utf-8", "surrogateescape"))
    return out.decode("utf-8", "surrogateescape")


def amend_message(repo: Git, message: str) -> None:
    """Replace HEAD's message (hooks still run: prepare-commit-msg restamps, notes move)."""
    repo.run("commit", "--amend", "--no-verify", "--allow-empty", "--cleanup=verbatim",
             "-F", "-", stdin=message.encode("utf-8", "surrogateescape"))


def comment_char(repo: Git) -> str:
    """``core.commentChar`` (``auto`` treated as ``#``, which is what git starts with)."""
    try:
        value = repo.text("config", "--get", "core.commentChar")
    except GitError:
        return "#"
    return value if value not in ("", "auto") else "#"


def read_note(repo: Git, sha: str, ref: str = NOTES_REF) -> Any | None:
    """The JSON note on ``sha``, ``None`` without one; ``NoteError`` if not JSON."""
    try:
        text = repo.run("notes", "--ref", ref, "show", sha)
    except GitError:
        return None
    return parse_note(text, sha, ref)


def parse_note(data: bytes, sha: str, ref: str = NOTES_REF) -> Any | None:
    """The record in the note blob ``data`` of ``sha``: the records written for ``sha``
    combined when there are several (``union`` merges and rewrites concatenate notes), else
    the last one; ``NoteError`` if it is not JSON or not a record countersign can read."""
    records = _json_documents(decode(data), sha, ref)
    own = [r for r in records if isinstance(r, dict)
           and isinstance(r.get("vcs"), dict) and r["vcs"].get("revision") == sha]
    if len(own) > 1 and ref == NOTES_REF:
        return combine_records(own)
    return (own or records)[-1] if records else None


def has_note(repo: Git, sha: str, ref: str = NOTES_REF) -> bool:
    try:
        return read_note(repo, sha, ref) is not None
    except NoteError:
        return False


def _json_documents(text: str, sha: str, ref: str) -> list[Any]:
    """The JSON values in a note; git concatenates notes when a rewrite copies one onto a
    commit that already has one (notes.rewriteMode defaults to concatenate)."""
    decoder = json.JSONDecoder()
    out: list[Any] = []
    i = 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        try:
            value, i = decoder.raw_decode(text, i)
        except json.JSONDecodeError as exc:
            raise NoteError(f"note on {sha[:12]} in {ref} is not JSON: {exc}") from None
        out.append(value)


def write_note(repo: Git, sha: str, record: Any, ref: str = NOTES_REF) -> None:
    """Replace the note on ``sha`` with ``record`` (one line of JSON, safe from stripspace)."""
    text = json.dumps(record, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a file name that is not UTF-8: JSON escapes keep it exact
        data = json.dumps(record, separators=(",", ":"), sort_keys=True).encode("ascii")
    repo.run("notes", "--ref", ref, "add", "-f", "-F", "-", sha, stdin=data)


def all_notes(repo: Git, ref: str = NOTES_REF) -> dict[str, str]:
    """Commit id -> note blob id for every note under ``ref``."""
    try:
        out = repo.text("notes", "--ref", ref, "list")
    except GitError:
        return {}
    notes = {}
    for line in out.splitlines():
        blob, _, commit = line.partition(" ")
        notes[commit] = blob
    return notes


@dataclass
class LoggedCommit:
    sha: str
    parents: list[str]
    author: str
    time: int
    subject: str
    trailers: list[tuple[str, str]]
    changes: list[FileChange]
    committer: str = ""


_FIELDS = ("%H", "%P", "%an <%ae>", "%ct", "%s", "%(trailers:only,unfold)", "%cn <%ce>")
_LOG = ("--root", "--no-show-signature", "--encoding=UTF-8", *DIFF_OPTIONS)


def log(repo: Git, revs: Sequence[str]) -> Iterator[LoggedCommit]:
    """Commits of ``git rev-list REVS`` (newest first) with their added lines.

    One ``git log -p`` reads every non-merge diff; a merge's diff is computed against each
    parent separately (see ``staged_changes``). Commits and fields are delimited by a
    random token, so no message, name or patch can forge a boundary.
    """
    import secrets  # only here: with hmac and hashlib ~4 ms of every commit hook

    token = secrets.token_hex(16)
    start, sep = f"\x1e{token}\x1e", f"\x1f{token}\x1f"
    fmt = (start + sep.join(_FIELDS) + sep).replace("\x1e", "%x1e").replace("\x1f", "%x1f")
    out = repo.run("log", f"--format={fmt}", *_LOG, *revs, "--")
    for chunk in out.split(start.encode())[1:]:
        fields = chunk.split(sep.encode(), len(_FIELDS))
        sha, parents, author, when, subject, trailer_text, committer = (
            decode(f) for f in fields[:7])
        parent_list = parents.split()
        changes = (None if len(parent_list) > 1
                   else parse_raw_patch(fields[7].removeprefix(b"\0").removeprefix(b"\n")))
        if changes is None or _text_shown_as_binary(repo, changes):
            changes = commit_changes(repo, sha, parent_list)
        yield LoggedCommit(sha, parent_list, author, int(when), subject,
                           _trailer_pairs(trailer_text), changes, committer)


def _trailer_pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for line in text.split("\n"):  # not splitlines(): a value may hold U+2028 or \x1e
        key, sep, value = line.partition(":")
        if sep and key.strip():
            pairs.append((key.strip(), value.strip()))
    return pairs
