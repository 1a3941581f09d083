"""Real repositories with countersign's hooks installed, and helpers to drive them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from countersign.core.origin import Origin
from countersign.store import hooks
from countersign.store.gitcli import Git
from countersign.store.ledger import Ledger
from tests.cli.conftest import Run, cli, repo
from tests.helpers import git, write

AGENT = Origin("agent", "claude-code", "anthropic/claude-sonnet-4-5")
COPILOT = Origin("inline", "copilot")
__all__ = [
    "AGENT",
    "COPILOT",
    "Run",
    "ai_file",
    "cli",
    "commit",
    "git",
    "ledger",
    "message",
    "note",
    "note_ranges",
    "repo",
    "trailers",
    "write",
]


@pytest.fixture
def hooked(repo: Path) -> Path:
    """An empty repository (the cwd) with countersign's hooks installed."""
    hooks.install(Git(repo), sys.executable)
    return repo


def ledger(repo: Path) -> Ledger:
    return Ledger(Path(git(repo, "rev-parse", "--absolute-git-dir").strip())
                  / "countersign" / "ledger.db")


def ai_file(repo: Path, rel: str, text: str, ai: dict[int, Origin]) -> Path:
    """Write ``rel`` and record lines ``ai`` (0-based) as AI-written in the ledger."""
    path = write(repo, rel, text)
    with ledger(repo) as db:
        db.save(rel, path.read_text(encoding="utf-8"), ai)
    return path


def commit(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``git commit ARGS`` with the hooks running; fails the test on a hook error."""
    done = subprocess.run(["git", "commit", "-q", *args], cwd=repo, capture_output=True,
                          text=True)
    if check:
        assert done.returncode == 0, done.stderr
        assert "countersign:" not in done.stderr, done.stderr
    return done


def message(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "log", "-1", "--format=%B", rev).rstrip("\n")


def trailers(repo: Path, rev: str = "HEAD") -> list[str]:
    out = git(repo, "log", "-1", "--format=%(trailers:only,unfold)", rev)
    return [t for t in out.splitlines() if t]


def note(repo: Path, rev: str = "HEAD") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(git(repo, "notes", "--ref", "countersign", "show", rev))
    return data


def note_ranges(repo: Path, rev: str = "HEAD") -> dict[str, list[tuple[int, int, str]]]:
    """Path -> [(start, end, tool)] from the note of ``rev``."""
    out: dict[str, list[tuple[int, int, str]]] = {}
    for entry in note(repo, rev)["files"]:
        for conv in entry["conversations"]:
            tool = conv["metadata"]["dev.countersign"]["tool"]
            out.setdefault(entry["path"], []).extend(
                (r["start_line"], r["end_line"], tool) for r in conv["ranges"])
    return out
