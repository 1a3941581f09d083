"""The hook daemon: prepare-commit-msg served by a resident process gives exactly what the
in-process hook gives, reloads changed configuration, steps aside for changed code, and
never serves a directory others may enter."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import countersign
from countersign.cli import hook_client, hook_daemon
from countersign.store import hooks
from countersign.store.gitcli import Git
from tests.git.conftest import AGENT, COPILOT, ai_file, commit
from tests.helpers import git, make_repo, write

JOB = "import shutil\n\ndef cleanup(path):\n    shutil.rmtree(path)\n"
MIGRATION = "-- drop the old table\nDROP TABLE users;\n"
IN_PROCESS = '"$COUNTERSIGN_PYTHON" -m countersign hook run prepare-commit-msg "$@"'


def _start(repo: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start the daemon as the client does, and wait until it answers."""
    git_dir = repo / ".git"
    proc = subprocess.Popen([sys.executable, "-m", "countersign", "hook", "daemon",
                             str(git_dir), str(repo)], env=env, start_new_session=True)
    for _ in range(600):
        if hook_daemon.running(git_dir):
            return proc
        assert proc.poll() is None, f"the daemon exited with {proc.returncode}"
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the daemon never answered")


@pytest.fixture
def daemons() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Daemons a test started: stopped and reaped afterwards, whatever happened."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(timeout=30)


def _hooked(root: Path, daemon_only: bool) -> Path:
    repo = make_repo(root)
    hooks.install(Git(repo), sys.executable, hook_client.__file__)
    if daemon_only:  # the in-process fallback fails the commit: only the daemon may stamp
        shim = repo / ".git" / "hooks" / "prepare-commit-msg"
        text = shim.read_text()
        assert IN_PROCESS in text
        shim.write_text(text.replace(IN_PROCESS, 'echo "fell back to in-process" >&2; exit 1'))
    return repo


def _history(repo: Path) -> list[tuple[str, str, str]]:
    """Every commit: id (a function of tree, parents, dates and message), message, and its
    note without the random record id."""
    out = []
    for sha in git(repo, "rev-list", "--branches").split():
        raw = subprocess.run(["git", "notes", "--ref", "countersign", "show", sha], cwd=repo,
                             capture_output=True, text=True).stdout
        record = json.loads(raw) if raw else {}
        record.pop("id", None)
        out.append((sha, git(repo, "log", "-1", "--format=%B", sha),
                    json.dumps(record, sort_keys=True)))
    return out


def _scenario(repo: Path, step: Callable[[], None]) -> None:
    """Commits of many kinds; ``step`` runs before each (a check that the daemon lives)."""
    ai_file(repo, "jobs/cleanup.py", JOB, {3: AGENT})
    write(repo, "README.md", "docs\n")
    git(repo, "add", "-A")
    step()
    commit(repo, "-m", "cleanup job")
    ai_file(repo, "db/0002_drop.sql", MIGRATION, {1: COPILOT})
    git(repo, "add", "-A")
    write(repo, "README.md", "docs\nmore\n")
    step()
    commit(repo, "-a", "-m", "drop users")  # git's temporary index (GIT_INDEX_FILE)
    write(repo, "README.md", "docs\nmore\nand more\n")
    ai_file(repo, "jobs/cleanup.py", JOB + "    print('gone')\n", {3: AGENT, 4: AGENT})
    step()
    commit(repo, "-m", "partial", "--", "jobs/cleanup.py")  # another temporary index
    step()
    commit(repo, "--amend", "-m", "partial, amended")  # found from the shim's parents
    write(repo, ".countersign.toml", '[rules.tier]\nDES010 = "critical"\n[trailers]\n'
                                     "assisted_by = true\n")
    ai_file(repo, "jobs/cleanup.py", JOB + "    shutil.rmtree(path + '.bak')\n", {4: AGENT})
    git(repo, "add", "-A")
    step()
    commit(repo, "-m", "config\n\nReview-Tier: none\nAI-Assisted: no")  # typed: replaced
    git(repo, "checkout", "-q", "-b", "side", "HEAD~1")
    ai_file(repo, "ops/run.sh", "#!/bin/sh\nrm -rf /srv/data\n", {1: AGENT})
    git(repo, "add", "-A")
    step()
    commit(repo, "-m", "side")
    git(repo, "checkout", "-q", "main")
    step()
    commit_merge = subprocess.run(["git", "merge", "--no-ff", "-q", "-m", "merge side",
                                   "side"], cwd=repo, capture_output=True, text=True)
    assert commit_merge.returncode == 0, commit_merge.stderr


