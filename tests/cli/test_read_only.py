"""A ``.git`` countersign cannot write (a read-only mount, a repository of another user),
a ledger that is broken, a bare repository: commands that only read still work, the
others say what is wrong and what to do without advice that loses attributions.

The commands run in a child process. As root, permission bits do not stop writes, so the
child runs in a user namespace of its own (``unshare --user``), where they do.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from countersign.core.origin import Origin
from countersign.store.ledger import Ledger
from tests.helpers import git, write

DROP = "cursor.execute('DROP TABLE users')"
TEXT = "import db\n" + DROP + "\n"


def _as_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    if shutil.which("unshare") is None or subprocess.run(
            ["unshare", "--user", "true"], capture_output=True, check=False).returncode:
        pytest.skip("running as root without user namespaces: permissions cannot bind here")
    return ["unshare", "--user"]


def countersign(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*_as_user(), sys.executable, "-m", "countersign", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)


def _chmod_tree(root: Path, writable: bool) -> None:
    for path in [root, *root.rglob("*")]:
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            continue
        bits = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
        os.chmod(path, (mode | stat.S_IWUSR) if writable else (mode & ~bits))


@pytest.fixture
def committed(repo: Path) -> Iterator[Path]:
    """A repository with one commit, and ``app/db.py`` written since (not committed); its
    ``.git`` is made writable again afterwards."""
    write(repo, "app/ok.py", "x = 1\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "init")
    write(repo, "app/db.py", TEXT)
    yield repo
    _chmod_tree(repo / ".git", writable=True)


def ledger_path(repo: Path) -> Path:
    return repo / ".git" / "countersign" / "ledger.db"


def test_status_and_verify_in_a_read_only_git_without_a_ledger(committed: Path) -> None:
    _chmod_tree(committed / ".git", writable=False)
    done = countersign(committed, "status")
    assert (done.returncode, done.stdout, done.stderr) == (
        0, "No AI-attributed lines in the working tree.\n", "")
    done = countersign(committed, "verify")
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("1 commit: 1 passed, 0 failed\n")


def test_status_reads_a_ledger_it_cannot_write(committed: Path) -> None:
    with Ledger(ledger_path(committed)) as db:
        db.save("app/db.py", TEXT, {1: Origin("agent", "aider")})
    _chmod_tree(committed / ".git", writable=False)
    done = countersign(committed, "status")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("app/db.py: 1/2 AI lines; tier critical; rules DAT002; "
                                  "by aider (agent)\n")
    done = countersign(committed, "blame", "app/db.py")
    assert done.returncode == 0, done.stderr
    assert "aider" in done.stdout


KILLED_WRITER = """
import os, sys
from pathlib import Path
from countersign.core.origin import Origin
from countersign.store.ledger import Ledger
db = Ledger(Path(sys.argv[1]))
db.save("app/db.py", sys.argv[2], {1: Origin("agent", "codex")})
os._exit(0)  # killed before closing: the write stays in the write-ahead log
"""


@pytest.mark.parametrize("shm", [True, False], ids=["with its index", "without its index"])
def test_status_reads_a_write_ahead_log_it_cannot_apply(committed: Path, shm: bool) -> None:
    """A writer killed before its last checkpoint leaves the newest records in
    ``ledger.db-wal``. SQLite reads them through the ``-shm`` index; without the index (a
    copy of the repository that left it out) it would have to write one, so a copy of the
    ledger and its log is read instead."""
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(ledger_path(committed)), TEXT],
                   check=True)
    wal = ledger_path(committed).with_name("ledger.db-wal")
    assert wal.stat().st_size > 0
    if not shm:
        ledger_path(committed).with_name("ledger.db-shm").unlink()
    before = sorted(p.name for p in ledger_path(committed).parent.iterdir())
    _chmod_tree(committed / ".git", writable=False)
    done = countersign(committed, "status")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("app/db.py: 1/2 AI lines; tier critical; rules DAT002; "
                                  "by codex (agent)\n")
    assert sorted(p.name for p in ledger_path(committed).parent.iterdir()) == before


def test_a_ledger_it_cannot_write_is_not_to_be_moved_aside(committed: Path) -> None:
    """Moving it aside would discard every attribution in it: the hint says to make it
    writable instead."""
    with Ledger(ledger_path(committed)) as db:
        db.save("app/db.py", TEXT, {1: Origin("agent", "aider")})
    _chmod_tree(committed / ".git", writable=False)
    done = countersign(committed, "mark", "--tool", "aider", "app/db.py")
    path = ledger_path(committed)
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: cannot write the ledger {path}: ")
    assert done.stderr.endswith(
        f"hint: give yourself write access to {path.parent} and the files in it (or run "
        f"countersign as the user who owns the repository); do not move the ledger aside: "
        f"it holds the AI attributions\n")
    assert "move it aside (mv" not in done.stderr


def test_verify_never_opens_the_ledger(committed: Path) -> None:
    """It judges commits (their notes and trailers), not the working tree: a broken local
    ledger must not make it fail, nor may it create one."""
    done = countersign(committed, "verify")
    assert done.returncode == 0, done.stderr
    assert not ledger_path(committed).exists()
    ledger_path(committed).parent.mkdir(parents=True, exist_ok=True)
    ledger_path(committed).write_bytes(b"not a database" * 100)
    done = countersign(committed, "verify")
    assert done.returncode == 0, done.stderr
    assert ledger_path(committed).read_bytes() == b"not a database" * 100


def test_scan_in_a_bare_repository_says_there_is_nothing_to_scan(tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    done = countersign(bare, "scan", ".")
    assert done.returncode == 2
    assert done.stderr == (
        f"error: {bare} is a bare repository: it has no working tree to scan\n"
        f"hint: scan a clone of it (git clone {bare} work && countersign scan work)\n")
