"""The pre-commit framework installs countersign from a local hook repository and runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.git.conftest import AGENT, ai_file, note_ranges, trailers
from tests.helpers import git

PROJECT = Path(__file__).resolve().parents[2]
SHIPPED = ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml", "server", "rules",
           "examples", "docs")  # everything pyproject.toml builds the package from


def _hook_repo(tmp_path: Path) -> tuple[Path, str]:
    """A clone-like repository of this project's current files, as pre-commit sees one."""
    hook_repo = tmp_path / "countersign-hooks"
    hook_repo.mkdir()
    for name in SHIPPED:
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, hook_repo / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif source.exists():
            shutil.copy2(source, hook_repo / name)
    git(hook_repo, "init", "-q", "-b", "main")
    git(hook_repo, "add", "-A")
    git(hook_repo, "commit", "-qm", "countersign")
    return hook_repo, git(hook_repo, "rev-parse", "HEAD").strip()


def test_pre_commit_framework_runs_the_hooks(repo: Path, tmp_path: Path) -> None:
    hook_repo, rev = _hook_repo(tmp_path)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hook_repo}\n  rev: {rev}\n  hooks:\n"
        "  - id: countersign-stamp\n  - id: countersign-check-message\n"
        "  - id: countersign-note\n")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache")}
    pre_commit = [sys.executable, "-m", "pre_commit"]
    subprocess.run([*pre_commit, "install", "--hook-type", "prepare-commit-msg",
                    "--hook-type", "commit-msg", "--hook-type", "post-commit"],
                   cwd=repo, env=env, check=True, capture_output=True)
    installed = subprocess.run([*pre_commit, "install-hooks"], cwd=repo, env=env,
                               capture_output=True, text=True, timeout=600)
    log = Path(env["PRE_COMMIT_HOME"]) / "pre-commit.log"
    assert installed.returncode == 0, installed.stdout + installed.stderr + (
        log.read_text() if log.exists() else "")
    ai_file(repo, "migrations/001.sql", "DROP TABLE users;\n", {0: AGENT})
    git(repo, "add", "-A")
    done = subprocess.run(["git", "commit", "-q", "-m", "Drop users"], cwd=repo, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert trailers(repo) == [
        "AI-Assisted: claude-code (agent, anthropic/claude-sonnet-4-5)",
        "AI-Lines: 1/8", "Review-Tier: critical", "Review-Required: senior+owner",
        "Risk-Rules: DAT001, DAT002"]
    assert note_ranges(repo) == {"migrations/001.sql": [(1, 1, "claude-code")]}
