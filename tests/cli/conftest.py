"""Real git repositories for CLI tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from countersign.cli.main import main
from tests.helpers import git, make_repo, write

__all__ = ["Run", "cli", "git", "repo", "write"]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty git repository (identities pinned by the root conftest), as the cwd."""
    root = make_repo(tmp_path / "repo")
    monkeypatch.chdir(root)
    return root


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``countersign ARGS...`` in-process; returns (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run
