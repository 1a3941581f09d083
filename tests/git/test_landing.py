"""``countersign ci land``: notes for pull requests a forge squashed, rebased or merged.

The forge is played by git itself with countersign's hooks and note rewriting switched
off, as on GitHub's or GitLab's servers: the landed commits arrive without notes.
"""

from __future__ import annotations

from pathlib import Path

from countersign.core.origin import Origin
from tests.git.conftest import (
    AGENT,
    COPILOT,
    Run,
    ai_file,
    commit,
    git,
    ledger,
    note_ranges,
    write,
)

FORGE = ("-c", "core.hooksPath=/dev/null", "-c", "notes.rewrite.rebase=false",
         "-c", "notes.rewrite.amend=false")
CODEX = Origin("agent", "codex", "openai/gpt-5-codex")


def forge(repo: Path, *args: str) -> str:
    """git as the forge runs it: no countersign hooks, no notes copied."""
    return git(repo, *FORGE, *args)


def pull_request(repo: Path) -> str:
    """main with one commit; feature with 2 AI commits and 1 human one; main moves on.

    Returns the feature's head. The ledger is emptied: only notes know the AI lines.
    """
    write(repo, "app/main.py", "import os\n\n\ndef main():\n    pass\n")
    git(repo, "add", "-A")
    commit(repo, "-m", "base")
    git(repo, "checkout", "-qb", "feature")
    ai_file(repo, "infra/db.tf", 'resource "aws_db_instance" "main" {\n'
            "  deletion_protection = false\n}\n", {0: AGENT, 1: AGENT, 2: AGENT})
    git(repo, "add", "-A")
    commit(repo, "-m", "db by claude")
    ai_file(repo, "app/main.py", "import os\n\n\ndef main():\n    os.system('rm -rf /tmp/x')\n",
            {4: CODEX})
    git(repo, "add", "-A")
    commit(repo, "-m", "cleanup by codex")
    write(repo, "README.md", "# app\n\nHand written.\n")
    git(repo, "add", "-A")
    commit(repo, "-m", "docs by a person")
    head = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "main")
    write(repo, "CHANGES.md", "main moved on\n")
    git(repo, "add", "-A")
    commit(repo, "-m", "meanwhile on main")
    with ledger(repo) as db:
        for path in ("infra/db.tf", "app/main.py"):
            db.forget(path)
    return head


def test_squash_merge_keeps_every_ai_line_and_its_tool(hooked: Path, cli: Run) -> None:
    head = pull_request(hooked)
    forge(hooked, "merge", "--squash", "feature")
    forge(hooked, "commit", "-q", "-m", "Feature (#1)")
    landed = git(hooked, "rev-parse", "HEAD").strip()
    code, out, err = cli("ci", "land", "--head", head)
    assert code == 0, err
    assert out.splitlines()[0] == (f"squash: {landed[:10]} landed 3 commits of the pull "
                                   f"request ({git(hooked, 'merge-base', 'HEAD', head)[:10]}"
                                   f"..{head[:10]}), 3 with a provenance note")
    assert note_ranges(hooked, landed) == {"infra/db.tf": [(1, 3, "claude-code")],
                                           "app/main.py": [(5, 5, "codex")]}
    assert "tier critical" in out or "tier high" in out
    # verify on main judges the landed commit with the pull request's provenance
    _, out, _ = cli("verify", "--format", "json", landed)
    assert '"ai_lines": 4' in out


def test_squash_of_lines_moved_by_main_changes(hooked: Path, cli: Run) -> None:
    """Main edited the file too: the squash commit's line numbers differ from the branch's."""
    head = pull_request(hooked)
    write(hooked, "app/main.py", '"""The app."""\nimport os\n\n\ndef main():\n    pass\n')
    git(hooked, "add", "-A")
    commit(hooked, "-m", "main: docstring")
    forge(hooked, "merge", "--squash", "feature")
    forge(hooked, "commit", "-q", "-m", "Feature (#1)")
    code, _, err = cli("ci", "land", "--head", head)
    assert code == 0, err
    assert note_ranges(hooked)["app/main.py"] == [(6, 6, "codex")]


def test_rebase_merge_pairs_commits_by_content(hooked: Path, cli: Run) -> None:
    head = pull_request(hooked)
    forge(hooked, "checkout", "-q", "-b", "landed", head)
    forge(hooked, "rebase", "-q", "main")
    forge(hooked, "checkout", "-q", "main")
    forge(hooked, "merge", "-q", "--ff-only", "landed")
    code, out, err = cli("ci", "land", "--head", head)
    assert code == 0, err
    assert out.startswith("rebase: ")
    assert "3 notes written" in out
    assert note_ranges(hooked, "HEAD~2") == {"infra/db.tf": [(1, 3, "claude-code")]}
    assert note_ranges(hooked, "HEAD~1") == {"app/main.py": [(5, 5, "codex")]}
    assert note_ranges(hooked, "HEAD") == {}
    assert git(hooked, "log", "-1", "--format=%s", "HEAD~2").strip() == "db by claude"


def test_merge_commit_needs_nothing(hooked: Path, cli: Run) -> None:
    head = pull_request(hooked)
    forge(hooked, "merge", "-q", "--no-ff", "-m", "Merge pull request #1", "feature")
    before = git(hooked, "notes", "--ref", "countersign", "list")
    code, out, err = cli("ci", "land", "--head", head)
    assert code == 0, err
    assert out.splitlines() == [
        f"merge: {git(hooked, 'rev-parse', 'HEAD')[:10]} landed 0 commits of the pull "
        f"request ({head[:10]}..{head[:10]}), 0 with a provenance note",
        "The pull request's commits are in the history with their own notes; nothing to "
        "write."]
    assert git(hooked, "notes", "--ref", "countersign", "list") == before


def test_one_commit_squash_and_landing_twice(hooked: Path, cli: Run) -> None:
    write(hooked, "a.py", "x = 1\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    git(hooked, "checkout", "-qb", "feature")
    ai_file(hooked, "a.py", "x = 1\ny = 2\n", {1: COPILOT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "y")
    head = git(hooked, "rev-parse", "HEAD").strip()
    git(hooked, "checkout", "-q", "main")
    forge(hooked, "merge", "--squash", "feature")
    forge(hooked, "commit", "-q", "-m", "y (#2)")
    for _ in range(2):
        code, _, err = cli("ci", "land", "--head", head)
        assert code == 0, err
        assert note_ranges(hooked) == {"a.py": [(2, 2, "copilot")]}


def test_land_without_notes_or_head_says_what_to_fetch(hooked: Path, cli: Run) -> None:
    head = pull_request(hooked)
    forge(hooked, "merge", "--squash", "feature")
    forge(hooked, "commit", "-q", "-m", "Feature (#1)")
    code, _, err = cli("ci", "land", "--head", "0" * 40)
    assert code == 2
    assert "is not a commit in this clone" in err and "refs/pull/N/head" in err
    git(hooked, "update-ref", "-d", "refs/notes/countersign")
    code, _, err = cli("ci", "land", "--head", head)
    assert code == 1
    assert "none of the pull request's commits has a note" in err
    assert "countersign sync origin" in err
