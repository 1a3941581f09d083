"""Provenance notes across history rewrites, and ``countersign blame``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.git.conftest import AGENT, COPILOT, Run, ai_file, commit, ledger, note, note_ranges
from tests.helpers import git, write

JOB = "import shutil\n\ndef cleanup(path):\n    shutil.rmtree(path)\n"


def test_note_is_an_agent_trace_record(hooked: Path) -> None:
    ai_file(hooked, "jobs/cleanup.py", JOB, {3: AGENT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "cleanup job")
    head = git(hooked, "rev-parse", "HEAD").strip()
    record = note(hooked)
    assert record["version"] == "0.1.0"
    assert record["vcs"] == {"type": "git", "revision": head}
    assert record["tool"]["name"] == "countersign"
    assert record["timestamp"] == "2026-11-23T12:00:00Z"  # the commit's (pinned) date
    assert record["files"] == [{"path": "jobs/cleanup.py", "conversations": [{
        "contributor": {"type": "ai", "model_id": "anthropic/claude-sonnet-4-5"},
        "ranges": [{"start_line": 4, "end_line": 4}],
        "metadata": {"dev.countersign": {"tool": "claude-code", "kind": "agent"}}}]}]
    assert record["metadata"]["dev.countersign"]["tier"] == "medium"


def test_notes_follow_a_rebase_that_moves_lines(hooked: Path) -> None:
    write(hooked, "jobs/cleanup.py", "import shutil\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    git(hooked, "checkout", "-qb", "feature")
    ai_file(hooked, "jobs/cleanup.py", JOB, {3: AGENT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "feature: cleanup")
    old = git(hooked, "rev-parse", "HEAD").strip()
    git(hooked, "checkout", "-q", "main")
    # upstream adds lines above, so the AI line moves down by two after the rebase
    write(hooked, "jobs/cleanup.py", '"""Jobs."""\nimport os\nimport shutil\n')
    git(hooked, "add", "-A")
    commit(hooked, "-m", "main: docstring")
    with ledger(hooked) as db:
        db.forget("jobs/cleanup.py")  # only the note knows the AI line now
    git(hooked, "checkout", "-q", "feature")
    done = subprocess.run(["git", "rebase", "-q", "main"], cwd=hooked, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    new = git(hooked, "rev-parse", "HEAD").strip()
    assert new != old
    assert git(hooked, "show", f"{new}:jobs/cleanup.py").splitlines()[5] == \
        "    shutil.rmtree(path)"
    assert note_ranges(hooked, new) == {"jobs/cleanup.py": [(6, 6, "claude-code")]}
    assert note(hooked, new)["vcs"]["revision"] == new
    # the trailers of the original commit were kept, not recomputed from an empty ledger
    assert "AI-Assisted: claude-code (agent, anthropic/claude-sonnet-4-5)" in \
        git(hooked, "log", "-1", "--format=%B", new)


def test_notes_follow_amend(hooked: Path) -> None:
    ai_file(hooked, "jobs/cleanup.py", JOB, {3: AGENT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "cleanup")
    write(hooked, "jobs/cleanup.py", "# header\n" + JOB)
    git(hooked, "add", "-A")
    commit(hooked, "--amend", "-m", "cleanup, with a header")
    assert note_ranges(hooked) == {"jobs/cleanup.py": [(5, 5, "claude-code")]}


def test_rewrite_ref_copies_notes_even_without_our_hooks(repo: Path, cli: Run) -> None:
    cli("hook", "install")
    ai_file(repo, "jobs/cleanup.py", JOB, {3: AGENT})
    git(repo, "add", "-A")
    commit(repo, "-m", "cleanup")
    for name in ("post-rewrite", "post-commit", "prepare-commit-msg"):
        (repo / ".git" / "hooks" / name).unlink()
    git(repo, "commit", "-q", "--amend", "-m", "reworded")
    assert note_ranges(repo) == {"jobs/cleanup.py": [(4, 4, "claude-code")]}
    _, out, _ = cli("verify", "--format", "json")
    assert json.loads(out)["commits"][0]["ai_lines"] == 1  # verify maps the copied note


def test_blame_combines_notes_and_the_uncommitted_ledger(hooked: Path, cli: Run) -> None:
    ai_file(hooked, "jobs/cleanup.py", JOB, {3: AGENT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "cleanup")
    head = git(hooked, "rev-parse", "HEAD").strip()[:8]
    text = JOB + "    os.remove(lock)\n" + "    print('done')\n"
    ai_file(hooked, "jobs/cleanup.py", text, {3: AGENT, 4: COPILOT})
    code, out, _ = cli("blame", "jobs/cleanup.py")
    assert code == 0
    width = len("claude-code (agent, anthropic/claude-sonnet-4-5)")
    assert out.splitlines() == [
        f"    1 {'human':<{width}} {head} | import shutil",
        f"    2 {'human':<{width}} {head} | ",
        f"    3 {'human':<{width}} {head} | def cleanup(path):",
        f"    4 {'claude-code (agent, anthropic/claude-sonnet-4-5)'} {head} |     "
        "shutil.rmtree(path)",
        f"    5 {'copilot (inline)':<{width}} {'':<8} |     os.remove(lock)",
        f"    6 {'human':<{width}} {'':<8} |     print('done')",
    ]
    code, out, _ = cli("blame", "--format", "json", "jobs/cleanup.py")
    rows = json.loads(out)["lines"]
    assert [r["ai"] for r in rows] == [False, False, False, True, True, False]


def test_blame_says_when_a_commit_has_no_note(repo: Path, cli: Run) -> None:
    write(repo, "a.py", "x = 1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "no hooks")
    code, out, _ = cli("blame", "a.py")
    assert code == 0
    assert out.split()[1:4] == ["unknown", "(no", "note)"]
