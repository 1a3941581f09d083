"""The files and added lines of a change, read from ``git diff --raw -p -z`` output.

Paths come only from the raw records, which ``-z`` writes NUL-terminated and unquoted, so
a name with a space, TAB, quote, backslash, newline or non-UTF-8 byte is read exactly as
git stores it (bytes decoded with ``surrogateescape``, as Python names files). Patch
headers, where git C-quotes such names, are never parsed for paths: git writes the raw
records and the patches from one list, in one order, so the n-th patch is the n-th
record's (a type change, file <-> symlink, is written as two patches; an unmerged path as
one line). Output that breaks this raises ``DiffFormatError`` rather than being guessed at.

Callers run git with ``-U0 --inter-hunk-context=0 --no-color --no-ext-diff --no-textconv
--submodule=short --no-abbrev`` so nothing depends on user configuration. Only what gates
need is kept: paths, status, whether the file is binary, the new blob's id, each added and
removed line (0-based number on its side, text without its line ending), and the hunks (for
following lines through history). Inside a hunk its counts decide what a line is, so a
removed ``-- comment`` SQL line is never read as a header.
"""

from __future__ import annotations

import bisect
import os
import re
from dataclasses import dataclass, field

_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_STATUS = {"A": "added", "C": "copied", "D": "deleted", "M": "modified", "R": "renamed",
           "T": "modified"}
_NO_OBJECT = re.compile(r"^0+$")
_GITLINK = "160000"
_SECTION_START = re.compile(rb"\n(?=diff --git |\* Unmerged path )")


class DiffFormatError(ValueError):
    """git's diff output is not laid out as ``parse_raw_patch`` expects."""


@dataclass
class FileChange:
    """One file of a diff: where it is now, and what was added to it."""

    path: str
    old_path: str | None = None
    """The path before a rename or copy (``None`` when it did not move)."""
    status: str = "modified"
    """``added``, ``modified``, ``deleted``, ``renamed`` or ``copied``."""
    binary: bool = False
    added: dict[int, str] = field(default_factory=dict)
    """0-based line number in the new file -> the added line's text."""
    blob: str | None = None
    """Object id of the new content (``None`` when deleted, or for a submodule)."""
    removed: dict[int, str] = field(default_factory=dict)
    """0-based line number in the old file -> the removed line's text."""
    hunks: list[Hunk] = field(default_factory=list)
    """The hunks in order: which old lines became which new ones."""


@dataclass(frozen=True)
class Hunk:
    """Old lines ``[old_start, old_start + old_count)`` became new lines ``[new_start,
    new_start + new_count)`` (0-based; a count of 0 is an insertion or deletion point)."""

    old_start: int
    old_count: int
    new_start: int
    new_count: int


@dataclass(frozen=True)
class _Record:
    status: str
    paths: tuple[bytes, ...]
    new_mode: str
    new_id: str


def decode_path(raw: bytes) -> str:
    """A path as git stores it (bytes), as the ``str`` Python uses for that file name."""
    return os.fsdecode(raw)


def parse_raw_patch(data: bytes) -> list[FileChange]:
    """Parse ``git diff --raw -p -z`` output (or one commit's part of ``git log``'s)."""
    records, pos = _records(data)
    patch = data[pos:]
    starts = [m.end() for m in _SECTION_START.finditer(patch)]  # one pass over the patch
    changes: list[FileChange] = []
    at = 0
    for record in records:
        if record.status == "U":  # git writes the name unquoted here, newline included
            line = b"* Unmerged path " + record.paths[0] + b"\n"
            if not patch.startswith(line, at):
                raise DiffFormatError(f"expected {line!r} at byte {at} of git's patch")
            at += len(line)
            continue
        change = _change(record)
        if record.status == "T":  # file <-> symlink: a deletion, then a creation
            at = _read_section(patch, starts, at, FileChange(change.path))
        changes.append(change)
        at = _read_section(patch, starts, at, change)
    if at != len(patch):
        raise DiffFormatError(f"git's patch has {len(patch) - at} bytes no raw record names")
    return changes


