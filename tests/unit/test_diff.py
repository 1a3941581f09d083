"""Reading git's ``diff --raw -p -z`` output into files and added lines, from real git."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from countersign.core.diff import DiffFormatError, parse_raw_patch
from countersign.store import commits
from countersign.store.gitcli import Git, unquote_name
from tests.helpers import git

ODD = 'new\nline "q" caf\xe9\t.txt'
LATIN1 = os.fsdecode(b"latin\xe9.txt")


def put(root: Path, name: str, data: bytes) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    put(tmp_path, "app.py", b"".join(b"line %d\n" % i for i in range(12)))
    put(tmp_path, "old name.sh", b"#!/bin/sh\nset -e\necho a\necho b\necho c\necho d\n")
    put(tmp_path, "logo.png", b"\x89PNG\0\0")
    put(tmp_path, "gone.txt", b"bye\n")
    put(tmp_path, "run.sh", b"echo\n")
    put(tmp_path, "moved.txt", b"same\n")
    put(tmp_path, "link", b"a file, then a symlink\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "-c", "core.hooksPath=/dev/null", "commit", "-qm", "base")
    return tmp_path


def change_everything(root: Path) -> None:
    lines = [b"line %d\n" % i for i in range(12)]
    lines[0:0] = [b"import os\n", b"import sys\n"]
    lines[7] = b"    new()\r\n"
    del lines[10:12]
    put(root, "app.py", b"".join(lines))
    (root / "old name.sh").unlink()
    put(root, "scripts/new.sh", b"#!/bin/sh\nset -e\necho a\nrm -rf /tmp/x\necho b\necho c\n"
                                b"echo d\n")
    put(root, "logo.png", b"\x89PNG\0\1")
    (root / "gone.txt").unlink()
    put(root, ODD, b"hello")
    put(root, LATIN1, b"caf\xe9\n")
    (root / "run.sh").chmod(0o755)
    (root / "elsewhere").mkdir()
    (root / "moved.txt").rename(root / "elsewhere" / "moved.txt")
    (root / "link").unlink()
    (root / "link").symlink_to("target")
    git(root, "add", "-A")
    sub = git(root, "rev-parse", "HEAD").strip()
    git(root, "update-index", "--add", "--cacheinfo", f"160000,{sub},vendor/sub")


def test_every_kind_of_change_is_read_with_exact_paths(root: Path) -> None:
    change_everything(root)
    changes = {c.path: c for c in commits.staged_changes(Git(root), ["HEAD"])}
    assert set(changes) == {"app.py", "scripts/new.sh", "logo.png", "gone.txt", ODD, LATIN1,
                            "run.sh", "elsewhere/moved.txt", "link", "vendor/sub"}
    assert changes["app.py"].added == {0: "import os", 1: "import sys", 7: "    new()"}
    assert changes["app.py"].status == "modified" and changes["app.py"].old_path is None
    moved = changes["scripts/new.sh"]
    assert (moved.status, moved.old_path, moved.added) == ("renamed", "old name.sh",
                                                           {3: "rm -rf /tmp/x"})
    assert changes["logo.png"].binary and not changes["logo.png"].added
    assert changes["gone.txt"].status == "deleted" and changes["gone.txt"].blob is None
    assert (changes[ODD].status, changes[ODD].added) == ("added", {0: "hello"})
    assert changes[LATIN1].added == {0: "caf\ufffd"}  # content decoded leniently
    assert changes["run.sh"].added == {} and changes["run.sh"].status == "modified"
    assert changes["elsewhere/moved.txt"].old_path == "moved.txt"
    assert changes["link"].added == {0: "target"}  # a type change: the new side's lines
    assert changes["vendor/sub"].binary and changes["vendor/sub"].blob is None
    blob = changes[ODD].blob
    assert blob is not None and Git(root).objects([blob]) == {blob: b"hello"}


def test_user_diff_configuration_changes_nothing(root: Path) -> None:
    for key, value in (("diff.submodule", "log"), ("diff.interHunkContext", "5"),
                       ("diff.noprefix", "true"), ("color.ui", "always"),
                       ("diff.mnemonicPrefix", "true"), ("core.quotePath", "false"),
                       ("diff.relative", "true"), ("diff.renames", "false")):
        git(root, "config", key, value)
    change_everything(root)
    changes = {c.path: c for c in commits.staged_changes(Git(root), ["HEAD"])}
    assert changes["app.py"].added == {0: "import os", 1: "import sys", 7: "    new()"}
    assert changes["scripts/new.sh"].old_path == "old name.sh"
    assert ODD in changes and "vendor/sub" in changes


def test_an_unmerged_path_is_skipped_whatever_its_name(root: Path) -> None:
    name = "conflict\ndiff --git a/x b/x"  # an unquoted name that looks like a header
    put(root, name, b"base\n")
    git(root, "add", "-A")
    git(root, "-c", "core.hooksPath=/dev/null", "commit", "-qm", "conflict base")
    git(root, "checkout", "-qb", "other")
    put(root, name, b"theirs\n")
    git(root, "-c", "core.hooksPath=/dev/null", "commit", "-qam", "theirs")
    git(root, "checkout", "-q", "main")
    put(root, name, b"ours\n")
    git(root, "-c", "core.hooksPath=/dev/null", "commit", "-qam", "ours")
    subprocess.run(["git", "merge", "-q", "other"], cwd=root, capture_output=True)
    put(root, "new.py", b"x = 1\n")
    git(root, "add", "new.py")
    changes = commits.staged_changes(Git(root), ["HEAD"])
    assert [(c.path, c.added) for c in changes] == [("new.py", {0: "x = 1"})]


def test_output_that_does_not_line_up_is_refused() -> None:
    record = b":000000 100644 " + b"0" * 40 + b" " + b"1" * 40 + b" A\0a.py\0"
    section = b"diff --git a/a.py b/a.py\nnew file mode 100644\n@@ -0,0 +1 @@\n+x\n"
    assert parse_raw_patch(record + b"\0" + section)[0].added == {0: "x"}
    assert parse_raw_patch(b"") == []
    with pytest.raises(DiffFormatError):
        parse_raw_patch(record + b"\0")  # a record without its patch
    with pytest.raises(DiffFormatError):
        parse_raw_patch(record + b"\0" + section + section)  # a patch without a record
    with pytest.raises(DiffFormatError):
        parse_raw_patch(b":000000 100644 0 1 Z\0a.py\0\0" + section)  # unknown status


def test_blame_names_are_unquoted_by_pythons_literal_parser() -> None:
    assert unquote_name(b'"tab\\there \\"q\\" \\\\"') == b'tab\there "q" \\'
    assert unquote_name(b'"\\346\\227\\245\\n.txt"') == "日\n.txt".encode()
    assert unquote_name(b"plain name.txt") == b"plain name.txt"


def test_a_truncated_record_is_refused() -> None:
    with pytest.raises(DiffFormatError):
        parse_raw_patch(b":000000 100644 " + b"0" * 40 + b" " + b"1" * 40 + b" A\0a.py")
