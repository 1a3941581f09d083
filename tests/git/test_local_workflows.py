"""Provenance across local workflows that re-apply commits: merge --squash, cherry-pick,
autosquash, stash and pop. Each starts from AI commits whose lines only the notes know."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.git.conftest import (
    AGENT,
    COPILOT,
    ai_file,
    commit,
    git,
    ledger,
    note_ranges,
    trailers,
    write,
)

JOB = "import shutil\n\n\ndef cleanup(path):\n    shutil.rmtree(path)\n"


def _branch_with_ai(repo: Path) -> str:
    """main: base; feature: an agent commit and a Copilot commit. Returns feature's head."""
    write(repo, "jobs/cleanup.py", "import shutil\n")
    write(repo, "notes.txt", "one\n")
    git(repo, "add", "-A")
    commit(repo, "-m", "base")
    git(repo, "checkout", "-qb", "feature")
    ai_file(repo, "jobs/cleanup.py", JOB, {3: AGENT, 4: AGENT})
    git(repo, "add", "-A")
    commit(repo, "-m", "cleanup job")
    ai_file(repo, "jobs/retry.py", "RETRIES = 3\n", {0: COPILOT})
    git(repo, "add", "-A")
    commit(repo, "-m", "retries")
    git(repo, "checkout", "-q", "main")
    with ledger(repo) as db:
        db.forget("jobs/cleanup.py")
        db.forget("jobs/retry.py")
    return git(repo, "rev-parse", "feature").strip()


def _run(repo: Path, *args: str, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr
    assert "countersign:" not in done.stderr, done.stderr


def test_merge_squash_keeps_tools_in_trailers_and_note(hooked: Path) -> None:
    _branch_with_ai(hooked)
    write(hooked, "notes.txt", "one\ntwo\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "main moves")
    _run(hooked, "merge", "--squash", "feature")
    commit(hooked, "-m", "feature, squashed")
    assert note_ranges(hooked) == {"jobs/cleanup.py": [(4, 5, "claude-code")],
                                   "jobs/retry.py": [(1, 1, "copilot")]}
    assert any(t.startswith("AI-Assisted: claude-code") and "copilot" in t
               for t in trailers(hooked))
    assert not (Path(git(hooked, "rev-parse", "--absolute-git-dir").strip())
                / "COUNTERSIGN_SQUASH").exists()


def test_abandoned_squash_does_not_leak_into_the_next_commit(hooked: Path) -> None:
    _branch_with_ai(hooked)
    _run(hooked, "merge", "--squash", "feature")
    done = subprocess.run(["git", "commit"], cwd=hooked, capture_output=True, text=True,
                          env={**os.environ, "GIT_EDITOR": "false"})
    assert done.returncode != 0  # the editor failed: git gives up after prepare-commit-msg
    git(hooked, "reset", "-q", "--hard")
    write(hooked, "jobs/cleanup.py", JOB)  # the same content, typed by a person
    git(hooked, "add", "-A")
    commit(hooked, "-m", "by hand")
    assert note_ranges(hooked) == {}


def test_cherry_pick_with_and_without_x(hooked: Path) -> None:
    head = _branch_with_ai(hooked)
    _run(hooked, "cherry-pick", f"{head}~1")
    assert note_ranges(hooked) == {"jobs/cleanup.py": [(4, 5, "claude-code")]}
    _run(hooked, "cherry-pick", "-x", head)
    assert note_ranges(hooked) == {"jobs/retry.py": [(1, 1, "copilot")]}


def test_cherry_pick_with_a_conflict_resolved_by_hand(hooked: Path) -> None:
    head = _branch_with_ai(hooked)
    write(hooked, "jobs/cleanup.py", "import shutil\nimport os\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "main: os")
    done = subprocess.run(["git", "cherry-pick", f"{head}~1"], cwd=hooked,
                          capture_output=True, text=True)
    assert done.returncode != 0  # conflict
    write(hooked, "jobs/cleanup.py", "import shutil\nimport os\n" + JOB.split("\n", 1)[1])
    git(hooked, "add", "-A")
    commit(hooked, "--no-edit")  # git removed CHERRY_PICK_HEAD before post-commit ran
    assert note_ranges(hooked) == {"jobs/cleanup.py": [(5, 6, "claude-code")]}


def test_autosquash_joins_the_fixup_and_its_target(hooked: Path) -> None:
    write(hooked, "README.md", "readme\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    ai_file(hooked, "jobs/cleanup.py", JOB, {4: AGENT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "cleanup job")
    target = git(hooked, "rev-parse", "HEAD").strip()
    ai_file(hooked, "jobs/cleanup.py", JOB + "RETRIES = 3\n", {5: COPILOT})
    git(hooked, "add", "-A")
    commit(hooked, f"--fixup={target}")
    with ledger(hooked) as db:
        db.forget("jobs/cleanup.py")
    _run(hooked, "rebase", "-q", "-i", "--autosquash", "HEAD~2",
         env={"GIT_SEQUENCE_EDITOR": "true"})
    assert git(hooked, "rev-list", "--count", "HEAD").strip() == "2"
    assert note_ranges(hooked) == {"jobs/cleanup.py": [(5, 5, "claude-code"),
                                                       (6, 6, "copilot")]}


def test_stash_and_pop_keep_uncommitted_ai_lines(hooked: Path) -> None:
    write(hooked, "jobs/cleanup.py", "import shutil\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    ai_file(hooked, "jobs/cleanup.py", JOB, {4: AGENT})
    _run(hooked, "stash")
    write(hooked, "README.md", "meanwhile\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "something else first")
    _run(hooked, "stash", "pop")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "cleanup job")
    assert note_ranges(hooked) == {"jobs/cleanup.py": [(5, 5, "claude-code")]}
