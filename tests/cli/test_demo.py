"""The README's first command: ``countersign demo`` plays the whole flow and says so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_demo_plays_the_whole_flow(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["TMPDIR"] = str(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "countersign", "demo"], capture_output=True,
                          text=True, env=env, timeout=120, check=False)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    steps = [line for line in out.splitlines() if line.startswith("== ")]
    assert [s.split(" ", 2)[1] for s in steps] == ["1.", "2.", "3.", "4.", "5.", "6.",
                                                    "7."]
    editor = out.split("== 2.")[1].split("== 3.")[0]
    assert "A person types line 2" in editor and "0 AI lines, 0 diagnostics" in editor
    assert "infra/main.tf:26: warning [DES007] Deletion protection or final snapshot disabled" \
        in editor
    assert "AI-written by copilot (inline, openai/gpt-4.1); tier high, needs senior review.\n" \
        in editor
    agent = out.split("== 3.")[1].split("== 4.")[0]
    assert "(exit 2: Claude Code does not run the command" in agent
    assert "db/migrations/0002_replace_orders.sql: 3/3 AI lines; tier critical" in agent
    commit = out.split("== 4.")[1].split("== 5.")[0]
    assert "AI-Assisted: copilot (inline, openai/gpt-4.1), claude-code (agent)" in commit
    assert "Review-Required: senior+owner" in commit
    assert "db/migrations/0002_replace_orders.sql: lines 1-3 by claude-code" in commit
    gate, story = out.split("== 5.")[1].split("== 7.")
    first, second = gate.split("== 6.")
    assert "FAIL " in first and "1 commit: 0 passed, 1 failed" in first
    assert "Sam Senior <sam@example.com> (trailer) unsigned" in first
    assert second.count(" (SSH key ") == 2
    assert "ok   " in second and "1 commit: 1 passed, 0 failed" in second
    assert "approved by Sam Senior <sam@example.com>, Olga Owner <olga@example.com>" in second
    assert "countersign refused this command: DES001 (critical)" in proc.stderr
    assert "AI in the chain: yes. It removed or changed 3 lines: 3 by AI, 0 by people" in story
    assert "    claude-code: 3 lines, critical change " in story
    assert "      signed off: yes (needed senior+owner) by Sam Senior <sam@example.com> as " \
           "senior (ssh), Olga Owner <olga@example.com> as owner (ssh)\n" in story
    assert "      not counted: Sam Senior <sam@example.com> (trailer) unsigned" in story
    assert "db/migrations/0002_replace_orders.sql:2  claude-code (agent)" in story
    assert not list(tmp_path.glob("countersign-demo-*"))  # cleaned up without --keep
    assert out.rstrip().splitlines()[-1].startswith("Demo finished in ")
