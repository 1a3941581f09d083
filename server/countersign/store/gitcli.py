"""Running the git binary directly, for code on the commit path.

Commit hooks run on every ``git commit``, and their start-up time is the user's wait:
importing GitPython alone costs about 65 ms of the 150 ms the hook may add (measured in
``bench/bench_hook.py``). Code on that path (diffs, trailers, blobs, notes, the
workspace lookup) therefore calls ``git`` itself through this small runner; git still does
all the parsing of its own formats (``interpret-trailers``, ``diff``, ``notes``). Commands
that need GitPython's object model (``approve``, ``blame``, hook installation) use it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
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
