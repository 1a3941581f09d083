"""Suppression comments at commit time: an AI cannot suppress its own finding, and a
person's suppression of a high or critical finding still needs a second person."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.git.conftest import AGENT, Run, ai_file, commit, trailers
from tests.helpers import git, write

POLICY = """\
[reviewers]
peer = ["pat@example.com"]
senior = ["sam@example.com"]
owner = ["olga@example.com"]
[verify]
require_trailers = true
"""
DROP = "import db\ncursor.execute('DROP TABLE users')  # countersign: ignore[DAT002] cleanup\n"
AI_STAMP = ["AI-Assisted: claude-code (agent, anthropic/claude-sonnet-4-5)", "AI-Lines: 1/2",
            "Review-Tier: critical", "Review-Required: senior+owner", "Risk-Rules: DAT002"]
PAT = "Pat Peer <pat@example.com>"


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY)
    return path


def test_an_ai_written_suppression_does_not_count(hooked: Path, cli: Run, policy: Path) -> None:
    ai_file(hooked, "app/db.py", DROP, {1: AGENT})
    git(hooked, "add", "-A")
    assert cli("trailers")[1].splitlines() == AI_STAMP
    commit(hooked, "-m", "Clean up")
    assert trailers(hooked) == AI_STAMP
    code, out, _ = cli("verify", "--policy", str(policy))
    assert code == 1
    assert out.splitlines()[1] == ("     tier critical (declared critical), review "
                                   "senior+owner, AI 1/2 lines, rules DAT002")
    assert out.splitlines()[2].startswith("     - needs senior+owner sign-off: ")


def test_a_persons_suppression_of_a_critical_finding_needs_peer_review(
        hooked: Path, cli: Run, policy: Path) -> None:
    # the person acknowledged the AI line: the comment on it is theirs to answer for
    ai_file(hooked, "app/db.py", DROP, {1: AGENT.acknowledge("Ada Author <ada@example.com>")})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "Clean up")
    assert trailers(hooked) == [*AI_STAMP[:2], "AI-Acknowledged: 1", "Review-Tier: none",
                                "Review-Required: peer", "Risk-Suppressed: DAT002"]
    code, out, _ = cli("verify", "--policy", str(policy))
    assert code == 1
    assert out.splitlines()[1] == ("     tier none (declared none), review peer, "
                                   "AI 1/2 lines, suppressed DAT002")
    assert out.splitlines()[2].startswith("     - needs peer sign-off: ")
    git(hooked, "notes", "--ref", "countersign-approvals", "add", "-m", f"Approved-by: {PAT}")
    code, out, _ = cli("verify", "--policy", str(policy))
    assert code == 0, out
    assert out.splitlines()[1].endswith(f"suppressed DAT002, approved by {PAT}")


def test_a_suppression_on_a_persons_own_line_needs_peer_review(
        hooked: Path, cli: Run, policy: Path) -> None:
    """``applies_to = "any"`` rules fire on lines people wrote; their comment counts."""
    write(hooked, "deploy.env",
          "AWS_KEY=AKIAQWERTYUIOPASDFGH  # countersign: ignore[AUT009] revoked test key\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "Fixture")
    assert trailers(hooked)[2:] == ["Review-Tier: none", "Review-Required: peer",
                                    "Risk-Suppressed: AUT009"]
    assert cli("verify", "--policy", str(policy))[0] == 1
