"""The commit trailers under ``[autonomy]``, on real repositories built day by day: the review
they declare, why, what they say when the cached standing is stale, missing or forged, and
that ``verify`` (which recomputes) agrees with them on a fresh cache and is never lowered."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from countersign.cli.common import load_context
from countersign.store import standing_cache
from countersign.store.standing_cache import CACHE, HEADER, REFRESH
from tests.git.conftest import AGENT, Run, ai_file, trailers
from tests.git.test_hook_daemon import _hooked as daemon_only_repo
from tests.git.test_hook_daemon import _start as start_daemon
from tests.git.test_record import Days, save, sha
from tests.helpers import git, write

TIGHTEN = '[[autonomy.tighten]]\ntier = "high"\nreview = "senior+owner"\ndays = 30\n'
RELAX = ('[[autonomy.relax]]\ntier = "medium"\nreview = "none"\nmin_lines = 3\ndays = 90\n'
         + TIGHTEN)
NEW_TOOL = "[autonomy.new_tool]\nlines = 100\nstricter = 1\n"


@pytest.fixture
def day(monkeypatch: pytest.MonkeyPatch) -> Days:
    return Days(monkeypatch)


def declared(repo: Path) -> tuple[str, list[str]]:
    """``Review-Required`` and every ``Review-Autonomy`` of HEAD."""
    found = [t.partition(": ") for t in trailers(repo)]
    [required] = [v for k, _, v in found if k == "Review-Required"]
    return required, [v for k, _, v in found if k == "Review-Autonomy"]


def verdict(cli: Run) -> dict[str, Any]:
    """``verify``'s verdict on HEAD (it recomputes the record of HEAD's parent)."""
    [found] = json.loads(cli("verify", "--format", "json")[1])["commits"]
    result: dict[str, Any] = found
    return result


def agree(repo: Path, cli: Run) -> tuple[str, list[str]]:
    """HEAD's declared review and reasons, after checking verify decides the same."""
    review, reasons = declared(repo)
    judged = verdict(cli)
    assert (judged["review"], judged["autonomy"]) == (review, reasons)
    return review, reasons


def cache_path(repo: Path) -> Path:
    return Path(git(repo, "rev-parse", "--absolute-git-dir").strip()) / CACHE


def high_risk_after_a_revert(repo: Path, cli: Run, day: Days, record: bool) -> str:
    """claude-code's high-tier change reverted on day 1 (``record``: then cached); returns
    the revert's id. The next high-tier change by claude-code needs senior+owner."""
    write(repo, ".countersign.toml", TIGHTEN)
    day(0)
    save(repo, "Autonomy")
    ai_file(repo, "client.py", "requests.get(u, verify=False)\n", {0: AGENT})
    save(repo, "Client")
    day(1)
    git(repo, "revert", "--no-edit", "HEAD")
    if record:
        assert cli("record")[0] == 0
    return sha(repo)


def calls(repo: Path, count: int) -> None:
    """claude-code writes ``count`` medium-tier lines (HTTP calls without a timeout)."""
    text = (repo / "fetch.py").read_text() if (repo / "fetch.py").exists() else ""
    start = text.count("\n")
    text += "".join(f"requests.get(url_{start + i})\n" for i in range(count))
    ai_file(repo, "fetch.py", text, {start + i: AGENT for i in range(count)})


def test_a_tool_with_a_recent_incident_gets_the_raised_review_and_the_reason(
    hooked: Path, cli: Run, day: Days
) -> None:
    revert = high_risk_after_a_revert(hooked, cli, day, record=True)
    day(2)
    ai_file(hooked, "client.py", "requests.get(u, verify=False, timeout=5)\n", {0: AGENT})
    git(hooked, "add", "-A")
    reason = f"claude-code: 1 incident in 30 days ({revert[:10]}) -> senior+owner"
    preview = cli("trailers")[1].splitlines()
    assert preview[2:] == ["Review-Tier: high", "Review-Required: senior+owner",
                           f"Review-Autonomy: {reason}", "Risk-Rules: SEC005"]
    save(hooked, "Client again")
    assert trailers(hooked)[2:] == preview[2:]
    assert agree(hooked, cli) == ("senior+owner", [reason])


