"""The one way countersign reaches git: the git binary, run by ``Git``.

Commit hooks run on every ``git commit``, and their start-up time is the user's wait:
importing GitPython alone costs about 65 ms of the 150 ms the hook may add (measured in
``bench/bench_hook.py``). Everything therefore calls ``git`` itself through this small
runner, and git does the parsing of its own formats (``interpret-trailers``, ``diff``,
``notes``, ``-z`` lists). Paths are read NUL-separated and blobs by object id, so no file
name (newline, quote, non-UTF-8 byte) can shift what is read; ``blame``, which has no
``-z``, is read with ``unquote_name``. GitPython was dropped: its object model earned its
import cost nowhere once blame was read directly.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal


class GitError(Exception):
    """A git command failed; ``stderr`` is what git said."""

    def __init__(self, args: Sequence[str], code: int, stderr: str) -> None:
        super().__init__(f"git {' '.join(args)} failed ({code}): {stderr.strip()}")
        self.code = code
        self.stderr = stderr


class Git:
    """``git`` run in one working directory (environment such as GIT_INDEX_FILE inherited)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def run(self, *args: str, stdin: bytes | None = None) -> bytes:
        done = subprocess.run(["git", *args], cwd=self.root, input=stdin,
                              capture_output=True, check=False)
        if done.returncode != 0:
            raise GitError(args, done.returncode, done.stderr.decode("utf-8", "replace"))
        return done.stdout

    def text(self, *args: str, stdin: bytes | None = None) -> str:
        """Output as text (undecodable bytes replaced), without the final newline."""
        return self.run(*args, stdin=stdin).decode("utf-8", "replace").removesuffix("\n")

    def ok(self, *args: str) -> bool:
        """Whether the command succeeds (for questions git answers with its exit code)."""
        return subprocess.run(["git", *args], cwd=self.root, capture_output=True,
                              check=False).returncode == 0

    @cached_property
    def git_dir(self) -> Path:
        """This worktree's git directory (``.git/worktrees/NAME`` in a linked worktree)."""
        return Path(self.text("rev-parse", "--absolute-git-dir"))

    def objects(self, ids: Sequence[str]) -> dict[str, bytes | None]:
        """Contents of the blobs with object ids ``ids``, in one ``cat-file --batch``.

        Only ids: ``cat-file --batch`` reads one name a line, so a ``REV:path`` name cannot
        carry a path with a newline, and ``:1:x`` means stage 1 of ``x``, not the file
        ``1:x``. ``blob_ids`` turns paths into ids first. ``None`` for a missing id or an
        object that is not a blob.
        """
        unique = list(dict.fromkeys(ids))
        if not unique:
            return {}
        bad = [i for i in unique if not _OBJECT_ID.match(i)]
        if bad:
            raise ValueError(f"not object ids: {', '.join(map(repr, bad[:3]))}")
        out = self.run("cat-file", "--batch", stdin="".join(f"{i}\n" for i in unique).encode())
        found: dict[str, bytes | None] = {}
        pos = 0
        for name in unique:
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            pos = end + 1
            if len(header) != 3 or header[-1] == b"missing" or not header[2].isdigit():
                found[name] = None  # "<id> missing" or "<id> ambiguous"
                continue
            size = int(header[2])
            found[name] = out[pos : pos + size] if header[1] == b"blob" else None
            pos += size + 1
        return found

    def text_blobs(self, ids: Sequence[str], limit: int) -> set[str]:
        """The ids among ``ids`` of blobs git's own content check calls text (no NUL in
        the first 8,000 bytes), read only when at most ``limit`` bytes."""
        unique = [i for i in dict.fromkeys(ids) if _OBJECT_ID.match(i)]
        if not unique:
            return set()
        out = self.run("cat-file", "--batch-check",
                       stdin="".join(f"{i}\n" for i in unique).encode())
        small = [f[0].decode() for f in (line.split() for line in out.splitlines())
                 if len(f) == 3 and f[1] == b"blob" and int(f[2]) <= limit]
        return {i for i, data in self.objects(small).items()
                if data is not None and b"\0" not in data[:_SNIFF]}

    def blob_ids(self, rev: str, paths: Sequence[str]) -> dict[str, str]:
        """Path -> blob id of each of ``paths`` that is a file in ``rev`` (``""``: the index).

        Read NUL-separated (``ls-tree -z``/``ls-files -z -s``) and matched literally, so
        any file name git can store comes back exactly.
        """
        found: dict[str, str] = {}
        wanted = list(dict.fromkeys(paths))
        for start in range(0, len(wanted), _PATHS_PER_CALL):
            chunk = wanted[start : start + _PATHS_PER_CALL]
            if rev:
                out = self.run("--literal-pathspecs", "ls-tree", "-z", "-r", "--full-tree",
                               rev, "--", *chunk)
            else:
                out = self.run("--literal-pathspecs", "ls-files", "-z", "-s", "--", *chunk)
            for entry in out.split(b"\0"):
                info, tab, name = entry.partition(b"\t")
                fields = info.split()
                if tab and _is_blob(fields, rev):
                    found[os.fsdecode(name)] = fields[1 if not rev else 2].decode()
        return found


    def blob(self, rev: str, path: str) -> bytes | None:
        """The file ``path`` of ``rev`` (``""``: the index), or ``None`` when it is not a
        file there or ``rev`` does not exist. ``path`` is taken literally."""
        try:
            blob = self.blob_ids(rev, [path]).get(path)
        except GitError:
            return None
        return self.objects([blob])[blob] if blob else None

    def config(self, key: str) -> str | None:
        """The value of git config ``key`` here, or ``None`` when unset."""
        try:
            return self.text("config", "--get", key)
        except GitError:
            return None

    def config_all(self, key: str) -> list[str]:
        """Every value of the multi-valued git config ``key`` (``[]`` when unset)."""
        try:
            return self.text("config", "--get-all", key).splitlines()
        except GitError:
            return []

    def files(self, under: str) -> list[str]:
        """Paths under ``under`` that git tracks or would track (``.gitignore`` respected)."""
        out = self.run("--literal-pathspecs", "ls-files", "--cached", "--others",
                       "--exclude-standard", "-z", "--", under)
        return sorted({n for n in out.decode("utf-8", "surrogateescape").split("\0") if n})

    def identity(self, role: Literal["COMMITTER", "AUTHOR"] = "COMMITTER") -> str | None:
        """``Name <email>`` git would commit as here (``role`` ``AUTHOR``: author a commit
        as; honours ``GIT_COMMITTER_*`` / ``GIT_AUTHOR_*``, which git sets for its hooks),
        or None."""
        try:
            ident = self.text("var", f"GIT_{role}_IDENT")
        except (GitError, OSError):
            return None
        end = ident.find(">")
        return ident[:end + 1] if 0 <= ident.find("<") < end else None

    def committer_email(self) -> str | None:
        """The e-mail git would commit with here, or None."""
        ident = self.identity()
        return None if ident is None else ident[ident.find("<") + 1:-1]

    def blame(self, path: str, revs: Sequence[str] = ()) -> list[BlamedLine]:
        """Who last changed each line of ``path`` (in the working tree, or in ``revs``: a
        revision, and ``^REV`` for history not to look into): commit, path and line there."""
        return _incremental(self.run("-c", "core.quotePath=true", "blame", "--incremental",
                                     *revs, "--", path))

    def blame_at(self, rev: str, path: str, runs: Sequence[tuple[int, int]]) -> list[BlamedLine]:
        """Who introduced lines ``runs`` (0-based ``[start, end)``) of ``path`` at commit
        ``rev``, following renames, and lines moved or copied within and between files."""
        ranges = [arg for start, end in runs for arg in ("-L", f"{start + 1},{end}")]
        return _incremental(self.run("-c", "core.quotePath=true", "blame", "--incremental",
                                     "-M", "-C", *ranges, rev, "--", path))