def _records(data: bytes) -> tuple[list[_Record], int]:
    """The raw records at the start of ``data``, and where the patch after them starts."""
    try:
        return _read_records(data)
    except ValueError as exc:  # a record cut short, or not ASCII where git writes ASCII
        raise DiffFormatError(f"unexpected raw diff output ({exc})") from None


def _read_records(data: bytes) -> tuple[list[_Record], int]:
    records = []
    pos = 0
    while data.startswith(b":", pos):
        end = data.index(b"\0", pos)
        fields = data[pos + 1 : end].decode("ascii").split(" ")
        if len(fields) != 5:
            raise DiffFormatError(f"unexpected raw diff record {data[pos:end]!r}")
        _old_mode, new_mode, _old_id, new_id, status = fields
        count = 2 if status[:1] in ("R", "C") else 1
        paths = []
        pos = end + 1
        for _ in range(count):
            end = data.index(b"\0", pos)
            paths.append(data[pos:end])
            pos = end + 1
        records.append(_Record(status[:1], tuple(paths), new_mode, new_id))
    if records and data.startswith(b"\0", pos):
        pos += 1  # the empty record git puts between the raw part and the patch
    return records, pos


def _change(record: _Record) -> FileChange:
    path = decode_path(record.paths[-1])
    old = decode_path(record.paths[0]) if len(record.paths) == 2 else None
    status = _STATUS.get(record.status)
    if status is None:
        raise DiffFormatError(f"unknown diff status {record.status!r} for {path!r}")
    blob = (None if status == "deleted" or record.new_mode == _GITLINK
            or _NO_OBJECT.match(record.new_id) else record.new_id)
    return FileChange(path, old, status, binary=record.new_mode == _GITLINK, blob=blob)


def _read_section(patch: bytes, starts: list[int], at: int, change: FileChange) -> int:
    """Add the added lines of the ``diff --git`` section at ``at`` to ``change``; returns
    where it ends (the next of ``starts``, where a line begins a section)."""
    if not patch.startswith(b"diff --git ", at):
        raise DiffFormatError(f"expected the patch of {change.path!r} at byte {at} of "
                              "git's patch")
    following = bisect.bisect_right(starts, at)
    end = starts[following] if following < len(starts) else len(patch)
    old_line = new_line = old_end = new_end = 0
    in_hunks = False
    for line in patch[at:end].split(b"\n")[1:]:
        if line.startswith(b"+") and new_line < new_end:
            change.added[new_line] = _text(line)
            new_line += 1
        elif line.startswith(b"-") and old_line < old_end:
            change.removed[old_line] = _text(line)
            old_line += 1
        elif line.startswith(b" ") and in_hunks:  # context, should a config ever add some
            old_line, new_line = old_line + 1, new_line + 1
        elif line.startswith(b"@@"):
            match = _HUNK.match(line)
            if match:
                hunk = _hunk(*match.groups())
                change.hunks.append(hunk)
                old_line, new_line = hunk.old_start, hunk.new_start
                old_end, new_end = old_line + hunk.old_count, new_line + hunk.new_count
                in_hunks = True
        elif not in_hunks and (line.startswith(b"Binary files ") or line == b"GIT binary patch"):
            change.binary = True
    return end


def _text(line: bytes) -> str:
    return line[1:].decode("utf-8", "replace").removesuffix("\r")


def _hunk(old: bytes, old_count: bytes | None, new: bytes, new_count: bytes | None) -> Hunk:
    """``@@ -a,b +c,d @@`` (1-based; with a count of 0 the number is the line before)."""
    b = 1 if old_count is None else int(old_count)
    d = 1 if new_count is None else int(new_count)
    return Hunk(int(old) - (b > 0), b, int(new) - (d > 0), d)
