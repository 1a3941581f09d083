"""The note prepare-commit-msg leaves for post-commit: attached by the shim alone, never to
another tree or parents, and not lost when post-commit does not run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from countersign.store import hooks
from countersign.store.gitcli import Git
from tests.git.conftest import AGENT, ai_file, commit, note, note_ranges
from tests.helpers import git, write

JOB = "import shutil\n\ndef cleanup(path):\n    shutil.rmtree(path)\n"


def _pending(repo: Path) -> Path:
    return repo / ".git" / "countersign" / "pending-note"


def _has_note(repo: Path, rev: str) -> bool:
    return subprocess.run(["git", "notes", "--ref", "countersign", "show", rev], cwd=repo,
                          capture_output=True).returncode == 0


def _without_id(record: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in record.items() if k != "id"}


def test_the_shim_attaches_the_note_without_python(hooked: Path) -> None:
    shim = hooked / ".git" / "hooks" / "post-commit"
    shim.write_text(hooks.shim("post-commit", str(hooked / "no-such-python")))
    ai_file(hooked, "jobs/cleanup.py", JOB, {3: AGENT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "cleanup")  # fails on any "countersign:" line: Python never ran
    head = git(hooked, "rev-parse", "HEAD").strip()
    attached = note(hooked)
    assert attached["vcs"] == {"type": "git", "revision": head}
    assert attached["timestamp"] == "2026-11-23T12:00:00Z"  # the commit's (pinned) date
    assert note_ranges(hooked) == {"jobs/cleanup.py": [(4, 4, "claude-code")]}
    assert not _pending(hooked).exists()
    git(hooked, "notes", "--ref", "countersign", "remove", head)
    subprocess.run([sys.executable, "-m", "countersign", "hook", "run", "post-commit"],
                   cwd=hooked, check=True)
    assert _without_id(note(hooked)) == _without_id(attached)  # what Python computes afresh


def test_a_skipped_post_commit_gets_its_note_at_the_next_commit(hooked: Path) -> None:
    (hooked / ".git" / "hooks" / "post-commit").unlink()
    ai_file(hooked, "jobs/cleanup.py", JOB, {3: AGENT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "cleanup")
    first = git(hooked, "rev-parse", "HEAD").strip()
    assert not _has_note(hooked, first) and _pending(hooked).exists()
    hooks.install(Git(hooked), sys.executable)
    write(hooked, "README.md", "docs\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "docs")
    assert note_ranges(hooked, first) == {"jobs/cleanup.py": [(4, 4, "claude-code")]}
    assert note(hooked, first)["vcs"]["revision"] == first
    assert note(hooked)["files"] == [] and not _pending(hooked).exists()


@pytest.mark.parametrize("same_tree", [False, True])
def test_a_stale_pending_note_is_never_attached_to_another_commit(
    hooked: Path, same_tree: bool
) -> None:
    """post-commit did not run after ``cleanup``; the next commit is made without
    prepare-commit-msg (``commit-tree``): another tree, or the same tree on other parents."""
    write(hooked, "README.md", "base\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    (hooked / ".git" / "hooks" / "post-commit").unlink()
    ai_file(hooked, "jobs/cleanup.py", JOB, {3: AGENT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "cleanup")
    cleanup = git(hooked, "rev-parse", "HEAD").strip()
    if same_tree:  # same tree as the pending note, but on top of ``cleanup``
        tree, parent = f"{cleanup}^{{tree}}", cleanup
    else:
        tree, parent = "HEAD~1^{tree}", "HEAD~1"
    other = git(hooked, "commit-tree", tree, "-p", parent, "-m", "other").strip()
    git(hooked, "update-ref", "HEAD", other)
    hooks.install(Git(hooked), sys.executable)
    done = subprocess.run([str(hooked / ".git" / "hooks" / "post-commit")], cwd=hooked,
                          capture_output=True, text=True, check=True)
    assert "countersign:" not in done.stderr
    assert note(hooked)["vcs"]["revision"] == other
    assert note(hooked)["files"] == []  # computed afresh: ``other`` adds no AI line
    assert not _pending(hooked).exists() and not _has_note(hooked, cleanup)
