"""``countersign record`` on real repositories built commit by commit, on chosen days."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from countersign.cli.common import load_context
from countersign.cli.record import gate_standing
from countersign.core.tiers import Review, Tier
from countersign.store.track import range_base
from tests.git.conftest import AGENT, COPILOT, Run, ai_file, commit
from tests.helpers import git, write

BASE = "".join(f"setting_{i} = {i}\n" for i in range(6))
SAM = "Sam Senior <sam@example.com>"


class Days:
    """Commits dated ``day`` days after 2026-01-01 (author and committer)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def __call__(self, day: int) -> None:
        when = f"{1767225600 + day * 86400} +0000"
        for role in ("AUTHOR", "COMMITTER"):
            self.monkeypatch.setenv(f"GIT_{role}_DATE", when)


@pytest.fixture
def day(monkeypatch: pytest.MonkeyPatch) -> Days:
    return Days(monkeypatch)


def sha(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "rev-parse", rev).strip()


def save(repo: Path, subject: str) -> str:
    git(repo, "add", "-A")
    commit(repo, "-m", subject)
    return sha(repo)


def record(cli: Run, *args: str) -> dict[str, Any]:
    code, out, err = cli("record", "--format", "json", *args)
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def tool(data: dict[str, Any], name: str) -> dict[str, Any]:
    [found] = [t for t in data["tools"] if t["tool"] == name]
    return found


def figures(row: dict[str, Any]) -> tuple[int, ...]:
    keys = ("lines_shipped", "lines_judged", "surviving", "reverted", "rewritten",
            "incident_lines", "incidents", "commits", "signed_off_commits")
    return tuple(row[k] for k in keys)


@pytest.fixture
def history(hooked: Path, day: Days) -> dict[str, str]:
    """Day 1 Claude Code writes 4 lines (one high-risk); day 2 Copilot 2 lines; day 10 a
    person rewrites one Claude line; day 20 the Copilot commit is reverted; day 45 another
    Claude line is rewritten; day 60 a last human commit."""
    day(0)
    write(hooked, "app.py", BASE)
    shas = {"base": save(hooked, "Settings")}
    day(1)
    text = BASE + "timeout = 5\nretries = 3\nverify_tls = False\nrequests.get(u, verify=False)\n"
    ai_file(hooked, "app.py", text, {6: AGENT, 7: AGENT, 8: AGENT, 9: AGENT})
    shas["claude"] = save(hooked, "Client settings")
    day(2)
    ai_file(hooked, "util.py", "def add(a, b):\n    return a + b\n", {0: COPILOT, 1: COPILOT})
    shas["copilot"] = save(hooked, "Add helper")
    day(10)
    write(hooked, "app.py", text.replace("timeout = 5", "timeout = 10"))
    shas["rewrite"] = save(hooked, "Longer timeout")
    day(20)
    git(hooked, "revert", "--no-edit", shas["copilot"])
    shas["revert"] = sha(hooked)
    day(45)
    write(hooked, "app.py", (hooked / "app.py").read_text().replace("retries = 3", "retries = 5"))
    save(hooked, "More retries")
    day(60)
    write(hooked, "README.md", "docs\n")
    shas["tip"] = save(hooked, "Docs")
    return shas


def test_an_empty_repository_has_no_record(hooked: Path, cli: Run) -> None:
    assert cli("record") == (2, "", "error: the repository has no commits yet\n"
                                    "hint: commit first\n")


def test_lines_kept_rewritten_and_reverted_per_tool(
    hooked: Path, cli: Run, history: dict[str, str]
) -> None:
    data = record(cli)
    assert (data["as_of"], data["window_days"], data["survival_days"]) == \
        ("2026-03-02T00:00:00Z", 90, 30)
    assert data["history"] == {"commits": 7, "without_notes": 0}
    claude, copilot = tool(data, "claude-code"), tool(data, "copilot")
    # the day-45 rewrite came after 30 days: that line counts as kept
    assert figures(claude) == (4, 4, 3, 0, 1, 0, 0, 1, 0)
    assert (claude["surviving_share"], claude["reverted_or_rewritten_share"]) == (0.75, 0.25)
    assert figures(copilot) == (2, 2, 0, 2, 0, 2, 1, 1, 0)
    assert [r["tier"] for r in claude["rows"]] == ["high"]
    assert data["incidents"] == [{
        "sha": history["revert"], "subject": 'Revert "Add helper"',
        "time": "2026-01-21T00:00:00Z", "kinds": ["revert"],
        "implicated": [{"tool": "copilot", "model": None, "tier": "none", "lines": 2,
                        "commits": [history["copilot"]]}]}]


