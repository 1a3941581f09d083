"""A commit cannot hide its added lines from the gate by calling text files binary."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.git.conftest import AGENT, Run, ai_file, commit, trailers
from tests.helpers import git

DROP = "import db\ncursor.execute('DROP TABLE users')\n"
STAMP = ["AI-Assisted: claude-code (agent, anthropic/claude-sonnet-4-5)", "AI-Lines: 1/3",
         "Review-Tier: critical", "Review-Required: senior+owner", "Risk-Rules: DAT002"]


@pytest.mark.parametrize("attributes", ["*.py -diff\n", "*.py binary\n",
                                        "*.py diff=opaque\n"])
def test_gitattributes_cannot_hide_ai_lines(hooked: Path, cli: Run, attributes: str) -> None:
    git(hooked, "config", "diff.opaque.binary", "true")
    (hooked / ".gitattributes").write_text(attributes)
    ai_file(hooked, "app/db.py", DROP, {1: AGENT})
    (hooked / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0binary")  # binary: stays so
    git(hooked, "add", "-A")
    assert cli("trailers")[1].splitlines() == STAMP
    commit(hooked, "-m", "Clean up")
    assert trailers(hooked) == STAMP
    code, out, _ = cli("verify")
    assert code == 1
    assert out.splitlines()[1] == ("     tier critical (declared critical), review "
                                   "senior+owner, AI 1/3 lines, rules DAT002")