def test_a_relaxation_applies_exactly_at_its_threshold(
    hooked: Path, cli: Run, day: Days
) -> None:
    write(hooked, ".countersign.toml", RELAX)
    day(0)
    save(hooked, "Autonomy")
    calls(hooked, 2)
    save(hooked, "Two calls")
    cli("record")
    day(1)
    calls(hooked, 1)
    save(hooked, "Third call")  # builds on 2 medium-tier lines: one short
    assert agree(hooked, cli) == ("peer", [])
    cli("record")
    day(2)
    calls(hooked, 1)
    save(hooked, "Fourth call")  # builds on 3
    assert agree(hooked, cli) == ("none", [
        "claude-code: 3 medium-tier AI lines in 90 days, no incident -> none"])
    assert cli("verify")[0] == 0


def test_a_stale_standing_keeps_its_tightenings_and_never_relaxes(
    hooked: Path, cli: Run, day: Days
) -> None:
    write(hooked, ".countersign.toml", RELAX)
    day(0)
    save(hooked, "Autonomy")
    calls(hooked, 3)
    proven = save(hooked, "Calls")
    cli("record")
    day(1)
    write(hooked, "README.md", "docs\n")
    human = save(hooked, "Docs")  # nobody recorded this one
    calls(hooked, 1)
    save(hooked, "Another call")
    stale = (f"stale track record (of {proven[:10]}, not {human[:10]}): relaxations not "
             "applied, later incidents not known; verify decides")
    assert declared(hooked) == ("peer", [stale])
    assert verdict(cli)["review"] == "none"  # verify recomputes: it relaxes
    ai_file(hooked, "client.py", "requests.get(u, verify=False)\n", {0: AGENT})
    save(hooked, "Client")
    day(2)
    git(hooked, "revert", "--no-edit", "HEAD")
    revert = sha(hooked)
    cli("record")
    day(3)
    write(hooked, "README.md", "more docs\n")
    human = save(hooked, "Docs")
    ai_file(hooked, "client.py", "requests.get(u, verify=False, timeout=1)\n", {0: AGENT})
    save(hooked, "Client again")
    assert declared(hooked) == ("senior+owner", [
        f"claude-code: 1 incident in 30 days ({revert[:10]}) -> senior+owner",
        f"stale track record (of {revert[:10]}, not {human[:10]}): relaxations not applied, "
        "later incidents not known; verify decides"])


def test_a_stale_standing_says_it_may_miss_an_incident_that_verify_counts(
    hooked: Path, cli: Run, day: Days
) -> None:
    write(hooked, ".countersign.toml", TIGHTEN)
    day(0)
    save(hooked, "Autonomy")
    ai_file(hooked, "client.py", "requests.get(u, verify=False)\n", {0: AGENT})
    client = save(hooked, "Client")
    cli("record")  # before the incident
    day(1)
    git(hooked, "revert", "--no-edit", "HEAD")
    revert = sha(hooked)
    day(2)
    ai_file(hooked, "client.py", "requests.get(u, verify=False, timeout=5)\n", {0: AGENT})
    save(hooked, "Client again")
    assert declared(hooked) == ("senior", [
        f"stale track record (of {client[:10]}, not {revert[:10]}): relaxations not applied, "
        "later incidents not known; verify decides"])
    judged = verdict(cli)
    assert judged["review"] == "senior+owner"  # the trailer never lowers the gate
    assert judged["autonomy"] == [f"claude-code: 1 incident in 30 days ({revert[:10]}) -> "
                                  "senior+owner"]


def test_without_a_cached_standing_nothing_is_applied_and_the_trailer_says_so(
    hooked: Path, cli: Run, day: Days
) -> None:
    revert = high_risk_after_a_revert(hooked, cli, day, record=False)
    ai_file(hooked, "client.py", "requests.get(u, verify=False, timeout=5)\n", {0: AGENT})
    save(hooked, "Client again")
    assert declared(hooked) == ("senior", [
        f"no cached track record for {revert[:10]}: autonomy not applied (`countersign "
        "record` caches it); verify decides"])
    assert verdict(cli)["review"] == "senior+owner"


