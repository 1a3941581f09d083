"""File names an attacker (or an unlucky user) can choose: the gate must see every AI line.

Each name goes through the real hooks, ``countersign trailers``, the note, ``verify`` under a
strict policy, ``blame``, an amend (which re-reads the committed blob), ``mark``, Aider
import and export.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.git.conftest import AGENT, Run, ai_file, commit, note, note_ranges, trailers
from tests.helpers import git, write

NAMES = {
    "space": "app/sp ace.py",
    "tab": "app/ta\tb.py",
    "quotes": 'app/a "q" b.py',
    "backslash": "app/back\\slash.py",
    "newline": "app/new\nline.py",
    "not-utf8": os.fsdecode(b"app/caf\xe9.py"),
    "utf8": "app/café.py",
    "dash": "-rf.py",
    "stage-syntax": "1:x.py",  # ":1:x.py" names stage 1 of x.py in git's revision syntax
    "glob": "app/[x].py",  # as a pathspec this matches app/x.py, not itself
}
CODE = "import os\nos.system('rm -rf ' + path)\ncursor.execute('DROP TABLE users')\n"
STAMP = ["AI-Assisted: claude-code (agent, anthropic/claude-sonnet-4-5)", "AI-Lines: 2/3",
         "Review-Tier: critical", "Review-Required: senior+owner",
         "Risk-Rules: DAT002, SEC002"]
POLICY = """\
[reviewers]
peer = ["pat@example.com"]
senior = ["sam@example.com"]
owner = ["olga@example.com"]
[verify]
require_trailers = true
"""


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY)
    return path


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_ai_lines_in_a_hostile_file_name_are_gated(
        hooked: Path, cli: Run, policy: Path, name: str) -> None:
    write(hooked, "x.py", "x = 1\n")  # what a glob or stage-syntax reading would find
    ai_file(hooked, name, CODE, {1: AGENT, 2: AGENT})
    git(hooked, "add", "-A")
    code, out, err = cli("trailers")
    assert (code, err) == (0, "")
    assert out.splitlines() == ["AI-Assisted: claude-code (agent, anthropic/claude-sonnet-4-5)",
                                "AI-Lines: 2/4", *STAMP[2:]]
    commit(hooked, "-m", "Add tool")
    assert trailers(hooked)[1] == "AI-Lines: 2/4"
    assert trailers(hooked)[2:] == STAMP[2:]
    assert note_ranges(hooked) == {name: [(2, 3, "claude-code")]}
    code, out, _ = cli("verify", "--policy", str(policy))
    assert code == 1
    assert out.splitlines()[1] == ("     tier critical (declared critical), review "
                                   "senior+owner, AI 2/4 lines, rules DAT002, SEC002")
    assert out.splitlines()[2].startswith("     - needs senior+owner sign-off: ")
    code, out, _ = cli("blame", "--format", "json", "--", name)
    assert code == 0
    assert [r["ai"] for r in json.loads(out)["lines"]] == [False, True, True]
    # an amend re-anchors the note through the committed blob of the same hostile name
    write(hooked, name, "# header\n" + CODE)
    git(hooked, "add", "-A")
    commit(hooked, "--amend", "-m", "Add tool, with a header")
    assert note_ranges(hooked) == {name: [(3, 4, "claude-code")]}
    assert trailers(hooked)[1:] == ["AI-Lines: 2/5", *STAMP[2:]]


def test_mark_reads_the_committed_file_of_a_hostile_name(hooked: Path, cli: Run) -> None:
    names = list(NAMES.values())
    for name in names:
        write(hooked, name, "import os\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    for name in names:
        write(hooked, name, "import os\nos.system('rm -rf /tmp/y')\n")
    code, out, err = cli("mark", "--tool", "aider", "--", *names)
    assert (code, err) == (0, "")
    # only the line added since HEAD is the agent's: HEAD's blob was found under each name
    assert out.count(": 1 lines attributed to aider (agent)") == len(names), out
    git(hooked, "add", "-A")
    commit(hooked, "-m", "shell out")
    assert set(note_ranges(hooked)) == set(names)
    assert all(r == [(2, 2, "aider")] for r in note_ranges(hooked).values())


def test_aider_import_and_export_of_hostile_names(repo: Path, cli: Run) -> None:
    names = list(NAMES.values())
    for name in names:
        write(repo, name, "import shutil\nshutil.rmtree(path)\n")
    git(repo, "add", "-A")
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ada Author (aider)"}
    subprocess.run(["git", "commit", "-qm", "feat: tools"], cwd=repo, env=env, check=True)
    code, out, _ = cli("import", "aider")
    assert code == 0, out
    assert note_ranges(repo) == {name: [(1, 2, "aider")] for name in names}
    code, out, _ = cli("export", "--agent-trace")
    assert code == 0
    [record] = [json.loads(line) for line in out.splitlines()]
    assert {f["path"] for f in record["files"]} == set(names)
    assert note(repo)["files"] == record["files"]
    code, _, _ = cli("export", "--agent-trace", "-o", str(repo.parent / "trace.jsonl"))
    assert code == 0
    assert json.loads((repo.parent / "trace.jsonl").read_text()) == record
    assert cli("report", "--html", str(repo.parent / "report.html"))[0] == 0


def test_a_hostile_subject_cannot_split_the_log(hooked: Path, cli: Run, policy: Path) -> None:
    """Separator characters in a commit message do not shift what ``verify`` reads."""
    ai_file(hooked, "db.py", CODE, {1: AGENT, 2: AGENT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "x\x1e\x1fy\x1fz")
    code, out, _ = cli("verify", "--policy", str(policy))
    assert code == 1
    lines = out.split("\n")
    assert lines[0].endswith(" x\\u001e\\u001fy\\u001fz")  # shown, not obeyed
    assert lines[1].startswith("     tier critical (declared critical)")


def test_agent_hook_payloads_naming_hostile_files(hooked: Path) -> None:
    names = [n for n in NAMES.values() if n == os.fsdecode(os.fsencode(n).decode(
        "utf-8", "replace").encode())]  # JSON carries text: a non-UTF-8 name cannot be sent
    for name in names:
        write(hooked, name, CODE)
        payload = {"cwd": str(hooked), "hook_event_name": "PostToolUse", "tool_name": "Write",
                   "tool_input": {"file_path": name, "content": CODE}}
        done = subprocess.run([sys.executable, "-m", "countersign", "agent-hook",
                               "claude-code"], cwd=hooked, input=json.dumps(payload).encode(),
                              capture_output=True, check=False)
        assert (done.returncode, done.stderr) == (0, b"")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "tools")
    assert trailers(hooked)[1:] == [f"AI-Lines: {3 * len(names)}/{3 * len(names)}",
                                    *STAMP[2:]]
    assert note_ranges(hooked) == {n: [(1, 3, "claude-code")] for n in names}


def test_terminal_escapes_in_names_and_tools_are_shown_escaped(hooked: Path, cli: Run) -> None:
    """A file name and a tool name (an agent hook's payload chooses both) carrying ESC [2K:
    mark, status and blame print them as escapes, never raw to the terminal."""
    name = "app/a\x1b[2Kb.py"
    write(hooked, name, "x = 1\n")
    outputs = [cli("mark", "--tool", "ev\x1b[2Kil", "--", name)[1], cli("status")[1],
               cli("blame", name)[1]]
    for out in outputs:
        assert "\x1b" not in out, out
    assert "app/a\\u001b[2Kb.py: 1 lines attributed to ev\\u001b[2Kil" in outputs[0]
    assert "app/a\\u001b[2Kb.py: 1/1 AI lines" in outputs[1]
    assert "ev\\u001b[2Kil (agent)" in outputs[2] and "| x = 1" in outputs[2]


def test_terminal_escapes_reach_no_other_text_output(hooked: Path, cli: Run) -> None:
    """The same hostile file and tool name, committed: scan, trailers, record and report
    print them escaped too (the commit's notes and the ledger keep them as they are)."""
    name = "app/a\x1b[2Kb.py"
    write(hooked, name, CODE)
    cli("mark", "--tool", "ev\x1b[2Kil", "--", name)
    git(hooked, "add", "-A")
    outputs = {"trailers": cli("trailers")[1], "scan": cli("scan", "--ai-only")[1]}
    commit(hooked, "-m", "hostile")
    assert note_ranges(hooked) == {name: [(1, 3, "ev\x1b[2Kil")]}
    outputs |= {"record": cli("record")[1], "report": cli("report")[1]}
    for what, out in outputs.items():
        assert "\x1b" not in out, (what, out)
        assert "\\u001b[2K" in out, (what, out)
