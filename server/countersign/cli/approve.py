"""``countersign approve [REV | RANGE]``: sign off commits with your own signing key.

Each approval is a signed record (an in-toto Statement in a DSSE envelope, see
``docs/signoff.md``) of who approved, in which role, which commit, the digest of its exact
change, its tier and rules. It is appended to the note of the approved commit in
``refs/notes/countersign-approvals``: history is never rewritten, several reviewers can
approve the same commit, and ``verify`` finds the approval again after a message-only amend
or a rebase that leaves the change as it was. It is signed with the key git signs with
(``gpg.format`` ssh or openpgp, ``user.signingKey``), so nobody can approve in someone
else's name: the policy's allowed signers decide whose key counts for whom.
"""

from __future__ import annotations

import argparse
import time

from countersign.cli.common import repository_context
from countersign.cli.errors import UserError
from countersign.cli.gate_inputs import policy_file
from countersign.cli.verify import evaluate
from countersign.core.attestation import ROLES, Approval, Role
from countersign.core.config import Config
from countersign.core.signoff import Verdict
from countersign.core.tiers import Review
from countersign.core.trailers import email_of
from countersign.store import commits
from countersign.store.approvals import ContentDigest, append_approval, content_digests
from countersign.store.commits import APPROVALS_REF
from countersign.store.gitcli import Git, GitError
from countersign.store.signing import SigningError, SigningKey, sign_approval, signing_key


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("approve", help="sign off commits with your signing key",
                            description="Approve REV (default HEAD) or every commit of a "
                                        "RANGE such as origin/main..HEAD, with the key git "
                                        "signs with.")
    parser.add_argument("revs", nargs="*", metavar="REV|RANGE")
    parser.add_argument("--role", choices=ROLES,
                        help="the role you approve in (default: senior when the change "
                             "needs a senior, else peer); code owners pass --role owner")
    parser.add_argument("--policy", metavar="FILE|REV:PATH",
                        help="organisation policy, for the tier and review the record states")
    parser.add_argument("--as", dest="who", help=argparse.SUPPRESS)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.who:
        raise UserError("--as is gone: an approval is signed with your own key, in your own "
                        "name (git's identity: user.name / user.email)",
                        "ask the person to run `countersign approve` themselves", 2)
    with policy_file(args.policy) as (policy, _):
        context = repository_context("run it in the repository whose commits you approve",
                                     policy)
        repo = context.workspace.git()
        who = _identity(repo)
        shas = _commits(repo, args.revs or ["HEAD"])
        _refuse_own(repo, who, shas)
        try:
            key = signing_key(repo)
        except SigningError as exc:
            raise UserError(exc.message, exc.hint) from None
        verdicts = {v.commit.sha: v for v in evaluate(context, repo, ["--no-walk", *shas])}
        digests = content_digests(repo, shas)
        for sha in shas:
            role = args.role or _default_role(context.config, who, verdicts[sha])
            _approve(repo, key, who, verdicts[sha], digests[sha], role)
    print(f"push them with: git push origin {APPROVALS_REF}")
    return 0


def _default_role(config: Config, who: str, verdict: Verdict) -> Role:
    """The role the policy grants ``who`` that this change needs most; without reviewer
    lists, senior when the change needs a senior."""
    person = config.signoff.person(email_of(who))
    listed = {level: {config.signoff.person(e) for e in emails}
              for level, emails in config.reviewers.items()}
    if not listed:
        return "senior" if verdict.review >= Review.SENIOR else "peer"
    if person in listed.get("senior", ()) and verdict.review >= Review.SENIOR:
        return "senior"
    if person in listed.get("owner", ()) and verdict.review >= Review.SENIOR_OWNER:
        return "owner"
    return "senior" if person in listed.get("senior", ()) else "peer"


def _approve(repo: Git, key: SigningKey, who: str, verdict: Verdict, digest: ContentDigest,
             chosen: Role) -> None:
    approval = Approval(who, chosen, verdict.commit.sha, digest.digest, digest.files,
                        verdict.tier, verdict.review, tuple(verdict.commit.recomputed.rule_ids()),
                        int(time.time()), key.method)
    try:
        record = sign_approval(key, approval)
    except SigningError as exc:
        raise UserError(exc.message, exc.hint) from None
    append_approval(repo, verdict.commit.sha, record)
    rules = ", ".join(approval.rules) or "no rules"
    print(f"Approved {verdict.commit.sha[:10]} {verdict.commit.subject} as {chosen} "
          f"({key.describe()}): tier {verdict.tier.label} ({rules}), "
          f"needs {verdict.review.label}")


def _identity(repo: Git) -> str:
    """Who git says you are here (``GIT_COMMITTER_*``, else user.name and user.email)."""
    who = repo.identity()
    if who is None or "<>" in who:
        raise UserError("no approver identity: git config user.name / user.email are unset",
                        'git config --global user.name "Your Name" && '
                        "git config --global user.email you@example.com", 2)
    return who


def _commits(repo: Git, revs: list[str]) -> list[str]:
    """The commits ``revs`` name: one commit, or every commit of a range (oldest first)."""
    if len(revs) == 1 and ".." not in revs[0] and not revs[0].startswith("^"):
        sha = commits.resolve_commit(repo, revs[0])
        if sha is None:
            raise UserError(f"no commit named {revs[0]!r}", "pass a commit, e.g. HEAD", 2)
        return [sha]
    try:
        shas = repo.text("rev-list", "--reverse", "--end-of-options", *revs, "--").split()
    except GitError as exc:
        raise UserError(f"git cannot read {' '.join(revs)}: {exc.stderr.strip()}",
                        "pass a commit or a range, e.g. origin/main..HEAD", 2) from None
    if not shas:
        raise UserError(f"{' '.join(revs)} holds no commits", "pass a non-empty range", 2)
    return shas


def _refuse_own(repo: Git, who: str, shas: list[str]) -> None:
    """Authors and committers cannot approve their own change (``verify`` checks it too)."""
    mine = email_of(who)
    for sha in shas:
        people = repo.text("log", "-1", "--format=%ae%n%ce", sha, "--").lower().split()
        if mine in people:
            raise UserError(f"{who} wrote or committed {sha[:10]}; authors and committers "
                            "cannot approve their own changes",
                            "ask a reviewer of the required level to run `countersign approve`")

