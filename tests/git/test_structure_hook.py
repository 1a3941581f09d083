"""The commit hook and verify judge structural rules on the committed text of a file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.git.conftest import COPILOT, Run, ai_file, commit, trailers
from tests.helpers import git, write

DB = '''resource "aws_db_instance" "main" {
  engine              = "postgres"
  storage_encrypted   = true
  deletion_protection = true
}
'''


def test_an_ai_line_inside_a_database_resource_makes_the_commit_critical(
    hooked: Path, cli: Run
) -> None:
    write(hooked, "infra/rds.tf", DB)
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    ai_file(hooked, "infra/rds.tf", DB.replace("  deletion", "  allocated_storage   = 200\n"
                                               "  deletion"), {3: COPILOT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "grow the database")
    assert "Review-Tier: critical" in trailers(hooked)
    assert "Risk-Rules: INF002, INF017" in trailers(hooked)
    code, out, _ = cli("verify", "--format", "json", "HEAD~1..HEAD")
    commit_json = json.loads(out)["commits"][0]  # newest first
    assert code == 1 and commit_json["recomputed_tier"] == "critical"
    assert {f["rule"] for f in commit_json["findings"]} == {"INF002", "INF017"}


def test_a_multi_line_delete_in_a_sql_file_is_one_statement(hooked: Path) -> None:
    ai_file(hooked, "db/cleanup.sql", "DELETE FROM sessions\nWHERE expires_at < now();\n"
            "DELETE FROM carts\n;\n", {0: COPILOT, 1: COPILOT, 2: COPILOT, 3: COPILOT})
    git(hooked, "add", "-A")
    commit(hooked, "-m", "cleanup")
    assert "Risk-Rules: DAT005" in trailers(hooked)
