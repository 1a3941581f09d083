"""``countersign incident`` on real repositories built commit by commit with the hooks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.git.conftest import AGENT, COPILOT, Run, ai_file, commit
from tests.helpers import git, write

BASE = "import requests\n\n\ndef fetch(url):\n    return url\n"
SAM = "Sam Senior <sam@example.com>"


def sha(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "rev-parse", rev).strip()


def incidents(cli: Run, *args: str) -> list[dict[str, Any]]:
    code, out, err = cli("incident", "--format", "json", *args)
    assert code == 0, err
    found: list[dict[str, Any]] = json.loads(out)["incidents"]
    return found


def ai_commit(repo: Path, rel: str, text: str, lines: dict[int, Any], subject: str) -> str:
    ai_file(repo, rel, text, lines)
    git(repo, "add", "-A")
    commit(repo, "-m", subject)
    return sha(repo)


def human_commit(repo: Path, rel: str, text: str, subject: str) -> str:
    write(repo, rel, text)
    git(repo, "add", "-A")
    commit(repo, "-m", subject)
    return sha(repo)


@pytest.fixture
def history(hooked: Path) -> dict[str, str]:
    """A human base, an AI commit (claude-code), a human commit, a Copilot commit."""
    shas = {"base": human_commit(hooked, "app/client.py", BASE, "Client skeleton")}
    text = BASE.replace("    return url\n", "    resp = requests.get(url, verify=False)\n"
                                             "    return resp.json()\n")
    shas["ai"] = ai_commit(hooked, "app/client.py", text, {4: AGENT, 5: AGENT}, "Fetch JSON")
    text = text.replace("import requests\n", "import requests\nTIMEOUT = 5\n")
    shas["human"] = human_commit(hooked, "app/client.py", text, "Timeout constant")
    text += "\n\ndef retry(fn):\n    return fn()\n"
    shas["copilot"] = ai_commit(hooked, "app/client.py", text, {9: COPILOT, 10: COPILOT},
                                "Retry helper")
    return shas


def test_a_fix_traces_each_changed_line_to_its_tool_and_commit(
    hooked: Path, cli: Run, history: dict[str, str]
) -> None:
    text = (hooked / "app/client.py").read_text()
    fixed = text.replace("verify=False", "verify=True, timeout=TIMEOUT").replace(
        "TIMEOUT = 5", "TIMEOUT = 10")
    human_commit(hooked, "app/client.py", fixed,
                 f"Verify TLS again\n\nFixes: {history['ai'][:12]} (\"Fetch JSON\")")
    [found] = incidents(cli, "HEAD")
    assert found["kinds"] == ["fixes"] and found["named"] == [history["ai"]]
    by_line = {(line["path"], line["line"]): line for line in found["lines"]}
    assert set(by_line) == {("app/client.py", 2), ("app/client.py", 6)}
    timeout, tls = by_line[("app/client.py", 2)], by_line[("app/client.py", 6)]
    assert (tls["origin"], tls["ai"], tls["tool"], tls["model"], tls["origin_line"]) == \
        (history["ai"], True, "claude-code", "anthropic/claude-sonnet-4-5", 5)
    assert tls["text"] == "    resp = requests.get(url, verify=False)"
    assert (timeout["origin"], timeout["ai"], timeout["tool"]) == (history["human"], False, None)
    assert found["lines_by"] == {"ai": 1, "human": 1, "unknown": 0}
    assert found["implicated"] == [{"tool": "claude-code",
                                    "model": "anthropic/claude-sonnet-4-5", "tier": "high",
                                    "lines": 1, "commits": [history["ai"]]}]
    assert {o["sha"] for o in found["origins"]} == {history["ai"], history["human"]}
    assert found["ai_in_chain"] is True


def test_a_fix_of_human_lines_has_no_ai_in_the_chain(
    hooked: Path, cli: Run, history: dict[str, str]
) -> None:
    text = (hooked / "app/client.py").read_text()
    human_commit(hooked, "app/client.py", text.replace("TIMEOUT = 5", "TIMEOUT = 30"),
                 "Longer timeout\n\nIncident: SEV3-9")
    code, out, _ = cli("incident", "HEAD")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"Incident fix {sha(hooked)[:10]}  Longer timeout"
    assert lines[1].endswith("by Ada Author <ada@example.com>; incident SEV3-9")
    assert lines[2] == ("  AI in the chain: no. It removed or changed 1 line: 0 by AI, 1 by "
                        "people, 0 of unknown provenance.")
    assert f"    app/client.py:2  human  {history['human'][:10]}  TIMEOUT = 5" in lines


def test_a_revert_of_an_ai_commit_is_found_and_implicates_the_tool(
    hooked: Path, cli: Run, history: dict[str, str]
) -> None:
    git(hooked, "revert", "--no-edit", history["copilot"])
    revert = sha(hooked)
    assert incidents(cli, "--since", "2026-01-01") == incidents(cli, revert)
    [found] = incidents(cli, "--since", "2026-01-01")
    assert found["sha"] == revert and found["kinds"] == ["revert"]
    assert found["reverts"] == [history["copilot"]]
    assert [(i["tool"], i["lines"], i["commits"]) for i in found["implicated"]] == \
        [("copilot", 2, [history["copilot"]])]
    assert {line["origin"] for line in found["lines"]} == {history["copilot"]}


def test_text_output_shows_a_hostile_subject_escaped(
    hooked: Path, cli: Run, history: dict[str, str]
) -> None:
    """A revert whose subject carries ESC [2K and a right-to-left override: the text for a
    terminal shows them as escapes (the JSON keeps the subject as it is)."""
    git(hooked, "revert", "--no-edit", history["copilot"])
    commit(hooked, "--amend", "-m", "Revert it\x1b[2K\u202e\n\nThis reverts commit "
           f"{history['copilot']}.")
    code, out, _ = cli("incident", sha(hooked))
    assert code == 0, out
    assert "\x1b" not in out and "\u202e" not in out
    assert "Revert it\\u001b[2K\\u202e" in out, out


def test_renames_and_moved_lines_are_followed(hooked: Path, cli: Run) -> None:
    body = "".join(f"    total += compute_the_value_of_item_number_{i}(order)\n"
                   for i in range(4))
    text = "def total(order):\n    total = 0\n" + body + "    return total\n"
    origin = ai_commit(hooked, "billing.py", text, {n: AGENT for n in range(2, 6)}, "Totals")
    (hooked / "app").mkdir()
    git(hooked, "mv", "billing.py", "app/billing.py")
    commit(hooked, "-m", "Move billing into app")
    # move the loop body into another file in one commit (git blame -C follows it)
    write(hooked, "app/billing.py", "from app.items import add_items\n\n\ndef total(order):\n"
                                    "    return add_items(order)\n")
    write(hooked, "app/items.py", "def add_items(order):\n    total = 0\n" + body
          + "    return total\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "Split items out")
    text = (hooked / "app/items.py").read_text().replace("number_2(order)", "number_2(order, 1)")
    human_commit(hooked, "app/items.py", text, "Count item 2 once\n\nIncident: INC-4")
    [found] = incidents(cli, "HEAD")
    [line] = found["lines"]
    assert (line["path"], line["line"]) == ("app/items.py", 5)
    assert (line["origin"], line["origin_path"], line["origin_line"], line["tool"]) == \
        (origin, "billing.py", 5, "claude-code")


def test_the_incident_trailer_is_configurable(
    hooked: Path, cli: Run, history: dict[str, str]
) -> None:
    write(hooked, ".countersign.toml", '[autonomy]\nincident_trailer = "Postmortem"\n')
    human_commit(hooked, "notes.md", "x\n", "Note\n\nIncident: SEV1-1")
    human_commit(hooked, "notes.md", "y\n", "Another note\n\nPostmortem: PM-7")
    [found] = incidents(cli, "--since", "2026-01-01")
    assert (found["subject"], found["incident"]) == ("Another note", ["PM-7"])


def test_lines_of_commits_without_notes_are_unknown_and_said_so(hooked: Path, cli: Run) -> None:
    write(hooked, "run.sh", "set -e\nrm -rf /srv/cache\n")
    git(hooked, "add", "-A")
    git(hooked, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "Cache cleanup")
    untracked = sha(hooked)
    human_commit(hooked, "run.sh", "set -e\nrm -rf /srv/cache/tmp\n", "Narrow cleanup")
    code, out, _ = cli("incident", "HEAD")
    assert code == 0
    assert "AI in the chain: unknown. It removed or changed 1 line: 0 by AI, 0 by people, " \
           "1 of unknown provenance." in out
    assert f"  note: 1 line come from commits without a provenance note ({untracked[:10]}): " \
           "who wrote them is unknown" in out


def test_who_signed_off_and_whether_it_counts(
    hooked: Path, cli: Run, history: dict[str, str], tmp_path: Path
) -> None:
    git(hooked, "notes", "--ref", "countersign-approvals", "add", "-m",
        f"Approved-by: {SAM}", history["ai"])
    policy = tmp_path / "policy.toml"
    policy.write_text('[reviewers]\nsenior = ["sam@example.com"]\n')
    text = (hooked / "app/client.py").read_text().replace("verify=False", "verify=True")
    human_commit(hooked, "app/client.py", text, "TLS on")
    [found] = incidents(cli, "HEAD", "--policy", str(policy))
    [origin] = found["origins"]
    assert (origin["tier"], origin["review"], origin["signed_off"]) == ("high", "senior", True)
    assert origin["approvals"] == [{"who": SAM, "source": "note", "role": None,
                                    "state": "valid", "detail": ""}]
    # the author approving their own change does not count
    git(hooked, "notes", "--ref", "countersign-approvals", "add", "-f", "-m",
        "Approved-by: Ada Author <ada@example.com>", history["ai"])
    [origin] = incidents(cli, "HEAD", "--policy", str(policy))[0]["origins"]
    assert origin["signed_off"] is False
    assert [a["state"] for a in origin["approvals"]] == ["own-change"]
    code, out, _ = cli("incident", "HEAD", "--policy", str(policy), "--format", "markdown")
    assert code == 0
    assert "| AI tool | Model | Tier of the change | Lines | Commits |" in out
    assert "| no (needed senior), no approval counts; not counted: Ada Author " \
           "<ada@example.com> (note) own-change - the approver wrote or committed" in out


def test_unknown_revisions_and_missing_arguments_are_usage_errors(
    hooked: Path, cli: Run, history: dict[str, str]
) -> None:
    code, _, err = cli("incident", "no-such-branch")
    assert code == 2
    assert err == ("error: 'no-such-branch' is not a commit in this repository.\n"
                   "hint: pass a commit id or ref (`git log --oneline` lists them)\n")
    code, _, err = cli("incident")
    assert code == 2 and "give --since" in err


def test_a_shallow_clone_says_what_history_is_missing(
    hooked: Path, cli: Run, history: dict[str, str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = (hooked / "app/client.py").read_text().replace("verify=False", "verify=True")
    human_commit(hooked, "app/client.py", text, "TLS on")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "2", hooked.as_uri(), str(clone))
    monkeypatch.chdir(clone)
    [found] = incidents(cli, "HEAD")
    boundary = sha(clone, "HEAD~1")
    assert {line["origin"] for line in found["lines"]} == {boundary}
    assert found["problems"][-1] == (
        f"history before {boundary[:10]} is missing (shallow clone): lines blamed on it may be "
        "older; run `git fetch --unshallow`")
    code, _, err = cli("incident", history["ai"])
    assert code == 2 and "shallow clone" in err


def test_a_commit_the_fix_names_implicates_its_tools_even_when_untouched(
    hooked: Path, cli: Run, history: dict[str, str]
) -> None:
    text = (hooked / "app/client.py").read_text()
    human_commit(hooked, "app/client.py", text.replace("TIMEOUT = 5", "TIMEOUT = 30"),
                 f"Longer timeout\n\nFixes: {history['copilot'][:12]} (\"Retry helper\")")
    [found] = incidents(cli, "HEAD")
    assert found["lines_by"] == {"ai": 0, "human": 1, "unknown": 0}
    assert found["ai_in_chain"] is True
    assert found["implicated"] == [{"tool": "copilot", "model": None, "tier": "none",
                                    "lines": 0, "commits": [history["copilot"]]}]
    code, out, _ = cli("incident", "HEAD")
    assert code == 0
    assert f"    copilot: wrote the commit named, none change {history['copilot'][:10]}" in out
