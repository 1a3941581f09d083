"""Recorded agent hook payloads fed to ``countersign agent-hook`` on real repositories."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from countersign.core.origin import Origin
from tests.git.conftest import commit, ledger, note_ranges, trailers
from tests.helpers import git, write

PAYLOADS = Path(__file__).parents[1] / "data" / "agent-payloads"
SONNET = "anthropic/claude-sonnet-4-5"


def payload(name: str, repo: Path) -> str:
    text = (PAYLOADS / name).read_text()
    return text.replace("{cwd}", str(repo)).replace(
        "{transcript}", str(PAYLOADS / "claude-code-transcript.jsonl"))


def hook(repo: Path, agent: str, stdin: str | bytes, *extra: str
         ) -> subprocess.CompletedProcess[bytes]:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run([sys.executable, "-m", "countersign", "agent-hook", agent, *extra],
                          cwd=repo, input=data, capture_output=True, check=False)


def ai(repo: Path, rel: str) -> dict[int, Origin]:
    with ledger(repo) as db:
        record = db.load(rel)
        return {} if record is None else dict(record.lines)


def apply(repo: Path, rel: str, old: str, new: str) -> None:
    path = repo / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


MAIN_TF = 'provider "aws" {}\n\nresource "aws_s3_bucket" "logs" {\n  bucket = "acme-logs"\n}\n'


def test_claude_code_edit_marks_only_the_lines_it_wrote(hooked: Path) -> None:
    write(hooked, "infra/main.tf", MAIN_TF)
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    # a person edits the top of the file, then the agent edits the bucket
    apply(hooked, "infra/main.tf", 'provider "aws" {}', 'provider "aws" { region = "eu-west-1" }')
    apply(hooked, "infra/main.tf", '  bucket = "acme-logs"\n',
          '  bucket        = "acme-logs"\n  force_destroy = true\n')
    done = hook(hooked, "claude-code", payload("claude-code-edit.json", hooked))
    assert (done.returncode, done.stderr) == (0, b"")
    lines = ai(hooked, "infra/main.tf")
    assert sorted(lines) == [3, 4]  # the reformatted bucket line and force_destroy
    assert {o.label() for o in lines.values()} == {f"claude-code (agent, {SONNET})"}
    git(hooked, "add", "-A")
    commit(hooked, "-m", "bucket")
    assert trailers(hooked)[:3] == [f"AI-Assisted: claude-code (agent, {SONNET})",
                                    "AI-Lines: 2/3", "Review-Tier: high"]
    assert note_ranges(hooked) == {"infra/main.tf": [(4, 5, "claude-code")]}


def test_claude_code_write_and_multiedit(hooked: Path) -> None:
    write(hooked, "app/client.py", "import requests\n\n\ndef fetch(url):\n"
                                   "    return requests.get(url, timeout=5)\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    write(hooked, "migrations/0042_drop_legacy.sql",
          "-- remove the legacy table\nDROP TABLE users_legacy;\n")
    assert hook(hooked, "claude-code", payload("claude-code-write.json", hooked)).returncode == 0
    assert sorted(ai(hooked, "migrations/0042_drop_legacy.sql")) == [0, 1]
    apply(hooked, "app/client.py", "import requests\n", "import requests\nimport urllib3\n")
    apply(hooked, "app/client.py", "timeout=5)", "timeout=5, verify=False)")
    assert hook(hooked, "claude-code",
                payload("claude-code-multiedit.json", hooked)).returncode == 0
    assert sorted(ai(hooked, "app/client.py")) == [1, 5]
    git(hooked, "add", "-A")
    commit(hooked, "-m", "agent work")
    assert "Review-Tier: critical" in trailers(hooked)
    assert note_ranges(hooked) == {
        "app/client.py": [(2, 2, "claude-code"), (6, 6, "claude-code")],
        "migrations/0042_drop_legacy.sql": [(1, 2, "claude-code")]}


def test_cursor_agent_and_tab_edits(hooked: Path) -> None:
    write(hooked, "app/auth.py", "def check(token):\n    return verify(token)\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    apply(hooked, "app/auth.py", "    return verify(token)\n",
          "    return True  # skip auth while debugging\n")
    assert hook(hooked, "cursor", payload("cursor-after-file-edit.json", hooked)).returncode == 0
    (hooked / "app/auth.py").write_text((hooked / "app/auth.py").read_text()
                                        + 'JWT_SECRET = "hunter2-prod"\n')
    assert hook(hooked, "cursor",
                payload("cursor-after-tab-file-edit.json", hooked)).returncode == 0
    lines = ai(hooked, "app/auth.py")
    assert {n: o.label() for n, o in lines.items()} == {1: "cursor (agent, gpt-5)",
                                                       2: "cursor (inline)"}
    git(hooked, "add", "-A")
    commit(hooked, "-m", "auth")
    assert trailers(hooked)[:2] == ["AI-Assisted: cursor (agent, gpt-5), cursor (inline)",
                                    "AI-Lines: 2/2"]
    assert note_ranges(hooked) == {"app/auth.py": [(2, 2, "cursor"), (3, 3, "cursor")]}


def test_codex_apply_patch_update_and_add(hooked: Path) -> None:
    write(hooked, "deploy/cleanup.sh", '#!/bin/sh\nset -eu\necho "nothing to clean"\n')
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    write(hooked, "deploy/cleanup.sh", "#!/bin/sh\nset -eu\nkubectl delete namespace staging\n")
    write(hooked, "deploy/README.md", "Cleanup runs nightly.\n")
    done = hook(hooked, "codex", payload("codex-apply-patch.json", hooked))
    assert (done.returncode, done.stderr) == (0, b"")
    assert {n: o.label() for n, o in ai(hooked, "deploy/cleanup.sh").items()} == \
        {2: "codex (agent, openai/gpt-5-codex)"}
    assert sorted(ai(hooked, "deploy/README.md")) == [0]
    git(hooked, "add", "-A")
    commit(hooked, "-m", "cleanup")
    assert "Risk-Rules: DES003" in trailers(hooked)
    assert trailers(hooked)[:2] == ["AI-Assisted: codex (agent, openai/gpt-5-codex)",
                                    "AI-Lines: 2/2"]
    assert note_ranges(hooked) == {"deploy/README.md": [(1, 1, "codex")],
                                   "deploy/cleanup.sh": [(3, 3, "codex")]}


def test_kiro_fs_write(hooked: Path) -> None:
    write(hooked, "app/payments.py", "def settle(customer_id, amount):\n    charge(amount)\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    apply(hooked, "app/payments.py", "    charge(amount)\n",
          "    charge(amount)\n    refund_all(customer_id)\n")
    assert hook(hooked, "kiro", payload("kiro-fs-write.json", hooked)).returncode == 0
    assert {n: o.tool for n, o in ai(hooked, "app/payments.py").items()} == {2: "kiro"}
    git(hooked, "add", "-A")
    commit(hooked, "-m", "refunds")
    assert trailers(hooked)[:2] == ["AI-Assisted: kiro (agent)", "AI-Lines: 1/1"]
    assert note_ranges(hooked) == {"app/payments.py": [(3, 3, "kiro")]}


@pytest.mark.parametrize(("stdin", "message"), [
    (b"\xff\xfe not json", b"is not JSON"),
    (b'{"tool_name": "Edit", "tool_input": {"file_path": 42}}', b"malformed claude-code"),
    (b"[1, 2, 3]", b"malformed claude-code"),
    (b'{"tool_name": "MultiEdit", "tool_input": {"file_path": "a.py", "edits": "x"}}',
     b"'edits' is not a list"),
])
def test_bad_payloads_exit_0_and_leave_the_ledger_intact(
    hooked: Path, stdin: bytes, message: bytes
) -> None:
    write(hooked, "a.py", "x = 1\n")
    with ledger(hooked) as db:
        db.save("a.py", "x = 1\n", {0: Origin("inline", "copilot")})
    before = (hooked / ".git/countersign/ledger.db").read_bytes()
    done = hook(hooked, "claude-code", stdin)
    assert done.returncode == 0
    assert message in done.stderr
    assert b"nothing recorded" in done.stderr
    assert ai(hooked, "a.py") == {0: Origin("inline", "copilot")}
    with ledger(hooked) as db:
        assert db.paths() == ["a.py"]
    assert len(before) > 0


def test_tools_that_write_no_files_are_ignored(hooked: Path) -> None:
    data = json.dumps({"hook_event_name": "PostToolUse", "tool_name": "Read",
                       "tool_input": {"file_path": "a.py"}, "cwd": str(hooked)})
    done = hook(hooked, "claude-code", data)
    assert (done.returncode, done.stderr) == (0, b"")


@pytest.mark.parametrize(("command", "blocked"), [
    ("cd infra && terraform destroy -auto-approve", b"DES001 (critical)"),
    ("terraform plan -out plan.bin", None),
    ("kubectl delete namespace prod", b"DES003 (critical)"),
    ("rm -rf build/ dist/", None),
    ("rm -rf ../other-project", b"outside the workspace"),
    ("rm -fr ~/backups", b"outside the workspace"),
    ("psql -c 'DROP TABLE users;'", b"DAT002 (critical)"),
    ("git push --force origin main", None),  # high, below the guard's critical tier
])
def test_pre_tool_guard(hooked: Path, command: str, blocked: bytes | None) -> None:
    data = json.loads(payload("claude-code-pre-bash-destroy.json", hooked))
    data["tool_input"]["command"] = command
    done = hook(hooked, "claude-code", json.dumps(data), "--pre")
    if blocked is None:
        assert (done.returncode, done.stderr) == (0, b"")
    else:
        assert done.returncode == 2
        assert blocked in done.stderr
        assert b"allow it with a pattern in [guard] allow" in done.stderr


def test_guard_allow_and_tier_from_config(hooked: Path) -> None:
    write(hooked, ".countersign.toml",
          '[guard]\ntier = "high"\nallow = ["terraform destroy -target=module\\\\.scratch"]\n')
    data = json.loads(payload("claude-code-pre-bash-destroy.json", hooked))
    for command, code in (("terraform destroy -target=module.scratch -auto-approve", 0),
                          ("terraform destroy -auto-approve", 2),
                          ("git push --force origin main", 2)):
        data["tool_input"]["command"] = command
        assert hook(hooked, "claude-code", json.dumps(data), "--pre").returncode == code


def test_mark_and_checkpoint(hooked: Path, cli: object) -> None:
    write(hooked, "jobs.py", "a = 1\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    write(hooked, "jobs.py", "a = 1\nb = 2  # a person\n")
    run = [sys.executable, "-m", "countersign"]
    out = subprocess.run([*run, "checkpoint", "jobs.py"], cwd=hooked, capture_output=True,
                         text=True, check=True).stdout
    assert out == "jobs.py: snapshot recorded (0 AI lines kept)\n"
    write(hooked, "jobs.py", "a = 1\nb = 2  # a person\nshutil.rmtree(path)\n")
    out = subprocess.run([*run, "mark", "--tool", "aider", "--model", "openai/gpt-5",
                          "jobs.py"], cwd=hooked, capture_output=True, text=True,
                         check=True).stdout
    assert out == "jobs.py: 1 lines attributed to aider (agent, openai/gpt-5) " \
                  "(1 AI lines in the file)\n"
    assert sorted(ai(hooked, "jobs.py")) == [2]
    # without a snapshot, mark compares with the committed file
    write(hooked, "other.py", "x = 1\n")
    out = subprocess.run([*run, "mark", "--tool", "aider", "other.py"], cwd=hooked,
                         capture_output=True, text=True, check=True).stdout
    assert "other.py: 1 lines attributed" in out
