"""``countersign/signoff``: the gate's verdicts on the commits the branch adds, for the report.

A real server, real git repositories and real ssh-keygen keys: reviewers sign approval
records the way ``countersign approve`` does, and the answer must be what ``countersign
verify`` says of the same commits.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pytest_lsp import LanguageClient

from countersign.core.attestation import Role
from countersign.lsp.convert import plain
from countersign.store.hooks import REWRITE_REFS
from tests.git.signing_helpers import approve, public, ssh_key
from tests.helpers import git, write
from tests.lsp.conftest import CLIENTS, session, stop

SAM = "Sam Senior <sam@example.com>"
OLGA = "Olga Owner <olga@example.com>"
ADA = "Ada Author <ada@example.com>"  # the author and committer of every commit (conftest)
HOSTILE = ('Eve" onmouseover="alert(1)" *bold* | [x](javascript:alert(1)) `code` '
           "\u202eevil\u202c & <eve@example.com>")
POLICY = """\
[reviewers]
senior = ["sam@example.com"]
owner = ["olga@example.com"]
[signoff]
allowed_signers = "allowed_signers"
"""
MIGRATION = "migrations/002.sql"


class Team:
    """Reviewers with real SSH keys, a policy listing them, and a branch over ``main``."""

    def __init__(self, org: Path, repo: Path) -> None:
        self.repo = repo
        self.keys = {name: ssh_key(org, name) for name in ("sam", "olga", "ada", "eve")}
        self.policy = org / "policy.toml"
        self.policy.write_text(POLICY)
        (org / "allowed_signers").write_text("".join(
            f"{name}@example.com {public(key)}\n" for name, key in self.keys.items()))

    def approve(self, who: str, key: str, role: Role = "senior") -> None:
        """A record signed with ``key`` in ``who``'s name, as ``countersign approve`` makes."""
        git(self.repo, "config", "gpg.format", "ssh")
        git(self.repo, "config", "user.signingKey", str(self.keys[key]))
        approve(self.repo, who, role=role)

    def commit(self, path: str, text: str, subject: str) -> str:
        write(self.repo, path, text)
        git(self.repo, "add", "-A")
        git(self.repo, "commit", "-qm", subject)
        return git(self.repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def team(tmp_path: Path, repo: Path) -> Team:
    """``main`` with one commit, and ``feature`` tracking it (checked out)."""
    org = tmp_path / "org"
    org.mkdir()
    write(repo, "README.md", "service\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-q", "-b", "feature", "--track", "main")
    # approvals follow an amend, as with `countersign hook install` (the commits themselves
    # carry no note: their lines count as AI, the policy's default for unknown provenance)
    git(repo, "config", "notes.rewriteRef", REWRITE_REFS)
    return Team(org, repo)


@pytest_asyncio.fixture(params=CLIENTS)
async def client(request: pytest.FixtureRequest, team: Team) -> AsyncIterator[LanguageClient]:
    """A server given the team's policy, with the VS Code or Neovim capabilities."""
    settings = {"debounceMs": 0, "policy": str(team.policy)}
    started = await session(team.repo, request.param, settings, configuration=settings)
    yield started
    await stop(started)


async def signoff(client: LanguageClient, **params: Any) -> dict[str, Any]:
    result: dict[str, Any] = plain(await client.protocol.send_request_async(
        "countersign/signoff", params))
    return result


def only_commit(result: dict[str, Any]) -> dict[str, Any]:
    assert len(result["commits"]) == 1, result["commits"]
    commit: dict[str, Any] = result["commits"][0]
    return commit


def states(commit: dict[str, Any]) -> list[tuple[str, str | None, str, bool]]:
    return [(a["who"], a.get("role"), a["state"], a["counts"]) for a in commit["approvals"]]


async def test_a_commit_without_approvals_says_what_it_needs(client: LanguageClient,
                                                             team: Team) -> None:
    sha = team.commit(MIGRATION, "CREATE TABLE orders (id int);\n", "Add orders")
    result = await signoff(client)
    assert result["label"] == "main..HEAD" and result["base"] == "main"
    assert result["command"] == f"countersign verify --policy {team.policy} main..HEAD"
    commit = only_commit(result)
    assert (commit["sha"], commit["subject"], commit["ok"]) == (sha, "Add orders", False)
    assert (commit["tier"], commit["review"]) == ("high", "senior")
    assert commit["status"] == "does not meet its requirement"
    assert commit["reasons"] == ["tier high from DAT001; 1 of 1 added lines are AI-written"]
    assert commit["failures"] == ["needs senior sign-off: an approval from a senior reviewer"]
    assert commit["approvals"] == [] and commit["approvers"] == []
    assert "No approvals." in result["markdown"]
    assert f"### FAIL {sha[:10]} Add orders" in result["markdown"]


async def test_a_valid_senior_approval_meets_the_requirement(client: LanguageClient,
                                                             team: Team) -> None:
    team.commit(MIGRATION, "CREATE TABLE orders (id int);\n", "Add orders")
    team.approve(SAM, "sam")
    commit = only_commit(await signoff(client))
    assert commit["ok"] and commit["status"] == "meets its requirement"
    assert states(commit) == [(SAM, "senior", "valid", True)] and commit["approvers"] == [SAM]
    (approval,) = commit["approvals"]
    assert approval["source"] == "ssh" and approval["meaning"] == "valid"
    assert approval["detail"].startswith(
        "good signature by sam@example.com (ssh-ed25519 key SHA256:")
    assert commit["failures"] == []


async def test_a_later_content_change_makes_the_approval_stale(client: LanguageClient,
                                                               team: Team) -> None:
    team.commit(MIGRATION, "CREATE TABLE orders (id int);\n", "Add orders")
    team.approve(SAM, "sam")
    write(team.repo, MIGRATION, "CREATE TABLE orders (id int, total int);\n")
    git(team.repo, "commit", "-qa", "--amend", "--no-edit")
    result = await signoff(client)
    commit = only_commit(result)
    assert not commit["ok"] and states(commit) == [(SAM, "senior", "stale", False)]
    (approval,) = commit["approvals"]
    assert approval["meaning"] == "the approved content changed since"
    assert f"{MIGRATION}: content changed since approval" in approval["detail"]
    assert ("| Sam Senior \\<sam@example.com\\> | senior | ssh | **stale**: the approved "
            "content changed since |") in result["markdown"]


async def test_the_authors_own_approval_is_refused(client: LanguageClient, team: Team) -> None:
    team.commit(MIGRATION, "CREATE TABLE orders (id int);\n", "Add orders")
    team.approve(ADA, "ada")  # her own key, listed for her: the signature itself is good
    commit = only_commit(await signoff(client))
    assert not commit["ok"] and states(commit) == [(ADA, "senior", "own-change", False)]
    (approval,) = commit["approvals"]
    assert approval["meaning"] == "the approver wrote or committed the change"
    assert approval["detail"] == f"{commit['sha'][:10]} was written or committed by them"


async def test_a_hostile_reviewer_name_and_subject_are_escaped(client: LanguageClient,
                                                               team: Team) -> None:
    team.commit(MIGRATION, "CREATE TABLE orders (id int);\n", "<script>alert(1)</script> | *x*")
    team.approve(HOSTILE, "eve")
    result = await signoff(client)
    commit = only_commit(result)
    shown = HOSTILE.replace("\u202e", "\\u202e").replace("\u202c", "\\u202c")
    assert states(commit) == [(shown, "senior", "not-allowed", False)]
    assert commit["subject"] == "<script>alert(1)</script> | *x*"  # data: the client escapes
    markdown = result["markdown"]
    assert "\u202e" not in markdown and "<script>" not in markdown
    assert "\\<script\\>alert(1)\\</script\\> \\| \\*x\\*" in markdown
    assert ('| Eve" onmouseover="alert(1)" \\*bold\\* \\| \\[x\\](javascript:alert(1)) '
            "\\`code\\` \\\\u202eevil\\\\u202c \\& \\<eve@example.com\\> | senior |") in markdown
    rows = [line for line in markdown.splitlines() if line.startswith("| Eve")]
    assert len(rows) == 1 and rows[0].count(" | ") == 4  # five cells, none split by the name


async def test_the_answer_is_verifys_judgement_of_the_same_commits(client: LanguageClient,
                                                                   team: Team) -> None:
    team.commit(MIGRATION, "CREATE TABLE orders (id int);\n", "Add orders")
    team.approve(SAM, "sam")
    team.commit("migrations/003.sql", "DROP TABLE users;\n", "Drop users")
    team.approve(OLGA, "olga", "owner")
    team.approve(ADA, "ada")
    team.commit("docs/notes.md", "notes\n", "Notes")
    result = await signoff(client)
    done = subprocess.run([sys.executable, "-m", "countersign.cli.main", "verify", "--policy",
                           str(team.policy), "--format", "json", "main..HEAD"],
                          cwd=team.repo, capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    verify = json.loads(done.stdout)["commits"]
    assert [c["sha"] for c in result["commits"]] == [c["sha"] for c in verify]
    for ours, theirs in zip(result["commits"], verify, strict=True):
        assert (ours["ok"], ours["tier"], ours["review"], ours["failures"], ours["approvers"]) \
            == (theirs["ok"], theirs["tier"], theirs["review"], theirs["failures"],
                theirs["approvers"])
        assert [(a["who"], a.get("role"), a["state"], a["detail"]) for a in ours["approvals"]] \
            == [(a["who"], a["role"], a["state"], a["detail"]) for a in theirs["approvals"]]
    assert [c["ok"] for c in result["commits"]] == [True, False, True]


async def test_the_newest_commits_up_to_max_commits_and_how_many_more(
        client: LanguageClient, team: Team) -> None:
    for n in range(3):
        team.commit(f"docs/{n}.md", f"{n}\n", f"Doc {n}")
    result = await signoff(client, maxCommits=2)
    assert [c["subject"] for c in result["commits"]] == ["Doc 2", "Doc 1"]
    assert result["omitted"] == 1
    assert "1 commit older not shown: run the command for all." in result["markdown"]
    git(team.repo, "branch", "--unset-upstream")
    result = await signoff(client)
    assert result["label"] == "HEAD and the 3 commits before it (no upstream)"
    assert len(result["commits"]) == 4 and result.get("base") is None
    assert result["command"] == f"countersign verify --policy {team.policy} -- --max-count=10 HEAD"
    result = await signoff(client, base="main")
    assert [c["subject"] for c in result["commits"]] == ["Doc 2", "Doc 1", "Doc 0"]


async def test_bad_params_and_nothing_to_judge_are_clear_errors(
        client: LanguageClient, team: Team, tmp_path: Path) -> None:
    with pytest.raises(Exception, match="'maxCommits' must be 1 to 200, got 0"):
        await signoff(client, maxCommits=0)
    with pytest.raises(Exception, match="'base' must name a branch or commit, got '--output=x'"):
        await signoff(client, base="--output=x")
    with pytest.raises(Exception, match="'nope' is not a commit here"):
        await signoff(client, base="nope")
    path = write(tmp_path / "plain", "notes.py", "x = 1\n")
    with pytest.raises(Exception, match="is not inside a git repository"):
        await signoff(client, textDocument={"uri": path.as_uri()})
    empty = tmp_path / "empty"
    git(tmp_path, "init", "-q", str(empty))
    with pytest.raises(Exception, match="no commits yet"):
        await signoff(client, textDocument={"uri": (empty / "a.py").as_uri()})


@pytest.mark.parametrize("spec", CLIENTS)
async def test_without_a_policy_the_answer_says_where_it_may_differ_from_ci(
        spec: str, team: Team) -> None:
    write(team.repo, ".countersign.toml", "[autonomy.new_tool]\nlines = 100\nstricter = 1\n")
    team.commit(MIGRATION, "CREATE TABLE orders (id int);\n", f"Add orders\n\nApproved-by: {SAM}")
    client = await session(team.repo, spec)
    try:
        result = await signoff(client)
    finally:
        await stop(client)
    assert result["command"] == "countersign verify main..HEAD"
    commit = only_commit(result)
    assert states(commit) == [(SAM, None, "valid", True)]  # typed, and it counts
    assert commit["approvals"][0]["source"] == "trailer"
    assert not commit["ok"] and "the policy names no senior reviewers" in commit["failures"][0]
    notes = result["notes"]
    assert [n.split(":")[0] for n in notes] == [
        "judged by the repository's configuration",
        "the policy names no signers, so typed Approved-by trailers count and anyone can "
        "write them",
        "reviews recorded by the forge (GitHub, GitLab) count only in CI (countersign verify "
        "--forge-reviews)"]
    assert "- note: the policy names no signers" in result["markdown"]
