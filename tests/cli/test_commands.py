"""``countersign status``, ``rules list|test``, ``version`` and error handling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from countersign import __version__
from countersign.core.origin import Origin
from countersign.store.ledger import Ledger
from tests.cli.conftest import Run
from tests.helpers import git, write

AGENT = Origin("agent", "claude-code", "anthropic/claude-sonnet-4-5", at=1.0)
IAM = 'resource "aws_iam_policy" "p" {\n  policy = jsonencode({ Action = "*" })\n}\n'


def ledger(repo: Path) -> Ledger:
    return Ledger(repo / ".git" / "countersign" / "ledger.db")


def test_status_reports_ai_lines_tier_and_review(repo: Path, cli: Run) -> None:
    write(repo, "infra/iam.tf", IAM)
    write(repo, "docs/notes.md", "hello\nworld\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    with ledger(repo) as db:
        db.save("infra/iam.tf", IAM, {1: AGENT})
        db.save("docs/notes.md", "hello\nworld\n", {0: Origin("inline", "copilot")})
    # a person edits the file afterwards: attributions follow the content
    write(repo, "infra/iam.tf", "# reviewed\n" + IAM)
    code, out, _ = cli("status")
    assert code == 0
    assert out.splitlines() == [
        "docs/notes.md: 1/2 AI lines; tier none; rules -; by copilot (inline)",
        "infra/iam.tf: 1/4 AI lines; tier critical; rules INF002, INF004; "
        "by claude-code (agent, anthropic/claude-sonnet-4-5)",
        "2 AI lines in 2 files; tier critical; required review: senior+owner",
    ]
    code, out, _ = cli("status", "--format", "json")
    data = json.loads(out)
    assert (data["tier"], data["review"]) == ("critical", "senior+owner")
    assert data["files"][1]["rules"] == ["INF002", "INF004"]


def test_status_with_nothing_recorded(repo: Path, cli: Run) -> None:
    assert cli("status") == (0, "No AI-attributed lines in the working tree.\n", "")


def test_rules_list_and_test(repo: Path, cli: Run) -> None:
    code, out, _ = cli("rules", "list", "--format", "json")
    rules = json.loads(out)
    assert code == 0 and len(rules) >= 25
    assert {"id", "tier", "category", "title", "applies_to", "paths", "cwe", "source"} <= set(
        rules[0])
    code, out, _ = cli("rules", "test")
    assert code == 0
    assert out.splitlines()[-1].endswith(" failed") and ", 0 failed" in out


def test_rules_test_fails_on_a_broken_repository_pack(repo: Path, cli: Run) -> None:
    write(repo, ".countersign.toml", '[rules]\npacks = ["ci/extra.toml"]\n')
    write(repo, "ci/extra.toml", '[pack]\nname = "extra"\ndescription = "x"\n\n[[rules]]\n'
          'id = "ORG001"\ntier = "high"\ntitle = "t"\nmessage = "m"\ncategory = "data"\n'
          "regex = '(?<=x)y'\nexamples.fire = ['xy']\nexamples.ok = ['y']\n")
    code, out, _ = cli("rules", "test")
    assert code == 1
    assert out.splitlines()[0] == (
        f"error: {repo}/ci/extra.toml:11: rule ORG001: key 'regex': invalid RE2 pattern "
        "'(?<=x)y': invalid perl operator: (?<= (RE2 has no lookaround or backreferences: "
        "use not_regex instead)")


def test_version(cli: Run) -> None:
    code, out, _ = cli("version")
    assert code == 0 and out.startswith(f"countersign {__version__}\npython ")


def test_missing_policy_is_a_usage_error(repo: Path, cli: Run) -> None:
    code, _, err = cli("status", "--policy", "org.toml")
    assert code == 2
    assert err.startswith("error: policy file org.toml does not exist\nhint: ")


def test_invalid_policy_is_refused(repo: Path, cli: Run) -> None:
    write(repo, "org.toml", "[review]\nhigh = 'nobody'\n")
    code, _, err = cli("scan", ".", "--policy", "org.toml")
    assert code == 2
    assert "org.toml:2: key 'review.high': unknown review level 'nobody'" in err


def test_unexpected_failure_exits_3_and_is_logged(
    repo: Path, cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("countersign.cli.status.collect", boom)
    code, _, err = cli("status")
    assert code == 3
    log = Path(err.split("details in ")[1].split(";")[0].splitlines()[0])
    assert "RuntimeError: disk on fire" in log.read_text()


def test_corrupt_ledger_is_reported_with_a_fix(repo: Path, cli: Run) -> None:
    db = repo / ".git" / "countersign" / "ledger.db"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"garbage" * 200)
    code, _, err = cli("status")
    assert code == 1
    assert f"hint: move it aside (mv {db} {db}.broken)" in err
