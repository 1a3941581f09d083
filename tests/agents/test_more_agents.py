"""Gemini CLI, GitHub Copilot (CLI and coding agent) and Windsurf Cascade hook payloads,
and every agent's guard before a shell command, on real repositories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.agents.test_agent_hook import ai, apply, hook, payload
from tests.cli.conftest import Run
from tests.git.conftest import commit, git, note_ranges, trailers, write

AUTH = "def check(token):\n    return verify(token)\n"
BYPASS = "    return True  # skip auth while debugging\n"


@pytest.mark.parametrize(("agent", "edit", "create", "label"), [
    ("gemini-cli", "gemini-cli-after-replace.json", "gemini-cli-after-write-file.json",
     "gemini-cli (agent)"),
    ("copilot", "copilot-post-edit.json", "copilot-post-create.json", "copilot (agent)"),
    ("windsurf", "windsurf-post-write-code.json", None, "windsurf (agent)"),
])
def test_edits_are_recorded_and_committed(
    hooked: Path, agent: str, edit: str, create: str | None, label: str
) -> None:
    write(hooked, "app/auth.py", AUTH)
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    apply(hooked, "app/auth.py", "    return verify(token)\n", BYPASS)
    done = hook(hooked, agent, payload(edit, hooked))
    assert (done.returncode, done.stderr) == (0, b"")
    assert {n: o.label() for n, o in ai(hooked, "app/auth.py").items()} == {1: label}
    expected = {"app/auth.py": [(2, 2, agent)]}
    if create:
        write(hooked, "migrations/0042_drop_sessions.sql", "DROP TABLE sessions;\n")
        done = hook(hooked, agent, payload(create, hooked))
        assert (done.returncode, done.stderr) == (0, b"")
        expected["migrations/0042_drop_sessions.sql"] = [(1, 1, agent)]
    git(hooked, "add", "-A")
    commit(hooked, "-m", "agent work")
    assert trailers(hooked)[0] == f"AI-Assisted: {label}"
    assert note_ranges(hooked) == expected


@pytest.mark.parametrize(("agent", "name", "rule"), [
    ("gemini-cli", "gemini-cli-before-shell.json", "DES001"),
    ("windsurf", "windsurf-pre-run-command.json", "DAT002"),
])
def test_guard_blocks_with_exit_2(hooked: Path, agent: str, name: str, rule: str) -> None:
    (hooked / "infra").mkdir()
    done = hook(hooked, agent, payload(name, hooked), "--pre")
    assert done.returncode == 2
    assert done.stdout == b""
    assert f"countersign refused this command: {rule}".encode() in done.stderr


def test_guard_answers_cursor_and_copilot_with_json_permission(hooked: Path) -> None:
    done = hook(hooked, "cursor", payload("cursor-before-shell-execution.json", hooked), "--pre")
    assert done.returncode == 0
    answer = json.loads(done.stdout)
    assert answer["permission"] == "deny"
    assert "outside the workspace" in answer["user_message"]
    assert answer["agent_message"] == answer["user_message"]
    done = hook(hooked, "copilot", payload("copilot-pre-bash.json", hooked), "--pre")
    assert done.returncode == 0
    answer = json.loads(done.stdout)
    assert answer["permissionDecision"] == "deny"
    assert answer["permissionDecisionReason"].startswith(
        "countersign refused this command: DES003 (critical)")


@pytest.mark.parametrize("agent", ["cursor", "copilot", "windsurf", "gemini-cli"])
def test_guard_lets_harmless_commands_through_silently(hooked: Path, agent: str) -> None:
    data = {"cursor": {"hook_event_name": "beforeShellExecution", "command": "ls -la",
                       "cwd": str(hooked)},
            "copilot": {"toolName": "bash", "toolArgs": '{"command": "ls -la"}',
                        "cwd": str(hooked)},
            "windsurf": {"agent_action_name": "pre_run_command",
                         "tool_info": {"command_line": "ls -la", "cwd": str(hooked)}},
            "gemini-cli": {"tool_name": "run_shell_command",
                           "tool_input": {"command": "ls -la"}, "cwd": str(hooked)}}[agent]
    done = hook(hooked, agent, json.dumps(data), "--pre")
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")


@pytest.mark.parametrize(("agent", "data", "message"), [
    ("copilot", {"toolName": "edit", "toolArgs": "{not json", "cwd": "."},
     b"'toolArgs' is a string but not JSON"),
    ("windsurf", {"agent_action_name": "post_write_code", "tool_info": {"file_path": "a.py"}},
     b"'edits' is not a list"),
    ("gemini-cli", {"tool_name": "replace", "tool_input": {"file_path": "a.py"}},
     b"'old_string' is missing or not a string"),
])
def test_malformed_payloads_are_reported_and_skipped(
    hooked: Path, agent: str, data: dict[str, object], message: bytes
) -> None:
    done = hook(hooked, agent, json.dumps(data))
    assert done.returncode == 0
    assert message in done.stderr


def test_integrate_wires_the_guard_where_each_agent_looks(repo: Path, cli: Run) -> None:
    for agent in ("cursor", "copilot", "windsurf", "gemini-cli"):
        assert cli("integrate", agent)[0] == 0
    cursor = json.loads((repo / ".cursor/hooks.json").read_text())
    assert cursor["hooks"]["beforeShellExecution"] == [
        {"command": "countersign agent-hook cursor --pre"}]
    copilot = json.loads((repo / ".github/hooks/countersign.json").read_text())
    assert copilot == {"version": 1, "hooks": {
        "postToolUse": [{"type": "command", "bash": "countersign agent-hook copilot",
                         "timeoutSec": 30}],
        "preToolUse": [{"type": "command", "bash": "countersign agent-hook copilot --pre",
                        "timeoutSec": 30}]}}
    windsurf = json.loads((repo / ".windsurf/hooks.json").read_text())
    assert windsurf["hooks"]["pre_run_command"] == [
        {"command": "countersign agent-hook windsurf --pre", "show_output": False}]
    gemini = json.loads((repo / ".gemini/settings.json").read_text())
    assert gemini["hooks"]["BeforeTool"] == [{"matcher": "run_shell_command", "hooks": [
        {"type": "command", "command": "countersign agent-hook gemini-cli --pre"}]}]
    assert gemini["hooks"]["AfterTool"][0]["matcher"] == "write_file|replace"
    code, _, err = cli("integrate", "copilot", "--user")
    assert code == 2 and ".github/hooks" in err
