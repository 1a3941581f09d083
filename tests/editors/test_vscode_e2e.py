"""The VS Code extension in a real VS Code: ``editors/vscode/e2e/run.sh``.

code-server (VS Code 1.100 from npm) in headless Chromium, with the extension installed
from the ``.vsix`` built by ``vsce package`` and a fake AI extension playing Copilot:
accepting its inline suggestion ``terraform destroy -auto-approve`` in ``infra/main.tf``
raises the countersign DES001 error (extension host and Problems panel) and an inline mark
in the gutter; typing the same line by hand raises nothing. The marks (read through the
extension's API and counted in the gutter) follow edits, show each kind and dim acknowledged
lines; the report is a webview. Screenshots and the decoration timings of a 20,000-line file
with 2,000 AI lines are kept in ``editors/vscode/e2e/artifacts``. The npm installs are
cached in the extension's ``node_modules`` directories.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
RUN = ROOT / "editors" / "vscode" / "e2e" / "run.sh"
ARTIFACTS = ROOT / "editors" / "vscode" / "e2e" / "artifacts"
# The user's home, for npm's cache and config (the isolated_home fixture replaces $HOME in
# tests); run.sh gives code-server a home of its own.
USER_HOME = os.environ.get("HOME", "")


def test_accepted_ai_suggestion_is_flagged_in_vscode_and_typing_is_not() -> None:
    if shutil.which("npm") is None:
        pytest.fail("needs Node.js 20+ and npm (the extension and code-server come from npm)")
    countersign = Path(sys.executable).parent / "countersign"
    env = dict(os.environ, HOME=USER_HOME, COUNTERSIGN=str(countersign))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        env.pop(name, None)
    proc = subprocess.run([str(RUN), str(ARTIFACTS)], env=env, capture_output=True, text=True,
                          timeout=900, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-8000:]
    for line in ("PASS accepted inline suggestion -> DES001 diagnostic",
                 "PASS accept next word / next line", "PASS typed by hand -> no diagnostic",
                 "PASS palette commands", "PASS marks follow edits", "PASS large file marks",
                 "PASS paste", "PASS chat edits", "PASS server discovery and restart",
                 "ALL PASSED",
                 "ok   DES001 in the Problems panel", "ok   no squiggle on the typed line",
                 "ok   the inline mark in the gutter",
                 "ok   a click on the status bar item shows the report in a webview",
                 "ok   payments.py: inline, agent and chat marks",
                 "ok   the hover on an AI line names the tool and model",
                 "ok   acknowledged lines are dimmed", "ok   Toggle AI Line Marks hides them",
                 "UI TEST PASSED", "ok   no errors about provenance in the countersign log"):
        assert line in output, output[-8000:]
    for name in ("ai-accepted", "typed-by-hand", "report", "gutter-marks", "hover",
                 "gutter-acknowledged"):
        assert (ARTIFACTS / f"vscode-{name}.png").stat().st_size > 10_000, name
    timings = json.loads((ARTIFACTS / "vscode-decoration-timings.json").read_text())
    assert (timings["lines"], timings["aiLines"]) == (20_041, 2_000)
