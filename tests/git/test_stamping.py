"""prepare-commit-msg stamping in real repositories, for every way a commit gets made."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.git.conftest import AGENT, COPILOT, ai_file, commit, message, note_ranges, trailers
from tests.helpers import git, write

DROP = "CREATE TABLE a (id int);\nDROP TABLE users;\n"
NO_AI = ["AI-Assisted: no", "AI-Lines: 0/1", "Review-Tier: none", "Review-Required: none"]
AGENT_DROP = [
    "AI-Assisted: claude-code (agent, anthropic/claude-sonnet-4-5)",
    "AI-Lines: 1/2",
    "Review-Tier: critical",
    "Review-Required: senior+owner",
    "Risk-Rules: DAT001, DAT002",
]


def test_first_commit_with_m_is_stamped_from_the_ledger(hooked: Path) -> None:
    ai_file(hooked, "migrations/001.sql", DROP, {1: AGENT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "Add migration")
    assert message(hooked) == "Add migration\n\n" + "\n".join(AGENT_DROP)
    assert note_ranges(hooked) == {"migrations/001.sql": [(2, 2, "claude-code")]}


def test_a_commit_without_ai_lines_says_so(hooked: Path) -> None:
    write(hooked, "README.md", "hello\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "Docs")
    assert trailers(hooked) == NO_AI


def test_user_trailers_are_kept_in_order_and_restamping_changes_nothing(hooked: Path) -> None:
    ai_file(hooked, "migrations/001.sql", DROP, {1: AGENT})
    git(hooked, "add", "-A")
    msg = hooked / "msg.txt"
    msg.write_text("Add migration\n\nWhy: cleanup\n\nSigned-off-by: Ada <ada@example.com>\n"
                   "Reviewed-by: Bo <bo@example.com>\n")
    hook = [".git/hooks/prepare-commit-msg", str(msg), "message"]
    subprocess.run(hook, cwd=hooked, check=True)
    once = msg.read_text()
    subprocess.run(hook, cwd=hooked, check=True)
    assert msg.read_text() == once  # running twice changes nothing
    commit(hooked, "-F", str(msg))  # and the real commit runs it a third time
    first = message(hooked)
    assert first + "\n" == once
    assert first == ("Add migration\n\nWhy: cleanup\n\nSigned-off-by: Ada <ada@example.com>\n"
                     "Reviewed-by: Bo <bo@example.com>\n" + "\n".join(AGENT_DROP))
    # amending without changes keeps one set of trailers, in the same place
    commit(hooked, "--amend", "--no-edit")
    assert message(hooked) == first


def test_stale_countersign_trailers_are_replaced_not_duplicated(hooked: Path) -> None:
    write(hooked, "README.md", "hello\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "Docs\n\nAI-Assisted: copilot (inline)\nReview-Tier: critical\n"
                         "Risk-Rules: DAT002\nSigned-off-by: Ada <ada@example.com>")
    assert trailers(hooked) == ["Signed-off-by: Ada <ada@example.com>", *NO_AI]


def test_commit_a_uses_the_index_git_builds_for_it(hooked: Path) -> None:
    write(hooked, "app.py", "print('hi')\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    ai_file(hooked, "app.py", "print('hi')\nrequests.get(url, verify=False)\n", {1: COPILOT})
    commit(hooked, "-a", "-m", "call")
    assert trailers(hooked)[:3] == ["AI-Assisted: copilot (inline)", "AI-Lines: 1/1",
                                    "Review-Tier: high"]


def test_no_verify_still_stamps_and_an_agent_commit_is_attributed(hooked: Path) -> None:
    # Aider commits itself, with --no-verify and its own author line
    ai_file(hooked, "migrations/001.sql", DROP, {1: AGENT})
    git(hooked, "add", "-A")
    commit(hooked, "--no-verify", "--author", "aider <aider@example.com>", "-m",
           "aider: add migration")
    assert trailers(hooked) == AGENT_DROP
    assert note_ranges(hooked)


def test_only_staged_ai_lines_count_when_part_of_a_file_is_staged(hooked: Path) -> None:
    write(hooked, "jobs.py", "a = 1\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    text = "a = 1\nshutil.rmtree(path)\nb = 2\n"
    ai_file(hooked, "jobs.py", text, {1: AGENT})
    # stage only the human line b = 2 by building the index blob by hand
    blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=hooked, check=True,
                          input="a = 1\nb = 2\n", capture_output=True, text=True).stdout.strip()
    git(hooked, "update-index", "--cacheinfo", f"100644,{blob},jobs.py")
    commit(hooked, "-m", "b")
    assert trailers(hooked)[:2] == ["AI-Assisted: no", "AI-Lines: 0/1"]


def test_a_move_git_does_not_see_as_a_rename_keeps_its_ai_lines(hooked: Path) -> None:
    ai_file(hooked, "a.sh", "#!/bin/sh\nls\n", {1: AGENT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    write(hooked, "b.sh", "#!/bin/sh\nls\nrm -rf /var/lib/app\n")  # too different to pair
    (hooked / "a.sh").unlink()
    git(hooked, "add", "-A")
    assert "rename" not in git(hooked, "diff", "--cached", "-M", "--summary")
    commit(hooked, "-m", "move")
    assert trailers(hooked)[:2] == [AGENT_DROP[0], "AI-Lines: 1/3"]


def test_amend_stamps_the_whole_commit_diff(hooked: Path) -> None:
    write(hooked, "README.md", "hello\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    ai_file(hooked, "migrations/001.sql", DROP, {1: AGENT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "migration")
    write(hooked, "migrations/002.sql", "SELECT 1;\n")
    git(hooked, "add", "-A")
    commit(hooked, "--amend", "--no-edit")
    assert trailers(hooked) == [*AGENT_DROP[:1], "AI-Lines: 1/3", *AGENT_DROP[2:]]
    assert note_ranges(hooked) == {"migrations/001.sql": [(2, 2, "claude-code")]}


def test_amend_keeps_ai_lines_the_ledger_no_longer_knows(hooked: Path) -> None:
    ai_file(hooked, "migrations/001.sql", DROP, {1: AGENT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "migration")
    with __import__("tests.git.conftest", fromlist=["ledger"]).ledger(hooked) as db:
        db.forget("migrations/001.sql")
    commit(hooked, "--amend", "-m", "migration, reworded")
    assert trailers(hooked) == AGENT_DROP
    assert note_ranges(hooked) == {"migrations/001.sql": [(2, 2, "claude-code")]}


def test_merge_counts_only_lines_new_to_both_parents(hooked: Path) -> None:
    write(hooked, "a.txt", "a\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    git(hooked, "checkout", "-qb", "feature")
    ai_file(hooked, "migrations/001.sql", DROP, {1: AGENT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "feature migration")
    git(hooked, "checkout", "-q", "main")
    write(hooked, "b.txt", "b\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "main work")
    done = subprocess.run(["git", "merge", "--no-ff", "--no-edit", "feature"], cwd=hooked,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert len(git(hooked, "log", "-1", "--format=%P").split()) == 2
    assert trailers(hooked) == ["AI-Assisted: no", "AI-Lines: 0/0", "Review-Tier: none",
                                "Review-Required: none"]
    assert note_ranges(hooked) == {}  # post-merge wrote the (empty) note


def test_renamed_deleted_binary_and_crlf_files(hooked: Path) -> None:
    deploy = "#!/bin/sh\nset -eu\ncd \"$(dirname \"$0\")\"\nkubectl get pods\necho done\n"
    ai_file(hooked, "old/deploy.sh", deploy, {3: AGENT})
    write(hooked, "gone.txt", "bye\n")
    (hooked / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    # the agent adds a line, then a person moves the file: the ledger knows the old path
    ai_file(hooked, "old/deploy.sh", deploy + "terraform destroy -auto-approve\n",
            {3: AGENT, 5: AGENT})
    (hooked / "scripts").mkdir()
    git(hooked, "mv", "old/deploy.sh", "scripts/deploy.sh")
    git(hooked, "rm", "-q", "gone.txt")
    (hooked / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x01other")
    ai_file(hooked, "win.sql", "line one\r\nDROP TABLE users;\r\n", {1: COPILOT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "move, delete, binary, crlf")
    assert trailers(hooked) == [
        "AI-Assisted: claude-code (agent, anthropic/claude-sonnet-4-5), copilot (inline)",
        "AI-Lines: 2/3", "Review-Tier: critical", "Review-Required: senior+owner",
        "Risk-Rules: DAT002, DES001"]
    assert "rename from old/deploy.sh" in git(hooked, "show", "-M", "HEAD")
    assert note_ranges(hooked) == {"scripts/deploy.sh": [(6, 6, "claude-code")],
                                   "win.sql": [(2, 2, "copilot")]}


def test_empty_commit_and_abandoned_editor(hooked: Path) -> None:
    commit(hooked, "--allow-empty", "-m", "empty")
    assert trailers(hooked) == ["AI-Assisted: no", "AI-Lines: 0/0", "Review-Tier: none",
                                "Review-Required: none"]
    # quitting the editor without a message still aborts, despite the stamped trailers
    env = {**os.environ, "GIT_EDITOR": "true"}
    done = subprocess.run(["git", "commit", "--allow-empty"], cwd=hooked, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "Aborting commit due to empty commit message." in done.stderr
    assert git(hooked, "rev-list", "--count", "HEAD").strip() == "1"


def test_assisted_by_behind_a_config_switch(hooked: Path) -> None:
    write(hooked, ".countersign.toml", "[trailers]\nassisted_by = true\n")
    ai_file(hooked, "app.py", "x = 1\ny = 2\n", {0: AGENT, 1: COPILOT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "app")
    assert trailers(hooked) == [
        "AI-Assisted: claude-code (agent, anthropic/claude-sonnet-4-5), copilot (inline)",
        "AI-Lines: 2/4", "Review-Tier: none", "Review-Required: none",
        "Assisted-by: claude-code:anthropic/claude-sonnet-4-5", "Assisted-by: copilot"]


def test_suppressed_high_finding_is_reported_in_trailers(hooked: Path) -> None:
    text = "DROP TABLE tmp_import;  -- countersign: ignore[DAT002] scratch table of this job\n"
    # acknowledged: a person answers for the comment on the AI's line (else it never counts)
    ai_file(hooked, "migrations/002.sql", text, {0: AGENT.acknowledge("Ada")})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "drop scratch")
    assert "Risk-Suppressed: DAT002" in trailers(hooked)
    assert "Review-Tier: high" in trailers(hooked)  # DAT001's path baseline still counts


def test_acknowledged_lines_are_counted_but_do_not_lower_the_tier(hooked: Path) -> None:
    ai_file(hooked, "migrations/001.sql", DROP, {1: AGENT.acknowledge("Ada")})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "reviewed migration")
    assert trailers(hooked) == [*AGENT_DROP[:2], "AI-Acknowledged: 1", *AGENT_DROP[2:]]


def test_the_trailers_command_previews_the_stamp(hooked: Path) -> None:
    ai_file(hooked, "migrations/001.sql", DROP, {1: AGENT})
    git(hooked, "add", "-A")
    out = subprocess.run([os.fspath(Path(os.sys.executable)), "-m", "countersign",
                          "trailers"], cwd=hooked, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == AGENT_DROP
