"""Sign-off you can trust: signed approvals through ``countersign approve`` and ``verify``.

Real repositories, real ssh-keygen keys and the real hooks. Each forgery of issue 14 is
tried the way an author would try it and must be refused with exit 1 and its reason.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from countersign.core.attestation import PAYLOAD_TYPE, Approval, envelope, pae, payload
from countersign.core.sshsig import dearmor
from countersign.core.tiers import Review, Tier
from countersign.store.approvals import content_digest
from countersign.store.gitcli import Git
from tests.git.conftest import AGENT, Run, ai_file, commit
from tests.git.signing_helpers import gpg, gpg_key, public, ssh_key
from tests.helpers import git, write

SAM = "Sam Senior <sam@example.com>"
OLGA = "Olga Owner <olga@example.com>"
ADA = "Ada Author <ada@example.com>"
DROP = "DROP TABLE users;\n"
DATA = Path(__file__).parents[1] / "data" / "forge"
POLICY = """\
[reviewers]
peer = ["pat@example.com"]
senior = ["sam@example.com", "sue@example.com"]
owner = ["olga@example.com"]
[verify]
require_trailers = true
[signoff]
allowed_signers = "allowed_signers"
[people]
"sam@example.com" = ["sam.home@gmail.com"]
"""


class Team:
    """Reviewers with real SSH keys, and a policy whose allowed signers lists them."""

    def __init__(self, root: Path, repo: Path, cli: Run, env: pytest.MonkeyPatch) -> None:
        self.root, self.repo, self.cli, self.env = root, repo, cli, env
        self.keys = {name: ssh_key(root, name) for name in ("sam", "olga", "ada", "sue")}
        self.policy = root / "policy.toml"
        self.policy.write_text(POLICY)
        self.signers(f"sam@example.com {public(self.keys['sam'])}",
                     f"olga@example.com {public(self.keys['olga'])}",
                     f"ada@example.com {public(self.keys['ada'])}",
                     f"sue@example.com {public(self.keys['sue'])}")

    def signers(self, *lines: str) -> None:
        (self.root / "allowed_signers").write_text("".join(f"{line}\n" for line in lines))

    def approve(self, who: str, key: str, *args: str) -> tuple[int, str, str]:
        """``countersign approve ARGS`` as ``who`` (git identity) signing with ``key``."""
        name, email = who.split(" <")
        with self.env.context() as env:
            env.setenv("GIT_COMMITTER_NAME", name)
            env.setenv("GIT_COMMITTER_EMAIL", email.rstrip(">"))
            git(self.repo, "config", "gpg.format", "ssh")
            git(self.repo, "config", "user.signingKey", str(self.keys[key]))
            try:
                return self.cli("approve", *args)
            finally:
                git(self.repo, "config", "--unset", "gpg.format")
                git(self.repo, "config", "--unset", "user.signingKey")

    def verify(self, *args: str) -> tuple[int, str, str]:
        return self.cli("verify", "--policy", str(self.policy), *args)

    def states(self, *args: str) -> dict[str, str]:
        """who (role) -> state of each approval of the newest commit."""
        out = self.verify("--format", "json", *args)[1]
        approvals = json.loads(out)["commits"][0]["approvals"]
        return {f"{a['email']} ({a['role']})": a["state"] for a in approvals}


@pytest.fixture
def team(tmp_path: Path, hooked: Path, cli: Run, monkeypatch: pytest.MonkeyPatch) -> Team:
    base = tmp_path / "org"
    base.mkdir()
    write(hooked, "README.md", "service\n")
    git(hooked, "add", "-A")
    commit(hooked, "-m", "base")
    return Team(base, hooked, cli, monkeypatch)


def drop(repo: Path, subject: str = "Drop users") -> str:
    ai_file(repo, "migrations/001.sql", DROP, {0: AGENT})
    git(repo, "add", "-A")
    commit(repo, "-m", subject)
    return git(repo, "rev-parse", "HEAD").strip()


def test_a_senior_and_an_owner_with_their_own_keys_make_it_pass(team: Team) -> None:
    drop(team.repo)
    code, out, err = team.verify()
    assert code == 1
    assert "needs senior+owner sign-off" in out
    assert "countersign approve REV` with their own signing key" in err
    code, out, _ = team.approve(SAM, "sam")
    assert code == 0, out
    assert "as senior (SSH key" in out and "tier critical (DAT001, DAT002)" in out
    assert team.verify()[0] == 1  # one of two
    assert team.approve(OLGA, "olga", "--role", "owner")[0] == 0
    code, out, _ = team.verify()
    assert code == 0, out
    assert f"approved by {SAM}, {OLGA}" in out
    assert team.states() == {"sam@example.com (senior)": "valid",
                             "olga@example.com (owner)": "valid"}
    # the commit id never changed: approvals live in notes
    assert "Approved-by" not in git(team.repo, "log", "-1", "--format=%B")


def test_a_subject_with_terminal_escapes_cannot_redraw_a_fail_as_ok(team: Team) -> None:
    """ESC [2K and a carriage return would erase the FAIL line in a CI log and print a fake
    pass; a right-to-left override would reorder it. verify shows them as escapes."""
    drop(team.repo, "Drop users\x1b[2K\rok   0000000000 Drop users \u202eko")
    code, out, _ = team.verify()
    assert code == 1
    assert "\x1b" not in out and "\r" not in out and "\u202e" not in out
    assert "FAIL" in out and "Drop users\\u001b[2K\\u000dok" in out, out


def test_approvals_survive_a_message_amend_and_a_rebase_over_other_files(team: Team) -> None:
    git(team.repo, "checkout", "-q", "-b", "feature")
    drop(team.repo)
    team.approve(SAM, "sam")
    team.approve(OLGA, "olga", "--role", "owner")
    commit(team.repo, "--amend", "-m", "Drop the users table")
    assert team.verify()[0] == 0
    git(team.repo, "checkout", "-q", "main")
    write(team.repo, "docs/other.md", "unrelated\n")
    git(team.repo, "add", "-A")
    commit(team.repo, "-m", "other work")
    git(team.repo, "checkout", "-q", "feature")
    git(team.repo, "rebase", "-q", "main")
    code, out, _ = team.verify()
    assert code == 0, out


def test_content_changed_after_approval_is_stale(team: Team) -> None:
    drop(team.repo)
    team.approve(SAM, "sam")
    team.approve(OLGA, "olga", "--role", "owner")
    write(team.repo, "migrations/001.sql", DROP + "DROP TABLE orders;\n")
    git(team.repo, "add", "-A")
    commit(team.repo, "--amend", "--no-edit")
    code, out, _ = team.verify()
    assert code == 1
    assert "stale - the approved content changed since" in out
    assert "migrations/001.sql: content changed since approval" in out


def test_author_typed_trailers_and_notes_count_for_nothing(team: Team) -> None:
    drop(team.repo)
    commit(team.repo, "--amend", "-m", f"Drop users\n\nApproved-by: {SAM}\nApproved-by: {OLGA}")
    git(team.repo, "notes", "--ref", "countersign-approvals", "append", "-m",
        f"Approved-by: {SAM}", "HEAD")
    code, out, _ = team.verify()
    assert code == 1
    assert team.states() == {"sam@example.com (None)": "unsigned",
                             "olga@example.com (None)": "unsigned"}
    assert "not signed; the policy counts only signed approvals" in out


def test_the_authors_key_in_a_seniors_name_is_an_unknown_key(team: Team) -> None:
    drop(team.repo)
    assert team.approve(SAM, "ada")[0] == 0  # Ada signs with her own key as "Sam"
    assert team.verify()[0] == 1
    assert team.states() == {"sam@example.com (senior)": "unknown-key"}


def test_a_signature_for_another_namespace_is_refused(team: Team) -> None:
    sha = drop(team.repo)
    digest, files = content_digest(Git(team.repo), sha)
    body = payload(Approval(SAM, "senior", sha, digest, files, Tier.CRITICAL,
                            Review.SENIOR_OWNER, (), 1795435200, "ssh"))
    data = team.root / "pae"
    data.write_bytes(pae(PAYLOAD_TYPE, body))
    subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-n", "git", "-f",
                    str(team.keys["sam"]), str(data)], check=True, capture_output=True)
    sig = dearmor((team.root / "pae.sig").read_bytes())
    git(team.repo, "notes", "--ref", "countersign-approvals", "add", "-m",
        envelope(body, sig, "x").decode(), "HEAD")
    assert team.verify()[0] == 1
    assert team.states() == {"sam@example.com (senior)": "wrong-namespace"}


def test_a_tampered_record_is_refused_and_others_still_count(team: Team) -> None:
    drop(team.repo)
    team.approve(OLGA, "olga", "--role", "owner")
    team.approve(SAM, "sam", "--role", "peer")
    note = git(team.repo, "notes", "--ref", "countersign-approvals", "show", "HEAD")
    lines = [line for line in note.splitlines() if line]
    record = json.loads(lines[1])
    import base64

    body = json.loads(base64.b64decode(record["payload"]))
    body["predicate"]["role"] = "senior"  # upgrade the peer approval to senior
    record["payload"] = base64.b64encode(json.dumps(body).encode()).decode()
    git(team.repo, "notes", "--ref", "countersign-approvals", "add", "-f", "-m",
        lines[0] + "\n" + json.dumps(record) + "\n{not json", "HEAD")
    code, _, err = team.verify()
    assert code == 1
    assert team.states() == {"olga@example.com (owner)": "valid",
                             "sam@example.com (senior)": "bad-signature"}
    assert "corrupt approval record" in err


def test_an_approval_of_one_commit_replayed_on_another_is_refused(team: Team) -> None:
    first = drop(team.repo, "first")
    team.approve(SAM, "sam")
    ai_file(team.repo, "migrations/002.sql", "DROP TABLE orders;\n", {0: AGENT})
    git(team.repo, "add", "-A")
    commit(team.repo, "-m", "second")
    note = git(team.repo, "notes", "--ref", "countersign-approvals", "show", first)
    git(team.repo, "notes", "--ref", "countersign-approvals", "add", "-m", note, "HEAD")
    assert team.verify()[0] == 1
    assert team.states() == {"sam@example.com (senior)": "stale"}


def test_a_key_outside_its_validity_is_refused(team: Team) -> None:
    team.signers(f'sam@example.com valid-before="20200101" {public(team.keys["sam"])}',
                 f"olga@example.com {public(team.keys['olga'])}")
    drop(team.repo)
    team.approve(SAM, "sam")
    assert team.states() == {"sam@example.com (senior)": "key-not-valid-at-time"}


def test_the_committer_and_the_author_under_another_address_cannot_approve(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Sam Senior")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "sam@example.com")
    drop(team.repo)  # Ada wrote it, Sam committed it
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Ada Author")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "ada@example.com")
    git(team.repo, "notes", "--ref", "countersign-approvals", "list")  # (no approvals yet)
    code, _, err = team.approve(SAM, "sam")
    assert code == 1 and "cannot approve their own changes" in err
    # the record is written anyway by someone who edits approve out: the gate refuses it
    commit(team.repo, "--amend", "--no-edit", "--author", "Sam <sam.home@gmail.com>")
    assert team.approve(OLGA, "olga", "--role", "owner")[0] == 0
    _forge_sams_signed_note(team)
    assert team.verify()[0] == 1
    assert team.states()["sam@example.com (senior)"] == "own-change"


def _forge_sams_signed_note(team: Team) -> None:
    """A record signed with Sam's real key, written without `countersign approve`."""
    from tests.git.signing_helpers import approve

    git(team.repo, "config", "gpg.format", "ssh")
    git(team.repo, "config", "user.signingKey", str(team.keys["sam"]))
    approve(team.repo, SAM)
    git(team.repo, "config", "--unset", "gpg.format")
    git(team.repo, "config", "--unset", "user.signingKey")


def test_a_range_that_edits_the_signers_it_is_checked_against_fails(team: Team) -> None:
    # the policy and its signer list live in the repository, read from the base branch
    (team.repo / "policy").mkdir()
    (team.repo / "policy" / "policy.toml").write_text(POLICY)
    (team.repo / "policy" / "allowed_signers").write_text(
        (team.root / "allowed_signers").read_text())
    git(team.repo, "add", "-A")
    commit(team.repo, "-m", "policy")
    base = git(team.repo, "rev-parse", "HEAD").strip()
    with (team.repo / "policy" / "allowed_signers").open("a") as f:
        f.write(f"sam@example.com {public(team.keys['ada'])}\n")  # Ada's key for Sam
    git(team.repo, "add", "-A")
    commit(team.repo, "-m", "add a key")
    team.approve(SAM, "ada")  # signed with Ada's key, now listed for Sam in the change
    code, out, _ = team.cli("verify", f"{base}..HEAD", "--policy", f"{base}:policy/policy.toml")
    assert code == 1
    assert "edits policy/allowed_signers, which the gate is checked against" in out
    assert "unknown-key" in out  # judged by the base branch's signers


def test_a_change_that_makes_its_author_a_senior_fails(team: Team) -> None:
    (team.repo / "policy.toml").write_text(POLICY.replace('"sue@example.com"', '"sue@example.com"'))
    (team.repo / "allowed_signers").write_text((team.root / "allowed_signers").read_text())
    git(team.repo, "add", "-A")
    commit(team.repo, "-m", "policy")
    base = git(team.repo, "rev-parse", "HEAD").strip()
    (team.repo / "policy.toml").write_text(POLICY.replace('"sue@example.com"', '"pat@example.com"'))
    drop(team.repo)  # in the same range: Pat becomes a senior, then drops a table
    team.approve("Pat Peer <pat@example.com>", "sue")
    code, out, _ = team.cli("verify", f"{base}..HEAD", "--policy", f"{base}:policy.toml")
    assert code == 1
    assert "edits policy.toml, which the gate is checked against" in out


def test_critical_content_needs_review_whatever_the_declared_provenance(team: Team) -> None:
    team.policy.write_text(POLICY + "[review.regardless_of_provenance]\ncritical = \"senior\"\n")
    write(team.repo, "migrations/001.sql", DROP)  # typed by a 'person', no AI recorded
    git(team.repo, "add", "-A")
    commit(team.repo, "-m", "no AI, they say")
    assert "AI-Assisted: no" in git(team.repo, "log", "-1", "--format=%B")
    code, out, _ = team.verify()
    assert code == 1
    assert "review senior" in out and "needs senior sign-off" in out
    team.approve(SAM, "sam", "--policy", str(team.policy))
    assert team.verify()[0] == 0


def test_code_owners_come_from_the_base_codeowners(team: Team) -> None:
    write(team.repo, ".github/CODEOWNERS", "*.md @docs\n/migrations/ @lee\n")
    git(team.repo, "add", "-A")
    commit(team.repo, "-m", "owners")
    base = git(team.repo, "rev-parse", "HEAD").strip()
    team.policy.write_text(POLICY + '"lee@example.com" = ["@lee"]\n')
    lee = ssh_key(team.root, "lee")
    team.keys["lee"] = lee
    team.signers(f"sam@example.com {public(team.keys['sam'])}",
                 f"olga@example.com {public(team.keys['olga'])}",
                 f"lee@example.com {public(lee)}")
    drop(team.repo)
    team.approve(SAM, "sam")
    team.approve(OLGA, "olga", "--role", "owner")  # an owner by [reviewers], not by CODEOWNERS
    code, out, _ = team.verify(f"{base}..HEAD")
    assert code == 1
    assert ".github/CODEOWNERS@" in out and "/migrations/: lee@example.com" in out
    assert team.states(f"{base}..HEAD")["olga@example.com (owner)"] == "not-allowed"
    team.approve("Lee Owner <lee@example.com>", "lee", "--role", "owner")
    code, out, _ = team.verify(f"{base}..HEAD")
    assert code == 0, out


def test_a_senior_authors_high_tier_change_needs_one_peer(team: Team,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    team.policy.write_text(POLICY + '[authors]\nsenior = ["sue@example.com"]\n'
                           '[review.by_author.senior]\nhigh = "peer"\n')
    write(team.repo, "app.py", "x = 1\n")
    git(team.repo, "add", "-A")
    commit(team.repo, "-m", "app")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Sue Senior")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "sue@example.com")
    ai_file(team.repo, "app.py", "x = 1\nrequests.get(url, verify=False)\n", {1: AGENT})
    git(team.repo, "add", "-A")
    commit(team.repo, "-m", "TLS off")
    code, out, _ = team.verify()
    assert code == 1 and "review peer" in out
    team.signers(f"pat@example.com {public(team.keys['olga'])}")
    team.approve("Pat Peer <pat@example.com>", "olga", "--role", "peer")
    assert team.verify()[0] == 0


def test_json_and_sarif_list_every_approval_with_its_state(team: Team) -> None:
    drop(team.repo)
    team.approve(SAM, "sam")
    team.approve(SAM, "ada")
    out = team.verify("--format", "sarif")[1]
    gate = next(r for r in json.loads(out)["runs"][0]["results"]
                if r["ruleId"] == "countersign-gate")
    assert sorted(a["state"] for a in gate["properties"]["approvals"]) == ["unknown-key", "valid"]


@pytest.mark.parametrize(("setup", "message"), [
    (lambda t: (t.root / "allowed_signers").write_text("sam@example.com ssh-foo AAAA\n"),
     "allowed_signers:1"),
    (lambda t: (t.root / "allowed_signers").unlink(), "allowed_signers"),
])
def test_bad_signer_lists_are_usage_errors_naming_the_file(
    team: Team, setup: Callable[[Team], object], message: str
) -> None:
    drop(team.repo)
    team.approve(SAM, "sam")
    setup(team)
    code, _, err = team.verify()
    assert code == 2
    assert message in err and "hint:" in err


def test_verify_needs_no_ssh_keygen_and_approve_says_how_to_install_it(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop(team.repo)
    team.approve(SAM, "sam")
    git_dir = Path(subprocess.run(["sh", "-c", "command -v git"], capture_output=True,
                                  text=True, check=True).stdout.strip()).parent
    bare = team.root / "bin"
    bare.mkdir()
    (bare / "git").symlink_to(git_dir / "git")
    monkeypatch.setenv("PATH", str(bare))
    # ed25519 signatures are checked in process: verify runs, the owner is still missing
    code, out, _ = team.verify()
    assert code == 1 and "needs senior+owner sign-off" in out
    assert team.states() == {"sam@example.com (senior)": "valid"}
    # signing is ssh-keygen's (the private key or the agent is the reviewer's)
    code, _, err = team.approve(OLGA, "olga", "--role", "owner")
    assert code == 1
    assert "ssh-keygen was not found on PATH" in err
    assert "hint: sudo apt-get install openssh-client" in err


def test_approve_without_a_signing_key_says_how_to_configure_one(team: Team) -> None:
    drop(team.repo)
    git(team.repo, "config", "gpg.format", "ssh")
    team.env.setenv("GIT_COMMITTER_EMAIL", "sam@example.com")
    code, _, err = team.cli("approve")
    assert code == 1
    assert "git config --global gpg.format ssh" in err
    assert "user.signingKey" in err


def test_approve_never_signs_in_someone_elses_name(team: Team) -> None:
    drop(team.repo)
    code, _, err = team.cli("approve", "--as", SAM)
    assert code == 2
    assert "--as is gone" in err


def _review(login: str, user_id: int, commit_id: str, state: str = "APPROVED") -> dict[str, object]:
    """One review as GitHub's REST API returns it (the fields countersign reads, and more)."""
    return {"id": user_id * 10, "user": {"login": login, "id": user_id, "type": "User"},
            "body": "", "state": state, "commit_id": commit_id,
            "submitted_at": "2026-11-23T13:00:00Z", "author_association": "MEMBER"}


def test_forge_reviews_of_this_content_count_when_mapped_to_people(team: Team) -> None:
    team.policy.write_text(POLICY.replace('["sam.home@gmail.com"]', '["sam.home@gmail.com", '
                                          '"@sam"]') + '"olga@example.com" = ["@olga"]\n')
    old = drop(team.repo)
    write(team.repo, "migrations/001.sql", DROP + "-- and a comment\n")
    git(team.repo, "add", "-A")
    commit(team.repo, "--amend", "--no-edit")
    tip = git(team.repo, "rev-parse", "HEAD").strip()
    reviews = team.root / "reviews.json"
    reviews.write_text(json.dumps([_review("sam", 1, tip), _review("olga", 2, old),
                                   _review("mallory", 3, tip)]))
    code, out, _ = team.verify("--forge-reviews", f"github:{reviews}")
    assert code == 1
    assert team.states("--forge-reviews", f"github:{reviews}") == {
        "sam@example.com (None)": "valid", "olga@example.com (None)": "not-this-content",
        "@mallory (None)": "not-allowed"}
    assert "is not mapped to a person: add it to [people]" in out
    reviews.write_text(json.dumps([_review("sam", 1, tip), _review("olga", 2, tip)]))
    code, out, _ = team.verify("--forge-reviews", f"github:{reviews}")
    assert code == 0, out


def test_a_malformed_forge_review_file_is_a_usage_error(team: Team) -> None:
    drop(team.repo)
    reviews = team.root / "reviews.json"
    reviews.write_text('{"reviews": "not a list"}')
    code, _, err = team.verify("--forge-reviews", f"github:{reviews}")
    assert code == 2
    assert f"the forge reviews in {reviews} cannot be counted" in err


@pytest.mark.skipif(shutil.which("gpg") is None, reason="gpg is not installed")
def test_an_openpgp_signed_approval_counts(team: Team, tmp_path: Path) -> None:
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    team.env.setenv("GNUPGHOME", str(home))
    fpr = gpg_key(home, SAM)
    (team.root / "reviewers.asc").write_text(gpg(home, "--armor", "--export", fpr))
    team.policy.write_text(POLICY.replace('allowed_signers = "allowed_signers"',
                                          'gpg_keys = "reviewers.asc"'))
    drop(team.repo)
    git(team.repo, "config", "user.signingKey", fpr)
    with team.env.context() as env:
        env.setenv("GIT_COMMITTER_NAME", "Sam Senior")
        env.setenv("GIT_COMMITTER_EMAIL", "sam@example.com")
        code, out, _ = team.cli("approve")
    assert code == 0, out
    assert "(OpenPGP key" in out
    assert team.states() == {"sam@example.com (senior)": "valid"}


def test_gitlab_approvals_count_when_bound_to_the_verified_head(team: Team) -> None:
    team.policy.write_text(POLICY.replace('["sam.home@gmail.com"]', '["sam.home@gmail.com", '
                                          '"@sam"]') + '"olga@example.com" = ["@olga"]\n')
    tip = drop(team.repo)
    recorded = json.loads((DATA / "gitlab-approvals.json").read_text())
    recorded["merge_request"]["sha"] = tip
    recorded["approvals"]["approved_by"] = [
        {"user": {"name": "Sam Senior", "username": "sam", "id": 2, "state": "active"}},
        {"user": {"name": "Olga Owner", "username": "olga", "id": 4, "state": "active"}}]
    approvals = team.root / "gitlab.json"
    approvals.write_text(json.dumps(recorded))
    code, out, _ = team.verify("--forge-reviews", f"gitlab:{approvals}")
    assert code == 0, out
    # approvals that GitLab does not reset on push cannot be tied to this content
    recorded["project_approvals"]["reset_approvals_on_push"] = False
    approvals.write_text(json.dumps(recorded))
    code, _, err = team.verify("--forge-reviews", f"gitlab:{approvals}")
    assert code == 2
    assert "reset_approvals_on_push: is False: approvals survive pushes" in err
    assert "docs/ci/gitlab-approvals.md" in err


def test_the_report_counts_sign_offs(team: Team) -> None:
    drop(team.repo)
    team.approve(SAM, "sam")
    team.approve(SAM, "ada")  # forged: Ada's key in Sam's name
    write(team.repo, "migrations/002.sql", "DROP TABLE orders;\n")
    ai_file(team.repo, "migrations/002.sql", "DROP TABLE orders;\n", {0: AGENT})
    git(team.repo, "add", "-A")
    commit(team.repo, "-m", "second drop")
    code, out, _ = team.cli("report", "--format", "json", "--policy", str(team.policy))
    assert code == 0
    assert json.loads(out)["signoffs"] == {"valid": 1, "missing": 2, "forged": 1, "stale": 0}
