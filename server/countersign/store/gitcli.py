"""The one way countersign reaches git: the git binary, run by ``Git``.

Commit hooks run on every ``git commit``, and their start-up time is the user's wait:
importing GitPython alone costs about 65 ms of the 150 ms the hook may add (measured in
``bench/bench_hook.py``). Everything therefore calls ``git`` itself through this small
runner, and git does the parsing of its own formats (``interpret-trailers``, ``diff``,
``notes``, ``-z`` lists). GitPython is imported only where its
parser of ``git blame --incremental`` earns the import (``Git.blame``, ``Git.blame_at``); no
commit hook calls them.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path


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

    def objects(self, names: Sequence[str]) -> dict[str, bytes | None]:
        """Contents of blobs named like ``:path`` or ``REV:path``, in one ``cat-file``."""
        if not names:
            return {}
        unique = list(dict.fromkeys(names))
        out = self.run("cat-file", "--batch", stdin="".join(f"{n}\n" for n in unique).encode())
        found: dict[str, bytes | None] = {}
        pos = 0
        for name in unique:
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            pos = end + 1
            if len(header) != 3 or header[-1] == b"missing" or not header[2].isdigit():
                found[name] = None  # "<name> missing" or "<name> ambiguous"
                continue
            size = int(header[2])
            found[name] = out[pos : pos + size] if header[1] == b"blob" else None
            pos += size + 1
        return found

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
        out = self.run("ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", under)
        return sorted({n for n in out.decode("utf-8", "surrogateescape").split("\0") if n})

    def identity(self) -> str | None:
        """``Name <email>`` git would commit as here (honours ``GIT_COMMITTER_*``), or None."""
        try:
            ident = self.text("var", "GIT_COMMITTER_IDENT")
        except (GitError, OSError):
            return None
        end = ident.find(">")
        return ident[:end + 1] if 0 <= ident.find("<") < end else None

    def committer_email(self) -> str | None:
        """The e-mail git would commit with here, or None."""
        ident = self.identity()
        return None if ident is None else ident[ident.find("<") + 1:-1]

    def blame(self, path: str) -> list[BlamedLine]:
        """Who last changed each line of ``path`` at HEAD: commit, path and line there."""
        import git  # GitPython's parser of --incremental output; only `countersign blame`

        out = []
        for entry in git.Repo(self.root).blame_incremental(None, path):
            for line, orig in zip(entry.linenos, entry.orig_linenos, strict=False):
                out.append(BlamedLine(line - 1, entry.commit.hexsha, entry.orig_path or path,
                                      orig - 1))
        return out

    def blame_at(self, rev: str, path: str, runs: Sequence[tuple[int, int]]) -> list[BlamedLine]:
        """Who introduced lines ``runs`` (0-based ``[start, end)``) of ``path`` at commit
        ``rev``, following renames, and lines moved or copied within and between files."""
        import git

        ranges = [f"{start + 1},{end}" for start, end in runs]
        out = []
        try:
            for entry in git.Repo(self.root).blame_incremental(rev, path, L=ranges, M=True,
                                                               C=True):
                for line, orig in zip(entry.linenos, entry.orig_linenos, strict=False):
                    out.append(BlamedLine(line - 1, entry.commit.hexsha,
                                          entry.orig_path or path, orig - 1))
        except git.GitCommandError as exc:
            code = exc.status if isinstance(exc.status, int) else 1
            raise GitError(("blame", rev, "--", path), code, str(exc.stderr)) from None
        return out


@dataclass(frozen=True)
class BlamedLine:
    """Line ``line`` (0-based) came from ``commit``, where it was line ``orig_line`` of
    ``orig_path``."""

    line: int
    commit: str
    orig_path: str
    orig_line: int

