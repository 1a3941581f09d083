"""The added lines of a change, read from git's unified diff output.

Callers run ``git diff``/``git log -p`` with ``-U0 --no-color --no-ext-diff --no-textconv``
so hunks carry only added and removed lines and nothing depends on user configuration.
Only what gates need is kept: the new path, the old path of a rename, whether the file was
deleted or is binary, each added and removed line (0-based number on its side, text without
its line ending), and the hunks (for following lines through history).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
            "\\": "\\", '"': '"'}


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


def unquote_path(raw: str) -> str:
    """A path as git prints it in diff headers: C-quoted when it has special characters."""
    if not (len(raw) >= 2 and raw[0] == '"' and raw[-1] == '"'):
        return raw
    out = bytearray()
    body = raw[1:-1]
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out += ch.encode("utf-8", "surrogateescape")
            i += 1
        elif body[i + 1 : i + 4].isdigit() and len(body[i + 1 : i + 4]) == 3:
            out.append(int(body[i + 1 : i + 4], 8))
            i += 4
        else:
            out += _ESCAPES.get(body[i + 1], body[i + 1]).encode()
            i += 2
    return out.decode("utf-8", "surrogateescape")


def _strip_prefix(path: str) -> str:
    path = unquote_path(path)
    return path[2:] if path[:2] in ("a/", "b/") else path


def parse_diff(lines: Iterable[str]) -> list[FileChange]:
    """Parse a ``-U0`` unified diff (the text after any commit header) into files."""
    return list(_parse(iter(lines)))


def _parse(lines: Iterator[str]) -> Iterator[FileChange]:
    current: FileChange | None = None
    new_line = old_line = new_end = old_end = 0
    for raw in lines:
        line = raw.rstrip("\n")
        if line.startswith("diff --git "):
            if current is not None:
                yield current
            current = FileChange(path=_git_header_path(line[len("diff --git "):]))
            new_line = old_line = new_end = old_end = 0
            continue
        if current is None:
            continue
        # inside a hunk its counts say what a line is: a removed "-- comment" is not a header
        if line.startswith("+") and new_line < new_end:
            current.added[new_line] = line[1:].removesuffix("\r")
            new_line += 1
        elif line.startswith("-") and old_line < old_end:
            current.removed[old_line] = line[1:].removesuffix("\r")
            old_line += 1
        elif line.startswith("@@"):
            match = _HUNK.match(line)
            if match:
                hunk = _hunk(*match.groups())
                current.hunks.append(hunk)
                old_line, new_line = hunk.old_start, hunk.new_start
                old_end, new_end = old_line + hunk.old_count, new_line + hunk.new_count
        elif not line.startswith((" ", "\\", "+", "-")) or line.startswith(("+++ ", "--- ")):
            _header(current, line)
    if current is not None:
        yield current


def _hunk(old: str, old_count: str | None, new: str, new_count: str | None) -> Hunk:
    """``@@ -a,b +c,d @@`` (1-based; with a count of 0 the number is the line before)."""
    b = 1 if old_count is None else int(old_count)
    d = 1 if new_count is None else int(new_count)
    return Hunk(int(old) - (b > 0), b, int(new) - (d > 0), d)


def _git_header_path(names: str) -> str:
    """The path in ``a/P b/P``; only trusted when both sides agree (else headers follow)."""
    if names.startswith('"'):
        end = names.find('" ', 1)
        return _strip_prefix(names[: end + 1]) if end > 0 else ""
    half = (len(names) - 1) // 2
    old, new = names[:half], names[half + 1 :]
    if old[2:] == new[2:] and names[half] == " ":
        return old[2:]
    return ""


def _header(change: FileChange, line: str) -> None:
    if line.startswith("+++ ") and line != "+++ /dev/null":
        change.path = _strip_prefix(line[4:])
    elif line.startswith("--- ") and line != "--- /dev/null":
        change.old_path = change.old_path or _strip_prefix(line[4:])
    elif line.startswith("new file mode"):
        change.status = "added"
    elif line.startswith("deleted file mode"):
        change.status = "deleted"
    elif line.startswith(("rename from ", "copy from ")):
        change.old_path = unquote_path(line.split(" ", 2)[2])
        change.status = "renamed" if line.startswith("rename") else "copied"
    elif line.startswith(("rename to ", "copy to ")):
        change.path = unquote_path(line.split(" ", 2)[2])
    elif line.startswith("Binary files ") or line == "GIT binary patch":
        change.binary = True
        _binary_paths(change, line)


def _binary_paths(change: FileChange, line: str) -> None:
    """``Binary files a/x and b/y differ``: the only place a binary file's paths appear."""
    match = re.match(r"^Binary files (.+) and (.+) differ$", line)
    if not match:
        return
    old, new = match.groups()
    if new != "/dev/null" and not change.path:
        change.path = _strip_prefix(new)
    if old != "/dev/null" and change.old_path is None:
        change.old_path = _strip_prefix(old)
    if new == "/dev/null":
        change.status = "deleted"
        change.path = change.path or _strip_prefix(old)


def finish(changes: list[FileChange]) -> list[FileChange]:
    """Settle paths: a deleted file keeps its old path; an unmoved file has no old path."""
    for change in changes:
        if change.status == "deleted" and not change.path:
            change.path = change.old_path or ""
        if change.status in ("modified", "added", "deleted") and change.old_path == change.path:
            change.old_path = None
    return changes
