"""The README's first command: the demo runs on a fresh repository and shows the key findings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"


def test_demo_shows_ai_findings_and_required_review() -> None:
    proc = subprocess.run([sys.executable, str(DEMO)], capture_output=True, text=True,
                          check=True, timeout=120)
    out = proc.stdout
    assert proc.stderr == ""
    assert "scripts/reset-staging.sh:5:1: critical DES001 terraform / pulumi / cdk destroy" in out
    ai_part = out.split("== 4.")[1]
    assert ("db/migrations/0002_replace_orders.sql:2:1: critical DAT002 DROP TABLE / DATABASE "
            "/ SCHEMA [AI: claude-code (agent, anthropic/claude-sonnet-4-5)]") in ai_part
    assert "app/payments.py:15:9: high PAY002" in ai_part
    assert "DES001" not in ai_part  # written by a person: not an AI finding
    assert "5 AI lines in 2 files; tier critical; required review: senior+owner" in out