def _incremental(out: bytes) -> list[BlamedLine]:
    """Lines of ``git blame --incremental`` output: each entry is a ``SHA ORIG FINAL COUNT``
    line, header lines, and a ``filename`` line that ends it (C-quoted when special)."""
    lines: list[BlamedLine] = []
    entry: list[str] | None = None
    for line in out.split(b"\n"):
        if entry is None:
            entry = line.decode("ascii").split() if line else None
        elif line.startswith(b"filename "):
            sha, orig, final, count = entry[0], int(entry[1]), int(entry[2]), int(entry[3])
            name = os.fsdecode(unquote_name(line[len(b"filename "):]))
            lines += [BlamedLine(final - 1 + i, sha, name, orig - 1 + i) for i in range(count)]
            entry = None
    return lines


@dataclass(frozen=True)
class BlamedLine:
    """Line ``line`` (0-based) came from ``commit``, where it was line ``orig_line`` of
    ``orig_path``."""

    line: int
    commit: str
    orig_path: str
    orig_line: int


def unquote_name(raw: bytes) -> bytes:
    """A file name as git prints it where it has no ``-z`` (``blame``'s ``filename``).

    git C-quotes a name with special bytes; with ``core.quotePath=true`` (pass it with
    ``-c``) the quoted form is pure ASCII using only escapes Python's bytes literals share
    (``\\a \\b \\t \\n \\v \\f \\r \\" \\\\`` and octal), so Python's literal parser reads it.
    """
    if len(raw) < 2 or not raw.startswith(b'"') or not raw.endswith(b'"'):
        return raw
    value = ast.literal_eval("b" + raw.decode("ascii"))
    if not isinstance(value, bytes):
        raise ValueError(f"not a quoted file name: {raw!r}")
    return value


_OBJECT_ID = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_SNIFF = 8000
"""How much of a blob git looks at for a NUL to call it binary (``buffer_is_binary``)."""
_PATHS_PER_CALL = 1000
"""Paths per ``ls-tree``/``ls-files`` call: far below the kernel's argument size limit."""


def _is_blob(fields: list[bytes], rev: str) -> bool:
    """An ``ls-tree`` entry of a blob, or an ``ls-files -s`` entry at stage 0 (merged)."""
    if rev:
        return len(fields) == 3 and fields[1] == b"blob"
    return len(fields) == 3 and fields[2] == b"0" and fields[0] != b"160000"
