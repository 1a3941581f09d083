"""What every kind of test needs to build its world: run git, write files, make a repository.

One copy for all tests (unit, cli, git, lsp, report), so a fix here reaches all of them.
Repositories are real (``git init``); identities and ``$HOME`` are pinned by the root
conftest.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(repo: Path, *args: str, data: bytes | None = None) -> str:
    """Run git in ``repo`` (``data`` on stdin); its output, or CalledProcessError."""
    return subprocess.run(["git", *args], cwd=repo, input=data, check=True,
                          capture_output=True).stdout.decode("utf-8", "replace")


def write(root: Path, rel: str, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``root/rel``, making directories; returns the path."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def make_repo(root: Path) -> Path:
    """An empty repository at ``root`` on branch ``main``."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    return root
