"""``countersign sync`` and the hooks that share notes: two clones of one bare remote."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from countersign.store import commits, hooks
from countersign.store.gitcli import Git
from tests.git.conftest import (
    AGENT,
    COPILOT,
    Run,
    ai_file,
    commit,
    git,
    note_ranges,
    write,
)


@pytest.fixture
def clones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A bare ``origin`` with one commit, and clones ``a`` and ``b`` with hooks installed."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "-q", str(origin), str(seed))
    write(seed, "app.py", "print('hi')\n")
    git(seed, "add", "-A")
    git(seed, "commit", "-qm", "base")
    git(seed, "push", "-q", "origin", "main")
    out = []
    for name in ("a", "b"):
        clone = tmp_path / name
        git(tmp_path, "clone", "-q", str(origin), str(clone))
        hooks.install(Git(clone), sys.executable)
        monkeypatch.chdir(clone)
        assert subprocess.run([sys.executable, "-m", "countersign", "hook", "install"],
                              cwd=clone, capture_output=True).returncode == 0
        out.append(clone)
    return out[0], out[1]


def _ai_commit(repo: Path, rel: str, origin_line: int, who: object, msg: str) -> str:
    ai_file(repo, rel, "x = 1\ny = 2\nz = 3\n", {origin_line: who})  # type: ignore[dict-item]
    git(repo, "add", "-A")
    commit(repo, "-m", msg)
    return git(repo, "rev-parse", "HEAD").strip()


def test_install_configures_fetch_beside_and_merge_strategies(clones: tuple[Path, Path]) -> None:
    a, _ = clones
    assert git(a, "config", "--get-all", "remote.origin.fetch").split() == [
        "+refs/heads/*:refs/remotes/origin/*",
        "+refs/notes/countersign*:refs/notes/remotes/origin/countersign*"]
    assert git(a, "config", "notes.countersign.mergeStrategy").strip() == "union"
    assert git(a, "config", "notes.countersign-approvals.mergeStrategy").strip() == \
        "cat_sort_uniq"


def test_push_with_the_users_push_and_merge_on_pull(
    clones: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = clones
    monkeypatch.chdir(a)
    sha = _ai_commit(a, "a.py", 1, AGENT, "a: agent")
    done = subprocess.run(["git", "push", "-q", "origin", "main"], cwd=a, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert "countersign: pushed refs/notes/countersign to origin" in done.stderr
    monkeypatch.chdir(b)
    done = subprocess.run(["git", "pull", "-q", "--no-rebase"], cwd=b,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert note_ranges(b, sha) == {"a.py": [(2, 2, "claude-code")]}


def test_a_fetch_that_would_overwrite_local_notes_merges_them(
    clones: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, cli: Run
) -> None:
    a, b = clones
    base = git(a, "rev-parse", "HEAD").strip()
    # both clones note the same commit differently, and each notes a commit of its own
    git(a, "notes", "--ref", "countersign", "add", "-m", _record(base, "a.py", "claude-code"),
        base)
    monkeypatch.chdir(a)
    mine_a = _ai_commit(a, "a.py", 0, AGENT, "a: agent")
    git(a, "push", "-q", "origin", "HEAD:refs/heads/a")  # the pre-push hook pushes notes
    git(b, "notes", "--ref", "countersign", "add", "-m", _record(base, "b.py", "copilot"), base)
    monkeypatch.chdir(b)
    mine_b = _ai_commit(b, "b.py", 2, COPILOT, "b: copilot")
    git(b, "fetch", "-q", "origin")  # the branch a pushed, so its commits exist here
    # what the usual advice does: local notes replaced by the remote's
    scratch = git(b, "rev-parse", "refs/notes/countersign").strip()
    git(b, "fetch", "-q", "origin", "+refs/notes/*:refs/notes/careless/*")
    careless = git(b, "notes", "--ref", "careless/countersign", "list").split()
    assert mine_b not in careless  # a plain overwrite would have lost b's own note
    code, out, err = cli("sync")
    assert code == 0, err
    assert "refs/notes/countersign: merged (union)" in out
    assert git(b, "rev-parse", "refs/notes/countersign^1").strip() == scratch
    assert note_ranges(b, mine_a) == {"a.py": [(1, 1, "claude-code")]}
    assert note_ranges(b, mine_b) == {"b.py": [(3, 3, "copilot")]}
    # the commit both noted: countersign reads every line of both records
    record = commits.read_note(Git(b), base)
    assert sorted(f["path"] for f in record["files"]) == ["a.py", "b.py"]
    code, out, err = cli("sync", "--push")
    assert code == 0, err
    assert "refs/notes/countersign -> origin: pushed" in out
    monkeypatch.chdir(a)
    code, out, err = cli("sync")
    assert "refs/notes/countersign: fast-forward" in out, out + err


def test_a_push_behind_the_remote_notes_merges_them_first(
    clones: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = clones
    monkeypatch.chdir(a)
    from_a = _ai_commit(a, "a.py", 1, AGENT, "a: agent")
    git(a, "push", "-q", "origin", "HEAD:refs/heads/a")
    monkeypatch.chdir(b)
    from_b = _ai_commit(b, "b.py", 0, COPILOT, "b: copilot")
    done = subprocess.run(["git", "push", "-q", "origin", "HEAD:refs/heads/b"], cwd=b,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "countersign: pushed refs/notes/countersign to origin" in done.stderr
    remote = Git(b)
    git(b, "fetch", "-q", "origin")
    listed = git(b, "notes", "--ref", "remotes/origin/countersign", "list").split()
    assert from_a in listed and from_b in listed
    assert commits.read_note(remote, from_a) is not None


def test_approvals_merge_line_by_line(
    clones: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, cli: Run
) -> None:
    a, b = clones
    base = git(a, "rev-parse", "HEAD").strip()
    shared = '{"approver":"sam@example.com","role":"senior"}'
    git(a, "notes", "--ref", "countersign-approvals", "add", "-m",
        shared + "\n" + '{"approver":"olga@example.com","role":"owner"}', base)
    monkeypatch.chdir(a)
    assert cli("sync", "--push")[0] == 0
    git(b, "notes", "--ref", "countersign-approvals", "add", "-m",
        shared + "\n" + '{"approver":"pat@example.com","role":"peer"}', base)
    monkeypatch.chdir(b)
    code, out, err = cli("sync")
    assert code == 0, err
    assert "refs/notes/countersign-approvals: merged (cat_sort_uniq)" in out
    lines = git(b, "notes", "--ref", "countersign-approvals", "show", base).split("\n")
    assert sorted(ln for ln in lines if ln) == sorted([
        shared, '{"approver":"olga@example.com","role":"owner"}',
        '{"approver":"pat@example.com","role":"peer"}'])


def test_push_setting_off_and_unknown_remote(
    clones: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, cli: Run
) -> None:
    a, _ = clones
    monkeypatch.chdir(a)
    git(a, "config", "countersign.pushNotes", "false")
    _ai_commit(a, "a.py", 1, AGENT, "a: agent")
    done = subprocess.run(["git", "push", "-q", "origin", "main"], cwd=a, capture_output=True,
                          text=True)
    assert done.returncode == 0 and "countersign" not in done.stderr
    assert git(a, "ls-remote", "origin", "refs/notes/*") == ""
    code, _, err = cli("sync", "upstream")
    assert code == 2
    assert "no remote 'upstream' (it has: origin)" in err


def _record(sha: str, path: str, tool: str) -> str:
    return json.dumps({"version": "0.1.0", "vcs": {"type": "git", "revision": sha},
                       "files": [{"path": path, "conversations": [{
                           "contributor": {"type": "ai"},
                           "ranges": [{"start_line": 1, "end_line": 1}],
                           "metadata": {"dev.countersign": {"tool": tool,
                                                            "kind": "agent"}}}]}]})
