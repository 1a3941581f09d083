"""``integrate`` agent configs, ``import aider`` and ``export --agent-trace``."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.cli.conftest import Run
from tests.git.conftest import commit, note_ranges, trailers
from tests.helpers import git, write

CLAUDE_SETTINGS = {
    "permissions": {"allow": ["Bash(npm test:*)"]},
    "hooks": {"PostToolUse": [{"matcher": "Write", "hooks": [
        {"type": "command", "command": "prettier --write"}]}]},
}


@pytest.mark.parametrize(("agent", "path"), [
    ("claude-code", ".claude/settings.json"), ("cursor", ".cursor/hooks.json"),
    ("codex", ".codex/hooks.json"), ("kiro", ".kiro/hooks/countersign.json"),
    ("gemini-cli", ".gemini/settings.json"), ("copilot", ".github/hooks/countersign.json"),
    ("windsurf", ".windsurf/hooks.json"),
])
def test_integrate_is_idempotent(repo: Path, cli: Run, agent: str, path: str) -> None:
    code, out, _ = cli("integrate", agent)
    assert code == 0
    assert out == f"{repo / path}: added countersign's hooks (countersign agent-hook {agent})\n"
    first = (repo / path).read_text()
    code, out, _ = cli("integrate", agent)
    assert out == f"{repo / path}: countersign's hooks are already there; nothing changed\n"
    assert (repo / path).read_text() == first
    assert f"countersign agent-hook {agent}" in first


def test_integrate_keeps_the_users_settings(repo: Path, cli: Run) -> None:
    settings = repo / ".claude" / "settings.json"
    settings.parent.mkdir()
    settings.write_text(json.dumps(CLAUDE_SETTINGS))
    assert cli("integrate", "claude-code")[0] == 0
    merged = json.loads(settings.read_text())
    assert merged["permissions"] == CLAUDE_SETTINGS["permissions"]
    assert merged["hooks"]["PostToolUse"] == [
        CLAUDE_SETTINGS["hooks"]["PostToolUse"][0],  # type: ignore[index]
        {"matcher": "Edit|Write|MultiEdit", "hooks": [
            {"type": "command", "command": "countersign agent-hook claude-code"}]}]
    assert merged["hooks"]["PreToolUse"] == [{"matcher": "Bash", "hooks": [
        {"type": "command", "command": "countersign agent-hook claude-code --pre"}]}]


def test_integrate_user_scope_and_broken_json(repo: Path, cli: Run) -> None:
    assert cli("integrate", "cursor", "--user")[0] == 0
    assert (Path(os.environ["HOME"]) / ".cursor" / "hooks.json").exists()
    broken = repo / ".codex" / "hooks.json"
    broken.parent.mkdir()
    broken.write_text("{not json")
    code, _, err = cli("integrate", "codex")
    assert code == 1
    assert f"error: {broken} is not valid JSON" in err
    assert broken.read_text() == "{not json"


def _aider_commit(repo: Path, rel: str, text: str, *hooks: str) -> None:
    write(repo, rel, text)
    git(repo, "add", "-A")
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ada Author (aider)"}
    done = subprocess.run(
        ["git", *hooks, "commit", "-q", "--no-verify", "-m",
         f"feat: {rel}\n\nCo-authored-by: aider (openai/gpt-5) <aider@aider.chat>"],
        cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_aider_commits_are_attributed_by_the_hooks(hooked: Path) -> None:
    _aider_commit(hooked, "migrations/001.sql", "DROP TABLE users;\n")
    assert trailers(hooked)[:3] == ["Co-authored-by: aider (openai/gpt-5) <aider@aider.chat>",
                                    "AI-Assisted: aider (agent, openai/gpt-5)",
                                    "AI-Lines: 1/1"]
    assert note_ranges(hooked) == {"migrations/001.sql": [(1, 1, "aider")]}


def test_import_aider_from_history(repo: Path, cli: Run) -> None:
    write(repo, "README.md", "hello\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "human")
    _aider_commit(repo, "jobs.py", "import shutil\nshutil.rmtree(path)\n")
    code, out, _ = cli("import", "aider")
    assert code == 0
    assert out.splitlines()[-1] == "1 Aider commit of 2 attributed " \
                                   "(notes in refs/notes/countersign)"
    assert note_ranges(repo) == {"jobs.py": [(1, 2, "aider")]}
    assert cli("import", "aider")[1] == out  # running it again changes nothing
    code, out, _ = cli("verify", "--format", "json")
    assert json.loads(out)["commits"][0]["tools"] == ["aider (agent, openai/gpt-5)"]


def test_export_agent_trace(hooked: Path, cli: Run, tmp_path: Path) -> None:
    write(hooked, "README.md", "hello\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "human")
    _aider_commit(hooked, "jobs.py", "import shutil\nshutil.rmtree(path)\n")
    out_file = tmp_path / "trace.jsonl"
    code, _, err = cli("export", "--agent-trace", "HEAD", "-o", str(out_file))
    assert code == 0
    assert err == "2 records for 2 commits\n"
    records = [json.loads(line) for line in out_file.read_text().splitlines()]
    head = git(hooked, "rev-parse", "HEAD").strip()
    assert records[0]["vcs"]["revision"] == head
    assert records[0]["version"] == "0.1.0"
    assert records[0]["files"][0]["conversations"][0]["contributor"] == {
        "type": "ai", "model_id": "openai/gpt-5"}
    assert records[1]["files"] == []
    code, _, err = cli("export", "--agent-trace", "nope..HEAD")
    assert code == 2
