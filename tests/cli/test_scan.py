"""``countersign scan`` on real git repositories."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import jsonschema

from countersign.core.origin import Origin
from countersign.store.ledger import Ledger
from tests.cli.conftest import Run
from tests.helpers import git, write

SCHEMA = Path(__file__).parent.parent / "data" / "sarif-schema-2.1.0.json"
IAM = 'resource "aws_iam_policy" "p" {\n  policy = jsonencode({ Action = "*" })\n}\n'
OPEN = '  cidr_blocks = ["0.0.0.0/0"]\n'


def test_scan_directory_respects_gitignore_and_skips_binary_and_huge(repo: Path, cli: Run) -> None:
    write(repo, ".gitignore", "build/\n")
    write(repo, "infra/iam.tf", IAM)
    write(repo, "build/generated.tf", IAM)  # ignored by git: not scanned
    (repo / "infra" / "blob.bin").write_bytes(b"\0\1\2" + OPEN.encode())
    write(repo, "infra/huge.tf", OPEN * 40_000)
    (repo / "infra" / "latin1.txt").write_bytes(b"caf\xe9 0.0.0.0/0\n")
    code, out, err = cli("scan", ".", "--max-bytes", "100000")
    assert code == 0
    assert out.splitlines() == [
        "infra/iam.tf:1:1: high INF002 Infrastructure-as-code file changed",
        "    Infrastructure-as-code changes are applied to real cloud resources, where a wrong "
        "attribute can replace, expose or delete production systems.",
        "infra/iam.tf:2:25: critical INF004 IAM policy with wildcard action",
        "    An IAM statement granting every action (or every action of a service) gives far more "
        "privilege than any workload needs and turns one leaked credential into full account "
        "compromise.",
        "2 findings (1 critical, 1 high) in 1 of 5 files; 3 skipped",
    ]
    assert err.splitlines() == [
        "note: skipped infra/blob.bin: binary",
        "note: skipped infra/huge.tf: larger than 97 KiB (1171 KiB)",
        "note: skipped infra/latin1.txt: not UTF-8 (byte 3)",
    ]


def test_fail_on_tier_sets_exit_code(repo: Path, cli: Run) -> None:
    write(repo, "infra/iam.tf", IAM)
    assert cli("scan", "infra", "--fail-on", "critical")[0] == 1
    write(repo, "infra/iam.tf", IAM.replace('"*"', '"s3:GetObject"'))
    assert cli("scan", "infra", "--fail-on", "critical")[0] == 0


def test_sarif_output_validates_against_the_2_1_0_schema(repo: Path, cli: Run) -> None:
    line = '  policy = jsonencode({ Sid = "😀漢字", Action = "*" })'
    write(repo, "infra/iam.tf", "# owner: 支払いチーム\n" + IAM.replace(IAM.splitlines()[1], line))
    code, out, _ = cli("scan", ".", "--format", "sarif")
    assert code == 0
    log = json.loads(out)
    jsonschema.validate(log, json.loads(SCHEMA.read_text()))
    run = log["runs"][0]
    results = {r["ruleId"]: r for r in run["results"]}
    wildcard = results["INF004"]
    assert wildcard["level"] == "error"
    assert wildcard["properties"] == {"reviewTier": "critical", "aiGenerated": False}
    region = wildcard["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 3
    # SARIF columns count UTF-16 code units: the emoji before the match counts twice
    assert region["startColumn"] == line.index("Action") + 2
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == sorted(results)


def test_sarif_schema_rejects_a_broken_log() -> None:
    schema = json.loads(SCHEMA.read_text())
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": []}]}
    assert list(jsonschema.Draft7Validator(schema).iter_errors(bad))


def test_ai_only_uses_the_ledger(repo: Path, cli: Run) -> None:
    text = 'resource "aws_security_group" "a" {\n' + OPEN + OPEN + "}\n"
    write(repo, "infra/sg.tf", text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    with Ledger(repo / ".git" / "countersign" / "ledger.db") as ledger:
        ledger.save("infra/sg.tf", text, {2: Origin("agent", "claude-code", "anthropic/x")})
    code, out, _ = cli("scan", "--ai-only", "--format", "json", ".")
    assert code == 0
    findings = json.loads(out)["findings"]
    assert [(f["rule"], f["line"], f["ai"]) for f in findings] == [
        ("INF002", 3, True), ("INF007", 3, True)]
    assert findings[1]["origin"] == {"kind": "agent", "tool": "claude-code", "model": "anthropic/x"}


def test_missing_path_is_a_clear_error(repo: Path, cli: Run) -> None:
    code, out, err = cli("scan", "nowhere")
    assert (code, out) == (1, "")
    assert err == ("error: no such file or directory: nowhere\nhint: check the path; "
                   "`countersign scan .` scans the current repository\n")


def test_scan_outside_git_respects_gitignore(tmp_path: Path, cli: Run,
                                             monkeypatch: object) -> None:
    write(tmp_path, "plain/.gitignore", "out/\n")
    write(tmp_path, "plain/a.tf", IAM)
    write(tmp_path, "plain/out/b.tf", IAM)
    code, out, _ = cli("scan", str(tmp_path / "plain"), "--format", "json")
    assert code == 0
    assert {f["path"] for f in json.loads(out)["findings"]} == {"a.tf"}


def test_progress_bar_on_a_terminal(repo: Path) -> None:
    for i in range(210):
        write(repo, f"src/m{i}.py", "x = 1\n")
    primary, secondary = pty.openpty()
    proc = subprocess.run([sys.executable, "-m", "countersign.cli.main", "scan", "."],
                          cwd=repo, stderr=secondary, stdout=subprocess.PIPE, text=True,
                          check=True)
    os.close(secondary)
    seen = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(primary)
    assert b"scanning [##############################] 210/210" in seen
    assert proc.stdout.strip() == "0 findings in 0 of 210 files"
