"""``countersign hook install|uninstall|status`` in real repositories."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from countersign.store import hooks
from countersign.store.gitcli import Git
from tests.git.conftest import AGENT, Run, ai_file, commit, trailers
from tests.helpers import git, write

HOOK_NAMES = ["prepare-commit-msg", "commit-msg", "post-commit", "post-merge", "post-rewrite",
              "pre-push"]


def test_install_status_uninstall_round_trip(repo: Path, cli: Run) -> None:
    code, out, _ = cli("hook", "status")
    assert code == 1
    assert "prepare-commit-msg   not installed" in out
    code, out, _ = cli("hook", "install")
    assert code == 0
    assert [ln.split(":")[0] for ln in out.splitlines()[:7]] == [*HOOK_NAMES, "notes.rewriteRef"]
    assert git(repo, "config", "--get-all", "notes.rewriteRef").split() == \
        ["refs/notes/countersign*"]
    for name in HOOK_NAMES:
        path = repo / ".git" / "hooks" / name
        assert path.stat().st_mode & stat.S_IXUSR
        assert hooks.MARKER in path.read_text()
        assert f"COUNTERSIGN_PYTHON={sys.executable}" in path.read_text()
    code, out, _ = cli("hook", "status")
    assert code == 0
    assert out.splitlines()[0] == f"prepare-commit-msg   installed ({sys.executable})"
    assert out.splitlines()[-1] == "notes.rewriteRef     includes refs/notes/countersign*"
    # installing twice is harmless and does not chain the hook to itself
    assert cli("hook", "install")[0] == 0
    assert not (repo / ".git" / "hooks" / "post-commit.legacy").exists()
    code, out, _ = cli("hook", "uninstall")
    assert code == 0
    assert not any((repo / ".git" / "hooks" / n).exists() for n in HOOK_NAMES)
    assert subprocess.run(["git", "config", "notes.rewriteRef"], cwd=repo).returncode == 1


def test_a_foreign_hook_is_chained_first_and_restored(repo: Path, cli: Run) -> None:
    existing = repo / ".git" / "hooks" / "prepare-commit-msg"
    existing.write_text("#!/bin/sh\nprintf '\\nTicket: ABC-1\\n' >> \"$1\"\n")
    existing.chmod(0o755)
    code, out, _ = cli("hook", "install")
    assert code == 0
    assert "prepare-commit-msg: moved the existing hook to prepare-commit-msg.legacy" in out
    write(repo, "a.txt", "a\n")
    git(repo, "add", "-A")
    commit(repo, "-m", "subject")
    assert trailers(repo)[0] == "Ticket: ABC-1"
    assert trailers(repo)[1] == "AI-Assisted: no"
    _, out, _ = cli("hook", "status")
    assert "runs prepare-commit-msg.legacy first" in out
    cli("hook", "uninstall")
    assert existing.read_text().startswith("#!/bin/sh\nprintf '\\nTicket")
    assert not existing.with_name("prepare-commit-msg.legacy").exists()


def test_a_failing_chained_hook_still_stops_the_commit(repo: Path, cli: Run) -> None:
    existing = repo / ".git" / "hooks" / "commit-msg"
    existing.write_text("#!/bin/sh\necho 'policy says no' >&2\nexit 1\n")
    existing.chmod(0o755)
    cli("hook", "install")
    write(repo, "a.txt", "a\n")
    git(repo, "add", "-A")
    done = commit(repo, "-m", "subject", check=False)
    assert done.returncode == 1
    assert "policy says no" in done.stderr


def test_install_refuses_when_legacy_slot_is_taken(repo: Path, cli: Run) -> None:
    hooks_dir = repo / ".git" / "hooks"
    (hooks_dir / "post-commit").write_text("#!/bin/sh\nexit 0\n")
    (hooks_dir / "post-commit.legacy").write_text("#!/bin/sh\nexit 0\n")
    code, _, err = cli("hook", "install")
    assert code == 1
    assert f"error: {hooks_dir / 'post-commit'} is not countersign's and" in err
    assert "hint: merge or remove one of them" in err
    assert (hooks_dir / "post-commit").read_text() == "#!/bin/sh\nexit 0\n"


def test_core_hooks_path_husky_style(repo: Path, cli: Run) -> None:
    husky = repo / ".husky" / "_"
    husky.mkdir(parents=True)
    (husky / "prepare-commit-msg").write_text("#!/bin/sh\n# husky\nexit 0\n")
    (husky / "prepare-commit-msg").chmod(0o755)
    git(repo, "config", "core.hooksPath", ".husky/_")
    assert cli("hook", "install")[0] == 0
    assert hooks.MARKER in (husky / "prepare-commit-msg").read_text()
    assert (husky / "prepare-commit-msg.legacy").read_text().startswith("#!/bin/sh\n# husky")
    assert not (repo / ".git" / "hooks" / "prepare-commit-msg").exists()
    ai_file(repo, "migrations/001.sql", "DROP TABLE users;\n", {0: AGENT})
    git(repo, "add", "-A")
    commit(repo, "-m", "drop")
    assert "Review-Tier: critical" in trailers(repo)


def test_linked_worktree_shares_hooks_and_has_its_own_ledger(
    repo: Path, cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, "a.txt", "a\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    cli("hook", "install")
    linked = repo.parent / "linked"
    git(repo, "worktree", "add", "-q", "-b", "side", str(linked))
    monkeypatch.chdir(linked)
    assert cli("hook", "status")[0] == 0  # same hooks directory, seen from the worktree
    ai_file(linked, "migrations/001.sql", "DROP TABLE users;\n", {0: AGENT})
    assert (Path(git(linked, "rev-parse", "--absolute-git-dir").strip())
            / "countersign" / "ledger.db").exists()
    git(linked, "add", "-A")
    commit(linked, "-m", "drop in worktree")
    assert "Review-Tier: critical" in trailers(linked)
    assert git(repo, "notes", "--ref", "countersign", "list", "side").strip()


def test_a_vanished_interpreter_is_explained_and_does_not_block(repo: Path, cli: Run) -> None:
    hooks.install(Git(repo), "/nonexistent/venv/bin/python")
    code, out, _ = cli("hook", "status")
    assert code == 1
    assert "installed, but its Python /nonexistent/venv/bin/python is gone" in out
    write(repo, "a.txt", "a\n")
    git(repo, "add", "-A")
    done = commit(repo, "-m", "subject", check=False)
    assert done.returncode == 0
    assert "countersign: the Python this hook was installed with " \
           "(/nonexistent/venv/bin/python) is gone" in done.stderr
    assert "hint: reinstall countersign and run `countersign hook install`" in done.stderr
    assert trailers(repo) == []


def test_hook_errors_never_block_a_commit(repo: Path, cli: Run) -> None:
    cli("hook", "install")
    write(repo, ".countersign.toml", "[rules\nbroken")  # config errors are warnings only
    ledger_dir = repo / ".git" / "countersign"
    ledger_dir.mkdir()
    (ledger_dir / "ledger.db").write_bytes(b"not a database" * 100)
    git(repo, "add", "-A")
    done = commit(repo, "-m", "subject", check=False)
    assert done.returncode == 0, done.stderr
    assert "countersign: the prepare-commit-msg hook failed (LedgerError" in done.stderr
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"
    assert os.path.getsize(ledger_dir / "ledger.db") == 1400  # nothing overwritten