def test_the_window_and_the_survival_days_are_options(
    hooked: Path, cli: Run, history: dict[str, str]
) -> None:
    longer = record(cli, "--survival", "50")
    assert figures(tool(longer, "claude-code"))[:5] == (4, 4, 2, 0, 2)
    recent = record(cli, "--days", "50")  # from day 10: the AI commits are older
    assert recent["history"]["commits"] == 4
    assert figures(tool(recent, "copilot")) == (0, 0, 0, 0, 0, 2, 1, 0, 0)
    assert [t["tool"] for t in recent["tools"]] == ["copilot"]
    earlier = record(cli, history["revert"])  # as of day 20: nothing is 30 days old yet
    assert figures(tool(earlier, "claude-code"))[:3] == (4, 0, 0)
    code, _, err = cli("record", "--days", "0")
    assert code == 2 and "--days must be at least 1 day" in err
    code, _, err = cli("record", "nope")
    assert code == 2 and "'nope' is not a commit" in err


def test_text_output(hooked: Path, cli: Run, history: dict[str, str]) -> None:
    code, out, _ = cli("record")
    assert code == 0
    assert out.splitlines() == [
        "Track record of HEAD: 90 days to 2026-03-02, kept = still there 30 days later",
        "",
        "tool / model / tier                              lines  judged   kept reverted "
        "rewritten incidents inc.lines    signed",
        "claude-code                                          4       4    75%       0%       "
        "25%         0         0    0/1",
        "  anthropic/claude-sonnet-4-5 high                   4       4    75%       0%       "
        "25%         0         0    0/1",
        "copilot                                              2       2     0%     100%        "
        "0%         1         2    0/1",
        "  - none                                             2       2     0%     100%        "
        "0%         1         2    0/1",
        "",
        "7 commits read, 0 without a provenance note",
    ]


