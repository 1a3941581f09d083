"""The CI samples in docs/ci record forge reviews in the format countersign reads."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from countersign.core.forge import parse_spec, read_evidence

ROOT = Path(__file__).parent.parent.parent
GITLAB_SAMPLE = (ROOT / "docs" / "ci" / "gitlab-approvals.yml").read_text(encoding="utf-8")
GITHUB_SAMPLE = (ROOT / "docs" / "ci" / "github-reviews.yml").read_text(encoding="utf-8")
RECORDED = json.loads((ROOT / "tests" / "data" / "forge" / "gitlab-approvals.json").read_text())


def record_step() -> str:
    """The Python the GitLab job runs to put the three API responses together."""
    match = re.search(r"python3 - <<'PY'\n(.*?)\n\s*PY\n", GITLAB_SAMPLE, re.DOTALL)
    assert match, "the GitLab sample has no PY heredoc"
    return textwrap.dedent(match.group(1))


def run_record_step(tmp_path: Path, head: str,
                    moved: bool = False) -> subprocess.CompletedProcess[str]:
    (tmp_path / "forge").mkdir()
    before = dict(RECORDED["merge_request"], sha="0" * 40) if moved else RECORDED["merge_request"]
    parts = {"mr-before": before, "mr": RECORDED["merge_request"],
             "approvals": RECORDED["approvals"], "project-approvals": RECORDED["project_approvals"]}
    for name, body in parts.items():
        (tmp_path / "forge" / f"{name}.json").write_text(json.dumps(body))
    return subprocess.run([sys.executable, "-c", record_step()], cwd=tmp_path, text=True,
                          capture_output=True, env={**os.environ, "HEAD_SHA": head}, check=False)


def test_gitlab_sample_writes_the_file_verify_reads(tmp_path: Path) -> None:
    head = RECORDED["merge_request"]["sha"]
    assert run_record_step(tmp_path, head).returncode == 0
    flag = re.search(r"--forge-reviews (\S+)", GITLAB_SAMPLE)
    assert flag
    forge, path = parse_spec(flag.group(1))
    evidence = read_evidence(forge, (tmp_path / path).read_text(), path)
    assert evidence.errors == ()
    assert [(a.login, a.commit) for a in evidence.approvals] == [("root", head), ("sam", head)]


@pytest.mark.parametrize(("head", "moved", "message"), [
    ("6dcb09b5b57875f334f61aebed695e2e4193db5e", True,
     "the merge request moved while its approvals were read: re-run the job"),
    ("1" * 40, False, "its newer pipeline decides"),
])
def test_gitlab_sample_stops_when_the_head_is_not_the_one_checked_out(
    tmp_path: Path, head: str, moved: bool, message: str
) -> None:
    result = run_record_step(tmp_path, head, moved)
    assert result.returncode == 1 and message in result.stderr
    assert not (tmp_path / "forge" / "gitlab-approvals.json").exists()


def test_github_sample_records_reviews_with_its_own_token_where_verify_reads_them() -> None:
    assert "pull_request_target:" in GITHUB_SAMPLE  # the base branch's copy of the workflow
    assert "pull-requests: read" in GITHUB_SAMPLE
    fetched = re.search(r'> "(\$RUNNER_TEMP/reviews\.json)"', GITHUB_SAMPLE)
    flag = re.search(r'--forge-reviews "([^"]+)"', GITHUB_SAMPLE)
    assert fetched and flag
    assert parse_spec(flag.group(1)) == ("github", fetched.group(1))
