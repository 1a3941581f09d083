"""Adopting countersign in a repository with 200 earlier commits: the baseline."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.git.conftest import AGENT, Run, ai_file, commit, git, write

RISKY = 'resource "aws_db_instance" "db{n}" {{\n  deletion_protection = false\n}}\n'


def _history(repo: Path, count: int) -> None:
    """``count`` commits made before countersign (no hooks, no notes), by fast-import."""
    stream = []
    for n in range(count):
        body = f"commit {n}".encode()
        data = RISKY.format(n=n).encode()
        stream += [b"commit refs/heads/main\n",
                   f"committer Old Timer <old@example.com> {1_600_000_000 + n * 3600} +0000\n"
                   .encode(), f"data {len(body)}\n".encode(), body, b"\n",
                   f"M 100644 inline infra/db{n}.tf\ndata {len(data)}\n".encode(), data, b"\n"]
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(stream),
                   check=True)
    git(repo, "reset", "-q", "--hard", "main")


@pytest.fixture
def adopted(hooked: Path) -> Path:
    """200 old commits, then the commit that adds the config, made with the hooks."""
    _history(hooked, 200)
    write(hooked, ".countersign.toml", "")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "adopt countersign")
    ai_file(hooked, "app.py", "import os\nos.system('ls')\n", {1: AGENT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "first AI change")
    return hooked


def _baseline(repo: Path, value: str) -> None:
    (repo / ".countersign.toml").write_text(f"[provenance]\nbaseline = {value}\n")


def test_without_a_baseline_old_history_is_unknown_ai(adopted: Path, cli: Run) -> None:
    _, out, _ = cli("report", "--format", "json")
    data = json.loads(out)
    assert data["commits"] == 202 and data["before_countersign"] == 0
    assert data["failed"] >= 200  # every old commit: critical, unsigned
    assert cli("verify", "HEAD~2")[0] == 1


@pytest.mark.parametrize("value", ['"HEAD~2"', "2020-09-22", '"2020-09-21T20:00:00Z"'])
def test_the_baseline_names_where_countersign_started(
    adopted: Path, cli: Run, value: str
) -> None:
    old = git(adopted, "rev-parse", "HEAD~2").strip()
    if value == '"HEAD~2"':
        value = f'"{old}"'
    _baseline(adopted, value)
    code, out, err = cli("report", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["before_countersign"] == 200
    assert data["commits"] == 2
    assert data["by_tool"] == {"claude-code": 1}
    code, out, _ = cli("verify", "HEAD~2")
    assert code == 0
    assert out.splitlines() == ["0 commits: 0 passed, 0 failed",
                                f"200 commits before countersign (baseline {value.strip(chr(34))})"
                                ": not judged"]
    code, out, _ = cli("blame", "infra/db5.tf")
    assert out.splitlines()[0].split()[1:3] == ["before", "countersign"]


def test_a_range_with_a_base_is_judged_whatever_the_baseline(adopted: Path, cli: Run) -> None:
    _baseline(adopted, '"HEAD"')  # a pull request moving the baseline past itself
    code, out, _ = cli("verify", "HEAD~4..HEAD~2")
    assert code == 1
    assert "before countersign" not in out
    assert out.splitlines()[-1] == "2 commits: 0 passed, 2 failed"


def test_under_a_policy_only_its_baseline_counts(adopted: Path, cli: Run, tmp_path: Path) -> None:
    _baseline(adopted, '"HEAD"')
    policy = tmp_path / "policy.toml"
    policy.write_text("[review]\nlow = \"none\"\n")
    assert cli("verify", "--policy", str(policy), "HEAD~2")[0] == 1
    policy.write_text(f'[provenance]\nbaseline = "{git(adopted, "rev-parse", "HEAD~2").strip()}"\n')
    assert cli("verify", "--policy", str(policy), "HEAD~2")[0] == 0


def test_a_bad_baseline_is_reported(adopted: Path, cli: Run) -> None:
    _baseline(adopted, '"no-such-tag"')
    code, _, err = cli("verify", "HEAD~2")
    assert code == 1
    assert "the adoption baseline 'no-such-tag' ([provenance] baseline) is not a commit" in err
    _baseline(adopted, "3")
    _, _, err = cli("verify", "HEAD~2")
    assert "provenance.baseline" in err and "expected a revision or a date" in err