def test_the_daemon_stamps_exactly_what_the_hook_stamps_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, daemons: list[subprocess.Popen[bytes]],
) -> None:
    alone = _hooked(tmp_path / "in-process", daemon_only=False)
    monkeypatch.chdir(alone)
    _scenario(alone, lambda: None)

    served = _hooked(tmp_path / "daemon", daemon_only=True)
    monkeypatch.chdir(served)
    monkeypatch.setenv("COUNTERSIGN_HOOK_DAEMON", "1")
    daemons.append(_start(served))
    _scenario(served, lambda: None)
    assert daemons[0].poll() is None  # one daemon served every commit, config change included

    assert _history(served) == _history(alone)
    assert len(_history(alone)) == 6
    configured = git(served, "log", "-1", "--format=%B", "HEAD^1")  # the config was reloaded
    assert "Review-Tier: critical" in configured
    assert "Assisted-by: claude-code:anthropic/claude-sonnet-4-5" in configured


def test_changed_code_makes_the_daemon_step_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, daemons: list[subprocess.Popen[bytes]],
) -> None:
    code = tmp_path / "code"  # a copy of countersign, as a pip upgrade would replace it
    shutil.copytree(Path(countersign.__file__).parent, code / "countersign",
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("PYTHONPATH", str(code) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    repo = _hooked(tmp_path / "repo", daemon_only=False)
    monkeypatch.chdir(repo)
    monkeypatch.setenv("COUNTERSIGN_HOOK_DAEMON", "1")
    first = _start(repo)
    daemons.append(first)
    ai_file(repo, "jobs/cleanup.py", JOB, {3: AGENT})
    git(repo, "add", "-A")
    commit(repo, "-m", "one")
    assert first.poll() is None

    tiers = code / "countersign" / "core" / "tiers.py"
    tiers.write_text(tiers.read_text() + "\n")  # an upgrade
    write(repo, "README.md", "docs\n")
    git(repo, "add", "-A")
    commit(repo, "-m", "two")  # stamped in-process; the old daemon left
    assert first.wait(timeout=30) == 0
    assert "AI-Assisted: no" in git(repo, "log", "-1", "--format=%B")
    for _ in range(600):  # the client started a new one for the next commit
        if hook_daemon.running(repo / ".git"):
            break
        time.sleep(0.05)
    assert hook_daemon.stop(repo / ".git")


def test_a_directory_others_may_enter_is_never_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = _hooked(tmp_path / "repo", daemon_only=False)
    monkeypatch.chdir(repo)
    monkeypatch.setenv("COUNTERSIGN_HOOK_DAEMON", "1")
    directory = hook_daemon.daemon_dir(repo / ".git")
    directory.mkdir(parents=True, mode=0o755)
    directory.chmod(0o755)
    ai_file(repo, "jobs/cleanup.py", JOB, {3: AGENT})
    git(repo, "add", "-A")
    done = commit(repo, "-m", "one", check=False)
    assert done.returncode == 0
    assert "countersign: .git/countersign/daemon is not a private directory" in done.stderr
    assert "AI-Lines: 1/4" in git(repo, "log", "-1", "--format=%B")  # stamped in-process
    assert hook_daemon.serve(repo / ".git") == 1
    assert not (directory / "socket").exists()
    assert directory.stat().st_mode & 0o777 == 0o755  # nothing started, nothing changed


def test_the_daemon_exits_when_its_socket_goes(
    tmp_path: Path, daemons: list[subprocess.Popen[bytes]],
) -> None:
    repo = make_repo(tmp_path / "repo")
    proc = _start(repo)
    daemons.append(proc)
    socket_file = hook_daemon.daemon_dir(repo / ".git") / "socket"
    assert socket_file.stat().st_mode & 0o777 == 0o600
    assert hook_daemon.daemon_dir(repo / ".git").stat().st_mode & 0o777 == 0o700
    socket_file.unlink()  # the repository deleted, or `hook uninstall`
    assert proc.wait(timeout=30) == 0


def test_outdated_shims_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  cli: Callable[..., tuple[int, str, str]]) -> None:
    repo = _hooked(tmp_path / "repo", daemon_only=False)
    monkeypatch.chdir(repo)
    shim = repo / ".git" / "hooks" / "prepare-commit-msg"
    old = shim.read_text().replace(hooks.MARKER, "# countersign-managed-hook v1").replace(
        "export COUNTERSIGN_HOOKS\n", "").replace("COUNTERSIGN_HOOKS=2\n", "")
    shim.write_text(old)
    code, out, _ = cli("hook", "status")
    assert code == 1
    assert "installed by an older countersign" in out
    write(repo, "README.md", "docs\n")
    git(repo, "add", "-A")
    done = commit(repo, "-m", "one", check=False)
    assert "installed by an older countersign" in done.stderr
    assert "hint: run `countersign hook install` to update them" in done.stderr
    assert "AI-Assisted: no" in git(repo, "log", "-1", "--format=%B")