def test_lines_merged_from_a_branch_keep_their_tool(hooked: Path, cli: Run, day: Days) -> None:
    day(0)
    write(hooked, "app.py", BASE)
    save(hooked, "Settings")
    git(hooked, "checkout", "-q", "-b", "feature")
    day(1)
    ai_file(hooked, "app.py", BASE + "a = 1\nb = 2\nc = 3\n", {6: AGENT, 7: AGENT, 8: AGENT})
    side = save(hooked, "Feature")
    git(hooked, "checkout", "-q", "main")
    day(2)
    write(hooked, "README.md", "docs\n")
    save(hooked, "Docs")
    day(3)
    git(hooked, "merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
    day(5)
    write(hooked, "app.py", (hooked / "app.py").read_text().replace("b = 2", "b = two"))
    save(hooked, "Fix b")
    day(40)
    write(hooked, "README.md", "more docs\n")
    save(hooked, "Docs again")
    git(hooked, "notes", "--ref", "countersign-approvals", "add", "-m", f"Approved-by: {SAM}",
        side)
    data = record(cli)
    claude = tool(data, "claude-code")
    assert figures(claude) == (3, 3, 2, 0, 1, 0, 0, 1, 1)
    assert claude["approvals"] == 1


def test_commits_without_notes_count_as_unknown_provenance(
    hooked: Path, cli: Run, day: Days
) -> None:
    day(0)
    write(hooked, "app.py", BASE)
    git(hooked, "add", "-A")
    git(hooked, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "Unstamped")
    data = record(cli)
    assert data["history"] == {"commits": 1, "without_notes": 1}
    assert figures(tool(data, "unknown-provenance"))[:2] == (6, 0)
    assert data["problems"][0].startswith("no commit in the window has a provenance note")
    code, out, _ = cli("record")
    assert code == 0
    assert "1 commit read, 1 without a provenance note (their lines count as " \
           "unknown-provenance)" in out
    write(hooked, ".countersign.toml", '[verify]\nunknown_provenance = "human"\n')
    assert record(cli)["tools"] == []


def test_autonomy_tightens_after_an_incident_and_expires_on_time(
    hooked: Path, cli: Run, day: Days
) -> None:
    write(hooked, ".countersign.toml", """\
[[autonomy.tighten]]
tier = "high"
review = "senior+owner"
days = 30
[autonomy.guard]
days = 30
""")
    day(0)
    save(hooked, "Autonomy")
    ai_file(hooked, "client.py", "requests.get(u, verify=False)\n", {0: AGENT})
    ai_commit = save(hooked, "Client")
    day(1)
    git(hooked, "revert", "--no-edit", "HEAD")
    revert = sha(hooked)
    code, out, _ = cli("record")
    assert code == 0
    tail = out.split("Review each tool's changes need now", 1)[1].splitlines()
    assert tail[1:] == [
        "  claude-code: low none, medium peer, high senior+owner [senior], critical senior+owner",
        f"    - claude-code: 1 incident in 30 days ({revert[:10]}) -> senior+owner",
        "    - tightened until 2026-02-01 00:00 UTC",
        "    - guard: commands of tier high or higher refused (claude-code: 1 incident in 30 "
        f"days ({revert[:10]}))"]
    data = record(cli)
    assert {(r["tier"], r["review"]) for r in data["autonomy"]} >= {("high", "senior+owner")}
    assert data["incidents"][0]["implicated"][0]["commits"] == [ai_commit]
    day(30)  # 29 days after the fix: still tightened
    write(hooked, "README.md", "a\n")
    save(hooked, "Docs")
    assert "high senior+owner [senior]" in cli("record")[1]
    day(31)  # 30 days after: expired
    write(hooked, "README.md", "b\n")
    save(hooked, "Docs")
    out = cli("record")[1]
    assert "claude-code: low none, medium peer, high senior, critical senior+owner" in out
    assert "tightened" not in out


def tightened_after_a_revert(hooked: Path, day: Days) -> str:
    """A 30-day tightening of claude-code's high-tier changes, an AI commit reverted on day 1,
    and the same tool's high-tier change on day 2; returns the revert's id."""
    write(hooked, ".countersign.toml", '[[autonomy.tighten]]\ntier = "high"\n'
                                       'review = "senior+owner"\ndays = 30\n')
    day(0)
    save(hooked, "Autonomy")
    ai_file(hooked, "client.py", "requests.get(u, verify=False)\n", {0: AGENT})
    save(hooked, "Client")
    day(1)
    git(hooked, "revert", "--no-edit", "HEAD")
    revert = sha(hooked)
    day(2)
    ai_file(hooked, "client.py", "requests.get(u, verify=False, timeout=5)\n", {0: AGENT})
    save(hooked, "Client again")
    return revert


def test_the_gate_judges_a_range_by_the_record_of_what_it_builds_on(
    hooked: Path, day: Days
) -> None:
    tightened_after_a_revert(hooked, day)
    context = load_context(hooked)
    repo = context.workspace.git()

    def review(*revs: str) -> Review:
        standing = gate_standing(context, repo, list(revs))
        assert standing is not None
        return standing.review(["claude-code"], Tier.HIGH, Review.SENIOR).review

    assert range_base(repo, ["--max-count=1", "HEAD"]) == sha(hooked, "HEAD~1")
    assert review("--max-count=1", "HEAD") == Review.SENIOR_OWNER
    assert review("HEAD~1..HEAD") == Review.SENIOR_OWNER
    assert review("HEAD~3..HEAD") == Review.SENIOR  # the range holds the incident itself
    assert review("HEAD") == Review.SENIOR  # from the first commit: no record before it
    write(hooked, ".countersign.toml", "")
    assert gate_standing(load_context(hooked), repo, ["HEAD"]) is None


def test_verify_applies_the_standing_and_says_why(hooked: Path, cli: Run, day: Days) -> None:
    revert = tightened_after_a_revert(hooked, day)
    code, out, _ = cli("verify", "--format", "json")
    [verdict] = json.loads(out)["commits"]
    assert code == 1
    assert (verdict["tier"], verdict["review"]) == ("high", "senior+owner")
    assert verdict["autonomy"] == [f"claude-code: 1 incident in 30 days ({revert[:10]}) -> "
                                   "senior+owner"]
    assert f"     autonomy: claude-code: 1 incident in 30 days ({revert[:10]})" in \
        cli("verify")[1]
    write(hooked, ".countersign.toml", "")
    assert json.loads(cli("verify", "--format", "json")[1])["commits"][0]["review"] == "senior"



def test_renamed_files_keep_their_lines(hooked: Path, cli: Run, day: Days) -> None:
    day(0)
    ai_file(hooked, "a.py", "x = 1\ny = 2\nz = 3\n", {0: AGENT, 1: AGENT, 2: AGENT})
    save(hooked, "Values")
    day(1)
    (hooked / "lib").mkdir()
    git(hooked, "mv", "a.py", "lib/b.py")
    save(hooked, "Move")
    day(5)
    write(hooked, "lib/b.py", "x = 1\ny = 20\nz = 3\n")
    save(hooked, "Fix y")
    day(40)
    write(hooked, "README.md", "docs\n")
    save(hooked, "Docs")
    assert figures(tool(record(cli), "claude-code"))[:5] == (3, 3, 2, 0, 1)


def test_a_shallow_clone_says_the_window_may_start_late(
    hooked: Path, cli: Run, history: dict[str, str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "3", hooked.as_uri(), str(clone))
    monkeypatch.chdir(clone)
    data = record(cli)
    boundary = sha(clone, "HEAD~2")[:10]
    assert data["history"] == {"commits": 3, "without_notes": 3}
    assert data["problems"][0] == (
        f"shallow clone: history before {boundary} is missing, so the window may start "
        "late; run `git fetch --unshallow`")