def rewrite_cache(repo: Path, change: str, new: str, checksum: bool) -> None:
    path = cache_path(repo)
    head, _, body = path.read_bytes().partition(b"\n")
    assert change.encode() in body
    body = body.replace(change.encode(), new.encode())
    if checksum:
        head = HEADER + hashlib.sha256(body).hexdigest().encode()
    path.write_bytes(head + b"\n" + body)


@pytest.mark.parametrize(("change", "checksum", "problem"), [
    ("senior+owner", False, "cached track record refused (failed its check)"),
    ("senior+owner", True, "cached track record refused (malformed)"),
    ("", False, "cached track record refused (failed its check)"),
])
def test_a_tampered_or_garbled_cache_is_refused_never_read_as_a_relaxation(
    hooked: Path, cli: Run, day: Days, change: str, checksum: bool, problem: str
) -> None:
    revert = high_risk_after_a_revert(hooked, cli, day, record=True)
    if change:
        rewrite_cache(hooked, change, "lenient", checksum)
    else:
        cache_path(hooked).write_bytes(b"\x00garbage" * 10)
    ai_file(hooked, "client.py", "requests.get(u, verify=False, timeout=5)\n", {0: AGENT})
    save(hooked, "Client again")
    assert declared(hooked) == ("senior", [
        f"{problem} for {revert[:10]}: autonomy not applied (`countersign record` caches "
        "it); verify decides"])


def test_a_forged_cache_fools_only_the_trailer_never_the_gate(
    hooked: Path, cli: Run, day: Days
) -> None:
    """Someone rewrites the cache and its checksum to relax claude-code: the trailer
    declares it, but verify recomputes the record and ignores the declared review."""
    high_risk_after_a_revert(hooked, cli, day, record=True)
    rewrite_cache(hooked, '"senior+owner",[', '"none",[', checksum=True)
    ai_file(hooked, "client.py", "requests.get(u, verify=False, timeout=5)\n", {0: AGENT})
    save(hooked, "Client again")
    assert declared(hooked)[0] == "none"
    code, out, _ = cli("verify", "--format", "json")
    [judged] = json.loads(out)["commits"]
    assert (code, judged["review"], judged["ok"]) == (1, "senior+owner", False)


def test_the_first_commit_is_judged_by_an_empty_record_as_verify_does(
    hooked: Path, cli: Run, day: Days
) -> None:
    write(hooked, ".countersign.toml", NEW_TOOL + TIGHTEN)
    calls(hooked, 1)
    save(hooked, "Start")
    assert agree(hooked, cli) == ("senior", [
        "claude-code: new tool (0 AI lines in 90 days, fewer than 100) -> senior"])


def wait_until_cached(repo: Path, commit: str) -> None:
    """Until the background refresh has cached ``commit``'s standing."""
    context = load_context(repo)
    key = standing_cache.policy_key(context.config, context.rules)
    git_dir = Path(git(repo, "rev-parse", "--absolute-git-dir").strip())
    deadline = time.monotonic() + 120  # a generous bound for a busy machine, not a timing
    while commit not in standing_cache.load(git_dir, key)[0]:
        assert time.monotonic() < deadline, "the background refresh never cached it"
        time.sleep(0.2)


