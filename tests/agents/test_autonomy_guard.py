"""``[autonomy.guard]``: an agent implicated in a recent incident gets a stricter guard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from countersign.store.guard_record import GUARD_CACHE
from tests.agents.test_agent_hook import hook, payload
from tests.git.conftest import AGENT, ai_file, commit
from tests.helpers import git, write

CONFIG = """\
[guard]
allow = ["terraform destroy -target=module\\\\.scratch"]
[autonomy.guard]
days = 30
tier = "high"
"""
ALLOWED = ("terraform destroy -target=module.scratch -auto-approve",  # the allow list
           "git push --force origin main")  # high: below the base guard's critical tier


def on_day(monkeypatch: pytest.MonkeyPatch, day: int) -> None:
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_DATE", f"{1767225600 + day * 86400} +0000")


def guard(repo: Path, agent: str, command: str) -> tuple[int, str]:
    data = json.loads(payload("claude-code-pre-bash-destroy.json", repo))
    data["tool_input"]["command"] = command
    done = hook(repo, agent, json.dumps(data), "--pre")
    return done.returncode, done.stderr.decode()


def test_a_recent_incident_tightens_the_guard_for_that_agent_only(
    hooked: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(hooked, ".countersign.toml", CONFIG)
    on_day(monkeypatch, 0)
    git(hooked, "add", "-A")
    commit(hooked, "-m", "Guard policy")
    for command in ALLOWED:
        assert guard(hooked, "claude-code", command) == (0, "")
    ai_file(hooked, "deploy.sh", "terraform apply -auto-approve\n", {0: AGENT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "Deploy script")
    on_day(monkeypatch, 1)
    git(hooked, "revert", "--no-edit", "HEAD")
    revert = git(hooked, "rev-parse", "--short=10", "HEAD").strip()
    for command in ALLOWED:
        code, err = guard(hooked, "claude-code", command)
        assert code == 2, err
        assert err.endswith(
            f"claude-code: 1 incident in 30 days ({revert}): until then [autonomy.guard] "
            "refuses this agent's commands of tier high or higher, whatever [guard] allow "
            "says. A person must run it.\n")
        assert guard(hooked, "codex", command) == (0, "")
    assert (Path(git(hooked, "rev-parse", "--absolute-git-dir").strip()) / "countersign"
            / GUARD_CACHE).is_file()
    assert guard(hooked, "claude-code", "terraform plan") == (0, "")
    on_day(monkeypatch, 31)  # the incident is 30 days old at the next commit: it expires
    write(hooked, "README.md", "docs\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "Docs")
    for command in ALLOWED:
        assert guard(hooked, "claude-code", command) == (0, "")
