"""Paths that name something other than a regular file are refused, never read.

A FIFO would block the reader forever, a symlink to ``/dev/zero`` would be read until
memory runs out, a symlink loop raised a traceback. The commands run in a child process
with a 1 GiB address-space limit (so the old behaviour fails fast instead of exhausting the
machine) and a timeout that only a hang reaches.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from countersign.core.regular import Refused, read_regular
from tests.helpers import git, write

HANG = 120
"""Seconds after which a command is taken to hang (it answers in well under one)."""
KINDS: dict[str, tuple[Callable[[Path], None], str]] = {
    "fifo": (os.mkfifo, "it is a FIFO (named pipe), not a regular file"),
    "dev-zero": (lambda p: p.symlink_to("/dev/zero"),
                 "it is a character device, not a regular file"),
    "loop": (lambda p: p.symlink_to(p.name),
             "a symbolic link loop (or a chain of links too long to follow)"),
    "directory": (Path.mkdir, "it is a directory, not a regular file"),
}


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def countersign(repo: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "countersign", *args], cwd=repo, input=stdin,
                          capture_output=True, timeout=HANG, preexec_fn=_limit_memory,
                          check=False)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(),
                                       done.stderr.decode())


@pytest.mark.parametrize("kind", KINDS)
def test_mark_checkpoint_and_blame_refuse_it(repo: Path, kind: str) -> None:
    make, reason = KINDS[kind]
    make(repo / "odd.py")
    for command in (["mark", "--tool", "aider"], ["checkpoint"]):
        done = countersign(repo, *command, "odd.py")
        assert (done.returncode, done.stdout) == (1, "")
        assert done.stderr == (f"error: cannot read odd.py: {reason}\n"
                               "hint: pass regular text files of this repository\n")
    done = countersign(repo, "blame", "odd.py")
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: cannot blame odd.py: {reason}\n")


@pytest.mark.parametrize("kind", KINDS)
def test_an_agent_hook_payload_naming_it_is_skipped(repo: Path, kind: str) -> None:
    make, reason = KINDS[kind]
    write(repo, "ok.py", "x = 1\n")
    make(repo / "odd.py")
    odd = repo / "odd.py"
    payload = {"cwd": str(repo), "hook_event_name": "PostToolUse", "tool_name": "Write",
               "tool_input": {"file_path": "odd.py", "content": "x = 1\n"},
               "transcript_path": str(odd)}
    done = countersign(repo, "agent-hook", "claude-code", stdin=json.dumps(payload).encode())
    assert done.returncode == 0
    assert done.stderr == (
        f"countersign: could not read the transcript for the model name: {odd}: {reason}\n"
        f"countersign: did not record {odd}: {reason}\n")


def test_status_skips_a_tracked_file_replaced_by_a_fifo(repo: Path) -> None:
    assert countersign(repo, "mark", "--tool", "aider", write(repo, "a.py", "x = 1\n").name
                       ).returncode == 0
    (repo / "a.py").unlink()
    os.mkfifo(repo / "a.py")
    done = countersign(repo, "status")
    assert done.returncode == 0, done.stderr
    git(repo, "status")  # the repository itself is untouched


def test_read_regular_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 2048)
    assert read_regular(path, 2048) == b"x" * 2048
    with pytest.raises(Refused, match=r"larger than 1 KiB \(2 KiB\)"):
        read_regular(path, 2047)
    with pytest.raises(Refused, match="no such file"):
        read_regular(tmp_path / "missing", 10)


def test_a_repository_cannot_make_countersign_read_dev_zero_as_settings(repo: Path) -> None:
    """git stores symlinks: a cloned repository's config or rule pack can point anywhere."""
    write(repo, ".countersign.toml", '[rules]\npacks = ["evil.toml"]\n')
    (repo / "evil.toml").symlink_to("/dev/zero")
    (repo / "pyproject.toml").symlink_to("/dev/zero")
    done = countersign(repo, "status")
    assert done.returncode == 0, done.stderr
    # the config resolves the pack's path: the warning names where the link leads
    assert "cannot read rule pack: /dev/zero: it is a character device, not a regular file" \
        in done.stderr
    (repo / ".countersign.toml").unlink()
    done = countersign(repo, "status")  # pyproject.toml is only looked into when regular
    assert (done.returncode, done.stderr) == (0, "")
