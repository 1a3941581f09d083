"""docs/ci/github-land.yml, run step by step against a local "GitHub": a developer's notes
reach the remote with their push, the forge squash-merges, and the sample's job gives the
landed commit its note and pushes it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from countersign.store import hooks
from countersign.store.gitcli import Git
from tests.git.conftest import AGENT, ai_file, commit, git, note_ranges, write

SAMPLE = Path(__file__).parents[2] / "docs" / "ci" / "github-land.yml"


def _steps(event: dict[str, str]) -> list[str]:
    """The sample's ``run`` steps with the GitHub expressions filled in."""
    job = yaml.safe_load(SAMPLE.read_text())["jobs"]["land"]
    out = []
    for step in job["steps"]:
        run = step.get("run")
        if run is None or run.startswith("pip install"):
            continue  # actions and the install: the test runs this checkout's countersign
        out.append(re.sub(r"\$\{\{\s*([\w.]+)\s*\}\}", lambda m: event[m.group(1)], run))
    return out


def test_github_land_sample_end_to_end(tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    dev = tmp_path / "dev"
    git(tmp_path, "clone", "-q", str(origin), str(dev))
    hooks.install(Git(dev), sys.executable)
    subprocess.run([sys.executable, "-m", "countersign", "hook", "install"], cwd=dev,
                   check=True, capture_output=True)
    write(dev, "README.md", "app\n")
    git(dev, "add", "-A")
    commit(dev, "-m", "base")
    git(dev, "push", "-q", "origin", "main")
    git(dev, "checkout", "-qb", "feature")
    ai_file(dev, "jobs/cleanup.py", "import shutil\nshutil.rmtree('/tmp/x')\n", {1: AGENT})
    git(dev, "add", "-A")
    commit(dev, "-m", "cleanup by claude")
    head = git(dev, "rev-parse", "HEAD").strip()
    done = subprocess.run(["git", "push", "-q", "origin", "feature"], cwd=dev,
                          capture_output=True, text=True)
    assert "pushed refs/notes/countersign" in done.stderr
    # the forge: keeps refs/pull/1/head, squash-merges without hooks or notes
    git(dev, "push", "-q", "origin", "feature:refs/pull/1/head")
    forge = tmp_path / "forge"
    git(tmp_path, "clone", "-q", str(origin), str(forge))
    git(forge, "-c", "core.hooksPath=/dev/null", "merge", "--squash", "-q", "origin/feature")
    git(forge, "-c", "core.hooksPath=/dev/null", "commit", "-qm", "Cleanup (#1)")
    git(forge, "push", "-q", "origin", "main")
    landed = git(forge, "rev-parse", "HEAD").strip()
    # CI: a fresh checkout of main, then the sample's steps
    ci = tmp_path / "ci"
    git(tmp_path, "clone", "-q", str(origin), str(ci))
    event = {"github.event.pull_request.number": "1",
             "github.event.pull_request.head.sha": head,
             "github.event.pull_request.merge_commit_sha": landed,
             "github.event.pull_request.base.ref": "main"}
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for script in _steps(event):
        done = subprocess.run(["bash", "-e", "-c", script], cwd=ci, env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0, (script, done.stdout, done.stderr)
    check = tmp_path / "check"
    git(tmp_path, "clone", "-q", str(origin), str(check))
    git(check, "fetch", "-q", "origin", "refs/notes/countersign:refs/notes/countersign")
    assert note_ranges(check, landed) == {"jobs/cleanup.py": [(2, 2, "claude-code")]}
    assert note_ranges(check, head) == {"jobs/cleanup.py": [(2, 2, "claude-code")]}
