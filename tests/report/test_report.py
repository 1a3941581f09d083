"""``countersign report`` on 200 generated commits, rendered in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from countersign.core.origin import Origin
from countersign.core.provenance import build_record
from tests.helpers import git

CHROMIUM = shutil.which("chromium")
TOOLS = [Origin("agent", "claude-code", "anthropic/claude-sonnet-4-5"),
         Origin("inline", "copilot"), Origin("agent", "codex", "openai/gpt-5-codex")]


def make_history(repo: Path, commits: int = 200) -> None:
    """``commits`` commits over 20 days; most stamped with notes, some risky, some not."""
    git(repo, "init", "-q", "-b", "main")
    stream: list[bytes] = []
    texts: dict[str, str] = {}
    notes: list[tuple[int, str, dict[int, Origin]]] = []
    for i in range(1, commits + 1):
        path = ["app/api.py", "infra/main.tf", "db/migrations/0001.sql", "docs/x.md"][i % 4]
        risky = i % 17 == 0
        line = {"app/api.py": "requests.get(url, verify=False)\n",
                "infra/main.tf": "  force_destroy = true\n",
                "db/migrations/0001.sql": "DROP TABLE users;\n",
                "docs/x.md": "Some words.\n"}[path] if risky else f"value_{i} = {i}\n"
        start = texts.get(path, "").count("\n")
        texts[path] = texts.get(path, "") + line
        tier = "critical" if risky else "none"
        msg = (f"change {i}\n\nAI-Assisted: claude-code (agent)\nAI-Lines: 1/1\n"
               f"Review-Tier: {tier}\nReview-Required: "
               f"{'senior+owner' if risky else 'none'}\n").encode()
        when = 1795000000 + i * 8640
        stream += [b"commit refs/heads/main\n", f"mark :{i}\n".encode(),
                   f"author Dev <dev@example.com> {when} +0000\n".encode(),
                   f"committer Dev <dev@example.com> {when} +0000\n".encode(),
                   f"data {len(msg)}\n".encode(), msg,
                   f"M 100644 inline {path}\n".encode()]
        body = texts[path].encode()
        stream += [f"data {len(body)}\n".encode(), body, b"\n"]
        if i % 5:  # every fifth commit has no note: its lines are of unknown provenance
            notes.append((i, path, {start: TOOLS[(i // 3) % 3]} if i % 3 else {}))
    marks = repo.parent / "marks"
    git(repo, "fast-import", "--quiet", f"--export-marks={marks}", data=b"".join(stream))
    sha = dict(line.split() for line in marks.read_text().splitlines())
    out: list[bytes] = []
    for i, path, lines in notes:
        record = json.dumps(build_record(sha[f":{i}"], {path: lines}, 0.0)).encode()
        out += [b"commit refs/notes/countersign\n",
                b"committer Dev <dev@example.com> 1795000000 +0000\n", b"data 2\nn\n",
                f"N inline {sha[f':{i}']}\n".encode(), f"data {len(record)}\n".encode(),
                record, b"\n"]
    git(repo, "fast-import", "--quiet", data=b"".join(out))
    git(repo, "reset", "-q", "--hard", "main")


def countersign(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "countersign", *args], cwd=repo,
                          capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("report") / "repo"
    repo.mkdir()
    make_history(repo)
    return repo


def test_report_numbers_match_verify(history: Path) -> None:
    report = json.loads(countersign(history, "report", "--format", "json").stdout)
    done = countersign(history, "verify", "--format", "json", "HEAD")
    verify = json.loads(done.stdout)
    assert done.returncode == 1
    assert report["commits"] == len(verify["commits"]) == 200
    assert report["failed"] == verify["failed"] > 0
    assert report["passed"] == verify["passed"]
    assert report["added_lines"] == sum(c["added_lines"] for c in verify["commits"])
    assert report["ai_lines"] == sum(c["ai_lines"] for c in verify["commits"])
    assert {c["sha"] for c in report["missing_signoff"]} == \
        {c["sha"] for c in verify["commits"] if not c["ok"]}
    assert set(report["by_tool"]) == {"claude-code", "copilot", "codex", "unknown-provenance"}
    assert len(report["by_day"]) >= 20


def test_report_carries_the_track_record_of_its_tip(history: Path, tmp_path: Path) -> None:
    report = json.loads(countersign(history, "report", "--format", "json").stdout)
    record = json.loads(countersign(history, "record", "--format", "json").stdout)
    assert report["track_record"] == record
    assert [t["tool"] for t in record["tools"]] == \
        ["unknown-provenance", "claude-code", "codex", "copilot"]
    assert sum(t["lines_shipped"] for t in record["tools"]) == report["ai_lines"]
    older = json.loads(countersign(history, "report", "--format", "json", "HEAD~100").stdout)
    assert older["track_record"]["as_of"] < record["as_of"]
    page = tmp_path / "report.html"
    assert countersign(history, "report", "--html", str(page)).returncode == 0
    html = page.read_text()
    chart = html[html.index("<svg class='chart' id='track-record'"):]
    chart = chart[:chart.index("</svg>")]
    for t in record["tools"]:  # every line is younger than 30 days: "too recent to tell"
        assert f"<title>{t['tool']}: {t['lines_shipped']} lines too recent to tell</title>" \
            in chart


def test_report_renders_in_chromium(history: Path, tmp_path: Path) -> None:
    if CHROMIUM is None:
        pytest.fail("needs Debian's chromium: ./run check installs it (sudo apt-get install "
                    "chromium)")
    page = tmp_path / "report.html"
    done = countersign(history, "report", "--html", str(page))
    assert done.returncode == 0, done.stderr
    html = page.read_text()
    assert "http://" not in html and "https://" not in html and "<script" not in html
    browser = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,1600"]
    dom = subprocess.run([*browser, "--dump-dom", page.as_uri()], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    charts = re.findall(r"<svg class=\"chart\".*?</svg>", dom, re.S)
    assert len(charts) == 4
    for chart in charts:
        heights = [float(h) for h in re.findall(r'class="bar"[^>]*height="([\d.]+)"', chart)]
        widths = [float(w) for w in re.findall(r'class="bar"[^>]*width="([\d.]+)"', chart)]
        assert heights and widths and max(heights) > 0 and max(widths) > 0
    report = json.loads(countersign(history, "report", "--format", "json").stdout)
    assert f"<b>{report['commits']}</b>" in dom
    assert f"Commits missing sign-off ({report['failed']})" in dom
    artifacts = Path(os.environ.get("COUNTERSIGN_ARTIFACTS", tmp_path))
    artifacts.mkdir(parents=True, exist_ok=True)
    shot = artifacts / "report.png"
    subprocess.run([*browser, f"--screenshot={shot}", page.as_uri()], capture_output=True,
                   timeout=120, check=True)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 30_000  # a blank or broken page compresses to a few kilobytes


def test_progress_bar_only_on_a_terminal(history: Path, tmp_path: Path) -> None:
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "countersign", "report", "--html",
                             str(tmp_path / "r.html")], cwd=history, stderr=follower,
                            stdout=subprocess.DEVNULL)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    assert proc.wait(timeout=60) == 0
    os.close(leader)
    assert b"countersign report [" in seen and b"] 200/200" in seen
    piped = countersign(history, "report", "--html", str(tmp_path / "r2.html"))
    assert "countersign report [" not in piped.stderr