def test_a_commit_starts_a_background_refresh_for_the_next_one(
    hooked: Path, cli: Run, day: Days, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(REFRESH, "on")
    revert = high_risk_after_a_revert(hooked, cli, day, record=False)
    wait_until_cached(hooked, revert)
    day(2)
    ai_file(hooked, "client.py", "requests.get(u, verify=False, timeout=5)\n", {0: AGENT})
    save(hooked, "Client again")
    assert agree(hooked, cli) == ("senior+owner", [
        f"claude-code: 1 incident in 30 days ({revert[:10]}) -> senior+owner"])


def test_the_refresh_caches_head_once_the_commit_is_made_and_not_before(
    hooked: Path, day: Days
) -> None:
    write(hooked, ".countersign.toml", TIGHTEN)
    day(0)
    first = save(hooked, "Autonomy")
    write(hooked, "README.md", "docs\n")
    second = save(hooked, "Docs")
    context = load_context(hooked)
    key = standing_cache.policy_key(context.config, context.rules)
    git_dir = Path(git(hooked, "rev-parse", "--absolute-git-dir").strip())

    def refresh(parent: str) -> set[str]:
        done = subprocess.run([sys.executable, "-m", "countersign.cli.standing_refresh",
                               str(_ended_pid()), parent], cwd=hooked, capture_output=True,
                              text=True)
        assert (done.returncode, done.stderr) == (0, "")
        return set(standing_cache.load(git_dir, key)[0])

    assert refresh(second) == set()  # HEAD did not move: the commit was abandoned
    assert refresh(first) == {second}


def _ended_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def waiting_shells(marker: Path) -> list[int]:
    """The shells waiting to refresh, by the ``marker`` they will remove (not their children
    between fork and exec, which show the same command line)."""
    found: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if str(marker).encode() in argv and argv[0] == b"/bin/sh":
            found[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return sorted(pid for pid, parent in found.items() if parent not in found)


def test_one_refresh_waits_per_git_process_and_markers_of_gone_ones_are_forgotten(
    hooked: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cherry-pick of many commits runs the hook for each in one git process: only the
    first starts a refresh; once that process ends the refresh's shell removes its marker."""
    monkeypatch.setenv(REFRESH, "on")
    git_dir = Path(git(hooked, "rev-parse", "--absolute-git-dir").strip())
    started: list[subprocess.Popen[bytes]] = []
    real = subprocess.Popen

    def popen(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:  # watches, runs it
        started.append(real(*args, **kwargs))
        return started[-1]

    committing = subprocess.Popen(["sleep", "600"])  # stands for the git process
    monkeypatch.setattr(subprocess, "Popen", popen)
    try:
        for _ in range(2):
            standing_cache.spawn_refresh(hooked, git_dir, "0" * 40, committing.pid)
        marker = git_dir / "countersign" / f"{standing_cache.MARKER}{committing.pid}"
        [shell] = started
        deadline = time.monotonic() + 120  # /proc shows its command line once exec is done
        while waiting_shells(marker) != [shell.pid]:
            assert time.monotonic() < deadline and shell.poll() is None
            time.sleep(0.05)
        standing_cache.forget_waits(git_dir)
        assert marker.exists()  # its git process is alive
    finally:
        committing.kill()
        committing.wait()
    shell.wait(timeout=120)  # it went on: removed the marker, ran the refresh (no commit)
    assert not marker.exists()
    gone = git_dir / "countersign" / f"{standing_cache.MARKER}{_ended_pid()}"
    gone.touch()
    standing_cache.forget_waits(git_dir)
    assert not gone.exists()


def test_a_commit_served_by_the_hook_daemon_starts_the_refresh_too(
    tmp_path: Path, cli: Run, day: Days, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The daemon runs the hook for the shim (whose parent is git): the refresh waits for
    that git process, not for the daemon's parent."""
    monkeypatch.setenv("COUNTERSIGN_HOOK_DAEMON", "1")
    monkeypatch.setenv(REFRESH, "on")
    repo = daemon_only_repo(tmp_path / "served", daemon_only=True)
    monkeypatch.chdir(repo)
    daemon = start_daemon(repo)
    try:
        revert = high_risk_after_a_revert(repo, cli, day, record=False)
        wait_until_cached(repo, revert)
        day(2)
        ai_file(repo, "client.py", "requests.get(u, verify=False, timeout=5)\n", {0: AGENT})
        save(repo, "Client again")
        assert declared(repo) == ("senior+owner", [
            f"claude-code: 1 incident in 30 days ({revert[:10]}) -> senior+owner"])
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)

