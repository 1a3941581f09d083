"""``countersign verify`` and ``countersign approve``: the CI gate on real histories."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.git.conftest import AGENT, Run, ai_file, commit
from tests.helpers import git, write

POLICY = """\
[reviewers]
peer = ["pat@example.com"]
senior = ["sam@example.com", "sue@example.com"]
owner = ["olga@example.com", "sam@example.com"]
[verify]
require_trailers = true
"""
SAM = "Sam Senior <sam@example.com>"
OLGA = "Olga Owner <olga@example.com>"
DROP = "DROP TABLE users;\n"
SCHEMA = Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json"


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY)
    return path


def _drop_commit(repo: Path, *extra: str) -> None:
    ai_file(repo, "migrations/001.sql", DROP, {0: AGENT})
    git(repo, "add", "-A")
    commit(repo, "-m", "Drop users", *extra)


def test_a_human_commit_without_risk_passes(hooked: Path, cli: Run, policy: Path) -> None:
    write(hooked, "README.md", "hello\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "Docs")
    code, out, _ = cli("verify", "--policy", str(policy))
    assert code == 0
    assert out.splitlines()[1:] == [
        "     tier none (declared none), review none, AI 0/1 lines",
        "1 commit: 1 passed, 0 failed"]


def test_ai_drop_table_needs_senior_and_owner(hooked: Path, cli: Run, policy: Path) -> None:
    _drop_commit(hooked)
    code, out, err = cli("verify", "--policy", str(policy))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("FAIL ") and lines[0].endswith(" Drop users")
    assert lines[1] == ("     tier critical (declared critical), review senior+owner, "
                        "AI 1/1 lines, rules DAT001, DAT002")
    assert lines[2] == ("     - needs senior+owner sign-off: approvals from a senior reviewer "
                        "and a different code owner (owners: [reviewers] owner: "
                        "olga@example.com, sam@example.com)")
    assert "hint: a reviewer of the required level runs `countersign approve REV`" in err
    # a policy without [signoff] still counts typed approvals (tests/git/test_signoff_gate.py
    # has the signed ones); one is not enough, and the same person twice is not two people
    git(hooked, "notes", "--ref", "countersign-approvals", "add", "-m",
        f"Approved-by: {SAM}\nApproved-by: {SAM}", "HEAD")
    assert cli("verify", "--policy", str(policy))[0] == 1
    commit(hooked, "--amend", "-m", f"Drop users\n\nApproved-by: {OLGA}")
    code, out, err = cli("verify", "--policy", str(policy))
    assert code == 0, out
    assert f"approved by {SAM}, {OLGA}" in out
    assert "warning: the policy names no signers, so typed Approved-by trailers count" in err


def test_forged_low_tier_fails(hooked: Path, cli: Run, policy: Path) -> None:
    ai_file(hooked, "migrations/001.sql", DROP, {0: AGENT})
    git(hooked, "add", "-A")
    # the hook runs, then the forger rewrites the message without hooks
    commit(hooked, "-m", "Drop users")
    forged = git(hooked, "log", "-1", "--format=%B").replace(
        "Review-Tier: critical", "Review-Tier: low").replace(
        "Review-Required: senior+owner", "Review-Required: none")
    git(hooked, "-c", "core.hooksPath=/dev/null", "commit", "-q", "--amend", "-m", forged)
    assert "Review-Tier: low" in git(hooked, "log", "-1", "--format=%B")
    code, out, _ = cli("verify", "--policy", str(policy))
    assert code == 1
    assert "- declares Review-Tier: low but its content is critical (DAT001, DAT002)" in out


def test_stripped_trailers_fail_only_under_a_strict_policy(
    repo: Path, cli: Run, policy: Path, tmp_path: Path
) -> None:
    write(repo, "README.md", "hello\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "no hook ran")
    code, out, _ = cli("verify", "--policy", str(policy))
    assert code == 1
    assert "- no countersign trailers: the commit hook did not run (install it with " \
           "`countersign hook install`)" in out
    # a stamped commit whose trailers were stripped afterwards (amended without hooks)
    cli("hook", "install")
    write(repo, "notes.txt", "n\n")
    git(repo, "add", "-A")
    commit(repo, "-m", "stamped")
    assert "AI-Assisted: no" in git(repo, "log", "-1", "--format=%B")
    git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-q", "--amend", "-m", "stripped")
    code, out, _ = cli("verify", "--policy", str(policy))
    assert code == 1
    assert "- no countersign trailers: the commit hook did not run" in out
    lax = tmp_path / "lax.toml"
    lax.write_text("[verify]\nrequire_trailers = false\n")
    assert cli("verify", "--policy", str(lax))[0] == 0


def test_without_a_note_added_lines_count_as_unknown_ai(
    repo: Path, cli: Run, tmp_path: Path
) -> None:
    write(repo, "migrations/001.sql", DROP)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "no hooks, no note")
    code, out, _ = cli("verify", "--format", "json")
    data = json.loads(out)["commits"][0]
    assert code == 1
    assert (data["has_note"], data["ai_lines"], data["tier"]) == (False, 1, "critical")
    assert data["tools"] == ["unknown-provenance (suspected)"]
    trusting = tmp_path / "trusting.toml"
    trusting.write_text("[verify]\nunknown_provenance = \"human\"\n")
    code, out, _ = cli("verify", "--policy", str(trusting), "--format", "json")
    data = json.loads(out)["commits"][0]
    assert (code, data["ai_lines"], data["tier"]) == (0, 0, "none")


def test_self_approval_does_not_count(hooked: Path, cli: Run, policy: Path, tmp_path: Path
                                      ) -> None:
    write(hooked, "app.py", "x = 1\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    ai_file(hooked, "app.py", "x = 1\nrequests.get(url, verify=False)\n", {1: AGENT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "TLS off\n\nApproved-by: Ada Author <ada@example.com>")
    code, out, _ = cli("verify", "--policy", str(policy))
    assert code == 1
    assert "Ada Author <ada@example.com> (trailer) own-change - the approver wrote or " \
           "committed the change" in out
    code, _, err = cli("approve")
    assert code == 1
    assert "authors and committers cannot approve their own changes" in err


def test_range_json_and_sarif(hooked: Path, cli: Run, policy: Path) -> None:
    write(hooked, "README.md", "hello\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "Docs")
    base = git(hooked, "rev-parse", "HEAD").strip()
    _drop_commit(hooked)
    write(hooked, "notes.txt", "n\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "Notes")
    code, out, _ = cli("verify", f"{base}..HEAD", "--policy", str(policy), "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert (data["passed"], data["failed"]) == (1, 1)
    assert [c["subject"] for c in data["commits"]] == ["Notes", "Drop users"]
    code, out, _ = cli("verify", f"{base}..HEAD", "--policy", str(policy), "--format", "sarif")
    sarif = json.loads(out)
    jsonschema.validate(sarif, json.loads(SCHEMA.read_text()))
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"DAT001", "DAT002", "countersign-gate"}
    assert all({"reviewTier", "aiGenerated"} <= set(r["properties"]) for r in results)
    gate = next(r for r in results if r["ruleId"] == "countersign-gate")
    assert gate["properties"]["reviewTier"] == "critical"
    assert gate["properties"]["aiGenerated"] is True


def test_usage_errors_exit_2(hooked: Path, cli: Run, tmp_path: Path) -> None:
    code, _, err = cli("verify")
    assert code == 2
    assert "error: the repository has no commits yet" in err
    commit(hooked, "--allow-empty", "-m", "first")
    code, _, err = cli("verify", "nosuchbranch..HEAD")
    assert code == 2
    assert "error: git cannot read the range nosuchbranch..HEAD" in err
    assert "hint: pass a range git understands" in err
    code, _, err = cli("verify", "--policy", str(tmp_path / "missing.toml"))
    assert code == 2
    bad = tmp_path / "bad.toml"
    bad.write_text("[verify]\nrequire_trailers = \"yes\"\n")
    code, _, err = cli("verify", "--policy", str(bad))
    assert code == 2
    assert "verify.require_trailers" in err
