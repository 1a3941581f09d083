"""The content an approval is bound to, and approval records in the notes ref."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from countersign.core.attestation import (
    Approval,
    DiffEntry,
    changed_since,
    envelope,
    parse_envelope,
    payload,
)
from countersign.core.tiers import Review, Tier
from countersign.store.approvals import (
    APPROVALS_REF,
    append_approval,
    content_digest,
    content_digests,
    read_approvals,
)
from countersign.store.gitcli import Git
from tests.git.signing_helpers import AT, SAM, head, two_commits
from tests.helpers import git, write


def digest(repo: Path, rev: str = "HEAD") -> str:
    return content_digest(Git(repo), head(repo, rev))[0]


def files(repo: Path, rev: str = "HEAD") -> tuple[DiffEntry, ...]:
    return content_digest(Git(repo), head(repo, rev))[1]


def test_digest_survives_a_message_only_amend(repo: Path) -> None:
    sha = two_commits(repo)
    before = digest(repo)
    git(repo, "commit", "--amend", "-qm", "pool: a better message")
    assert head(repo) != sha
    assert digest(repo) == before


def test_digest_survives_a_rebase_over_commits_touching_other_files(repo: Path) -> None:
    two_commits(repo)
    before, approved = digest(repo), files(repo)
    git(repo, "checkout", "-qb", "other", "HEAD^")
    write(repo, "README.md", "service\nnow with docs\n")
    write(repo, "docs/ops.md", "runbook\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "docs")
    git(repo, "checkout", "-q", "main")
    git(repo, "rebase", "-q", "other")
    assert head(repo, "HEAD^") == head(repo, "other")
    assert digest(repo) == before
    assert changed_since(approved, files(repo)) == ()


def test_a_rebase_over_a_change_to_the_approved_file_makes_it_stale(repo: Path) -> None:
    two_commits(repo)
    before, approved = digest(repo), files(repo)
    git(repo, "checkout", "-qb", "other", "HEAD^")
    write(repo, "app/db.py", "# database access\ndef connect():\n    return None\n")
    git(repo, "commit", "-qam", "comment")
    git(repo, "checkout", "-q", "main")
    git(repo, "rebase", "-q", "other")
    assert digest(repo) != before
    assert changed_since(approved, files(repo)) == (
        "app/db.py: content changed since approval; based on a different version of the file",)


@pytest.mark.parametrize(("change", "expected"), [
    ("byte", "app/db.py: content changed since approval"),
    ("whitespace", "app/db.py: content changed since approval"),
    ("mode", "app/db.py: mode changed from 100644 to 100755"),
    ("new file", "app/extra.py: not in the approved change (added since approval)"),
])
def test_digest_changes_with_any_byte_or_mode_of_the_change(
    repo: Path, change: str, expected: str
) -> None:
    two_commits(repo)
    before, approved = digest(repo), files(repo)
    text = (repo / "app/db.py").read_text()
    if change == "byte":
        write(repo, "app/db.py", text.replace("size=4", "size=5"))
    elif change == "whitespace":
        write(repo, "app/db.py", text.replace("return", "return ", 1))
    elif change == "mode":
        (repo / "app/db.py").chmod(0o755)
    else:
        write(repo, "app/extra.py", "x = 1\n")
    git(repo, "add", "app")
    git(repo, "commit", "--amend", "-q", "--no-edit")
    assert digest(repo) != before
    assert changed_since(approved, files(repo)) == (expected,)


def test_digest_does_not_depend_on_local_attributes_or_config(repo: Path) -> None:
    two_commits(repo)
    before = digest(repo)
    info = Path(git(repo, "rev-parse", "--absolute-git-dir").strip()) / "info"
    info.mkdir(exist_ok=True)
    (info / "attributes").write_text("*.py -diff\n")
    write(repo, ".gitattributes", "*.py diff=python\n")
    for name, value in [("diff.noprefix", "true"), ("diff.renames", "copies"),
                        ("core.quotePath", "true"), ("diff.algorithm", "histogram"),
                        ("diff.ignoreSubmodules", "all")]:
        git(repo, "config", name, value)
    assert digest(repo) == before


def test_root_empty_and_renaming_commits_have_digests_in_one_batch(repo: Path) -> None:
    write(repo, "a.txt", "a\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "root")
    git(repo, "commit", "-q", "--allow-empty", "-m", "empty")
    git(repo, "mv", "a.txt", "b.txt")
    git(repo, "commit", "-qm", "rename")
    root, empty, rename = (head(repo, r) for r in ("HEAD~2", "HEAD~1", "HEAD"))
    found = content_digests(Git(repo), ["HEAD~2", empty, "HEAD"])
    assert list(found) == [root, empty, rename]
    blob = git(repo, "rev-parse", "HEAD:b.txt").strip()
    zero = "0" * 40
    assert found[root].files == (DiffEntry("a.txt", zero, blob, "000000", "100644"),)
    assert found[empty].files == ()
    assert found[rename].files == (DiffEntry("a.txt", blob, zero, "100644", "000000"),
                                   DiffEntry("b.txt", zero, blob, "000000", "100644"))
    assert len({d.digest for d in found.values()}) == 3
    assert found[root].digest == content_digest(Git(repo), root)[0]


def test_a_path_that_is_not_utf8_survives_the_record(repo: Path) -> None:
    name = os.fsdecode(b"caf\xe9.txt")
    (repo / name).write_bytes(b"latin-1 name\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "odd name")
    [entry] = files(repo)
    assert entry.path == name
    assert parse_envelope(record(repo, "HEAD")).approval.files == (entry,)


def record(repo: Path, rev: str, reviewer: str = SAM) -> bytes:
    """An approval record with a stand-in signature (these tests are about storage)."""
    sha = head(repo, rev)
    dig, changed = content_digest(Git(repo), sha)
    approval = Approval(reviewer, "senior", sha, dig, changed, Tier.HIGH, Review.SENIOR,
                        ("DAT002",), AT, "ssh")
    return envelope(payload(approval), b"signature", "SHA256:test")


def test_reviewers_append_to_one_note_and_the_commit_id_never_changes(repo: Path) -> None:
    sha = two_commits(repo)
    append_approval(Git(repo), sha, record(repo, sha))
    append_approval(Git(repo), sha, record(repo, sha, "Olga Owner <olga@example.com>"))
    assert head(repo) == sha
    stored = read_approvals(Git(repo))
    assert [s.envelope.approval.reviewer for s in stored.by_commit[sha]] == [
        SAM, "Olga Owner <olga@example.com>"]
    git(repo, "commit", "--amend", "-qm", "pool, reworded")
    # Matched by content: the amended commit finds both approvals by its digest.
    assert [s.commit for s in stored.by_digest[digest(repo)]] == [sha, sha]
    assert stored.corrupt == []


def test_corrupt_records_are_reported_one_by_one_and_the_others_still_count(
    repo: Path
) -> None:
    sha = two_commits(repo)
    base = head(repo, "HEAD^")
    good = record(repo, sha)
    broken = json.loads(good)
    broken["payload"] = base64.b64encode(b'{"_type": "nope"}').decode()
    runner = Git(repo)
    for line in [good, b"Approved-by: Sam Senior <sam@example.com>", good[:40],
                 json.dumps(broken).encode()]:
        append_approval(runner, sha, line)
    append_approval(runner, base, record(repo, base))
    stored = read_approvals(runner)
    assert sorted(s.commit for s in stored.all()) == sorted([sha, base])
    assert [(c.line, c.reason) for c in stored.corrupt] == [
        (3, "not a signed approval record (typed text counts for nothing)"),
        (5, "corrupt approval record: record is not JSON: Unterminated string starting at: "
            "line 1 column 12 (char 11)"),
        (7, "corrupt approval record: payload _type is 'nope', "
            "expected 'https://in-toto.io/Statement/v1'")]
    assert stored.corrupt[0].describe().startswith(f"{APPROVALS_REF} on {sha[:12]}, line 3: ")


def test_no_approvals_ref_reads_as_no_approvals(repo: Path) -> None:
    two_commits(repo)
    stored = read_approvals(Git(repo))
    assert (stored.all(), stored.corrupt) == ([], [])


def test_a_record_must_be_one_line(repo: Path) -> None:
    sha = two_commits(repo)
    with pytest.raises(ValueError, match="one line"):
        append_approval(Git(repo), sha, b"{}\n{}")
