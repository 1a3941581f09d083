"""``countersign/signoff`` under ``[autonomy]``: the report applies the AI tools' standing as
``countersign verify`` does (same review, same reasons), through a real pytest-lsp client.

Real repositories with countersign's hooks: an agent's lines are recorded in the ledger and
the commit hook writes their provenance note, so the track record knows the tool.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pytest_lsp import LanguageClient

from countersign.core.origin import Origin
from countersign.lsp.convert import plain
from countersign.store import hooks
from countersign.store.gitcli import Git
from countersign.store.ledger import Ledger
from tests.helpers import git, write
from tests.lsp.conftest import CLIENTS, session, stop

AGENT = Origin("agent", "claude-code", "anthropic/claude-sonnet-4-5")
RISKY = "requests.get(u, verify=False)\n"  # a high-tier line (TLS verification off)
TIGHTEN = '[[autonomy.tighten]]\ntier = "high"\nreview = "senior+owner"\ndays = 30\n'
RELAX = ('[[autonomy.relax]]\ntier = "high"\nreview = "peer"\nmin_lines = 2\ndays = 90\n'
         "max_incidents = 0\n")


def agent_writes(repo: Path, rel: str, text: str) -> None:
    """Write ``rel``, every line by the agent (recorded in the ledger the hooks read)."""
    path = write(repo, rel, text)
    ledger = Path(git(repo, "rev-parse", "--absolute-git-dir").strip()) / "countersign"
    with Ledger(ledger / "ledger.db") as db:
        db.save(rel, path.read_text(encoding="utf-8"),
                dict.fromkeys(range(text.count("\n")), AGENT))


def save(repo: Path, subject: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", subject)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def hooked(tmp_path: Path, repo: Path) -> Path:
    """``repo`` with countersign's hooks, one commit on ``main``."""
    hooks.install(Git(repo), sys.executable)
    write(repo, "README.md", "service\n")
    save(repo, "base")
    return repo


def policy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return path


def feature(repo: Path) -> str:
    """A branch over ``main`` where the agent writes a high-tier line; its id."""
    git(repo, "checkout", "-q", "-b", "feature", "--track", "main")
    agent_writes(repo, "client.py", "import requests\n" + RISKY.replace("u,", "url,"))
    return save(repo, "Client again")


@pytest.fixture(params=CLIENTS)
def spec(request: pytest.FixtureRequest) -> str:
    """The client's capabilities: VS Code's or Neovim's."""
    name: str = request.param
    return name


async def report(repo: Path, spec: str, policy_path: Path) -> dict[str, Any]:
    settings = {"debounceMs": 0, "policy": str(policy_path)}
    client: LanguageClient = await session(repo, spec, settings, configuration=settings)
    try:
        result: dict[str, Any] = plain(await client.protocol.send_request_async(
            "countersign/signoff", {}))
    finally:
        await stop(client)
    return result


def verify(repo: Path, policy_path: Path) -> list[dict[str, Any]]:
    done = subprocess.run([sys.executable, "-m", "countersign.cli.main", "verify", "--policy",
                           str(policy_path), "--format", "json", "main..HEAD"],
                          cwd=repo, capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    commits: list[dict[str, Any]] = json.loads(done.stdout)["commits"]
    return commits


def same_as_verify(result: dict[str, Any], commits: list[dict[str, Any]]) -> None:
    assert [c["sha"] for c in result["commits"]] == [c["sha"] for c in commits]
    for ours, theirs in zip(result["commits"], commits, strict=True):
        assert (ours["ok"], ours["tier"], ours["review"], ours["failures"]) == \
            (theirs["ok"], theirs["tier"], theirs["review"], theirs["failures"])
        assert ours["reasons"][1:] == theirs["autonomy"]  # after the tier, autonomy's why
    assert not any("[autonomy]" in note for note in result["notes"])


async def test_a_recent_incident_tightens_the_review_as_verify_does(
        hooked: Path, tmp_path: Path, spec: str) -> None:
    agent_writes(hooked, "client.py", RISKY)
    save(hooked, "Client")
    git(hooked, "revert", "--no-edit", "HEAD")
    revert = git(hooked, "rev-parse", "HEAD").strip()
    feature(hooked)
    path = policy(tmp_path, TIGHTEN)
    result = await report(hooked, spec, path)
    commits = verify(hooked, path)
    same_as_verify(result, commits)
    (commit,) = result["commits"]
    why = f"claude-code: 1 incident in 30 days ({revert[:10]}) -> senior+owner"
    assert (commit["tier"], commit["review"], commit["reasons"][1:]) == \
        ("high", "senior+owner", [why])
    assert f"- {why}" in result["markdown"].replace("\\", "")


async def test_a_proven_tool_is_relaxed_as_verify_relaxes_it(
        hooked: Path, tmp_path: Path, spec: str) -> None:
    agent_writes(hooked, "client.py", "import requests\n" + RISKY)
    save(hooked, "Client")
    feature(hooked)
    path = policy(tmp_path, RELAX)
    result = await report(hooked, spec, path)
    same_as_verify(result, verify(hooked, path))
    (commit,) = result["commits"]
    assert (commit["tier"], commit["review"]) == ("high", "peer")
    assert commit["reasons"][1:] == [
        "claude-code: 2 high-tier AI lines in 90 days, no incident -> peer"]


async def test_the_kept_standing_follows_the_notes_of_the_history(
        hooked: Path, tmp_path: Path, spec: str) -> None:
    """One server, asked twice on the same base: between the two the note of the reverted
    commit is removed, so its lines are no longer the agent's and the tightening ends."""
    agent_writes(hooked, "client.py", RISKY)
    origin = save(hooked, "Client")
    git(hooked, "revert", "--no-edit", "HEAD")
    feature(hooked)
    path = policy(tmp_path, TIGHTEN)
    settings = {"debounceMs": 0, "policy": str(path)}
    client = await session(hooked, spec, settings, configuration=settings)
    try:
        first = plain(await client.protocol.send_request_async("countersign/signoff", {}))
        assert first["commits"][0]["review"] == "senior+owner"
        git(hooked, "notes", "--ref", "countersign", "remove", origin)
        second = plain(await client.protocol.send_request_async("countersign/signoff", {}))
    finally:
        await stop(client)
    same_as_verify(second, verify(hooked, path))
    assert (second["commits"][0]["review"], second["commits"][0]["reasons"][1:]) == \
        ("senior", [])
