"""Who may sign off which review level, and which approvals the gate refuses (pure judge)."""

from __future__ import annotations

import dataclasses

import pytest

from countersign.core.config import Config
from countersign.core.policy import SignoffPolicy
from countersign.core.signoff import Approval, Commit, OwnerRule, judge
from countersign.core.tiers import Review, Tier
from countersign.core.trailers import Declared, Stamp

AUTHOR = "Ada Author <ada@example.com>"
REVIEWERS = {"peer": ("pat@example.com",), "senior": ("sam@example.com", "ada@example.com"),
             "owner": ("olga@example.com", "sam@example.com")}
SAM, OLGA, PAT = "Sam <SAM@example.com>", "Olga <olga@example.com>", "Pat <pat@example.com>"
SIGNERS = SignoffPolicy(allowed_signers=None, people={"sam@example.com": ("Sam Senior",
                                                                         "sam.home@gmail.com")})


def commit(tier: Tier, *approvals: Approval, author: str = AUTHOR, committer: str = "",
           **extra: object) -> Commit:
    stamp = Stamp(1, {}, (), tier, Review.NONE)
    declared = Declared(stamped=True, tier=tier)
    return Commit("c0ffee" * 6 + "abcd", "change", author, declared, stamp, True, approvals,
                  committer=committer or author, **extra)  # type: ignore[arg-type]


def config(tier_review: dict[Tier, Review] | None = None, **signoff: object) -> Config:
    base = Config(reviewers=REVIEWERS, signoff=dataclasses.replace(SIGNERS, **signoff))
    if tier_review:
        base = dataclasses.replace(base, review={**base.review, **tier_review})
    return base


def signed(who: str, role: str | None = None, state: str = "valid") -> Approval:
    return Approval(who, "ssh", role, state)


@pytest.mark.parametrize(("tier", "approvals", "ok"), [
    (Tier.NONE, [], True),
    (Tier.MEDIUM, [signed(PAT, "peer")], True),
    (Tier.MEDIUM, [signed(SAM, "peer")], True),  # a senior is also a peer
    (Tier.MEDIUM, [signed("Eve <eve@example.com>", "peer")], False),  # not a listed reviewer
    (Tier.MEDIUM, [signed(AUTHOR, "peer")], False),
    (Tier.HIGH, [signed(PAT, "peer")], False),
    (Tier.HIGH, [signed(SAM, "senior")], True),  # emails compare case-insensitively
    (Tier.HIGH, [signed(AUTHOR, "senior")], False),  # a senior author cannot approve their own
    (Tier.HIGH, [signed(PAT, "senior")], False),  # claims a role the policy does not grant
    (Tier.HIGH, [signed(SAM, "senior", "bad-signature")], False),
    (Tier.HIGH, [signed(SAM, "senior", "stale")], False),
    (Tier.CRITICAL, [signed(SAM, "senior")], False),  # one person is not two
    (Tier.CRITICAL, [signed(SAM, "senior"), signed(SAM, "owner")], False),
    (Tier.CRITICAL, [signed(SAM, "senior"), signed(OLGA, "owner")], True),
    (Tier.CRITICAL, [signed(OLGA, "owner"), signed(PAT, "peer")], False),
])
def test_signed_approvals(tier: Tier, approvals: list[Approval], ok: bool) -> None:
    assert judge(commit(tier, *approvals), config()).ok is ok


def test_typed_trailers_count_for_nothing_under_a_policy_that_names_signers(tmp_path) -> None:
    typed = Approval(SAM, "trailer")
    policy = config(allowed_signers=tmp_path / "allowed_signers")
    verdict = judge(commit(Tier.HIGH, typed), policy)
    assert not verdict.ok
    assert [a.state for a in verdict.approvals] == ["unsigned"]
    assert "1 refused, see above" in verdict.failures[0]
    # behind a review server that writes the trailers, the policy may trust them
    trusting = config(allowed_signers=tmp_path / "allowed_signers", trust_trailers=True)
    assert judge(commit(Tier.HIGH, typed), trusting).ok
    # and a policy that names no signers still counts them (and verify warns)
    assert judge(commit(Tier.HIGH, typed), config()).ok


@pytest.mark.parametrize("maker", [
    {"author": "Sam <sam.home@gmail.com>"},  # the same person under another address
    {"author": "Sam Senior <someone@elsewhere.org>"},  # known by name
    {"committer": "Sam <sam@example.com>"},  # Sam committed Ada's change
])
def test_the_approver_is_neither_author_nor_committer(maker: dict[str, str]) -> None:
    verdict = judge(commit(Tier.HIGH, signed(SAM, "senior"), **maker), config())
    assert not verdict.ok
    assert verdict.approvals[0].state == "own-change"


def test_owners_come_from_the_owner_rules_when_there_are_some() -> None:
    rules = (OwnerRule("CODEOWNERS:3 app/payments/", frozenset({"lee@example.com"})),)
    lee = Approval("Lee <lee@example.com>", "ssh", "owner")
    olga = signed(OLGA, "owner")
    assert judge(commit(Tier.CRITICAL, signed(SAM, "senior"), lee, owners=rules), config()).ok
    refused = judge(commit(Tier.CRITICAL, signed(SAM, "senior"), olga, owners=rules), config())
    assert not refused.ok and refused.approvals[1].state == "not-allowed"
    assert "CODEOWNERS:3 app/payments/: lee@example.com" in refused.failures[0]


def test_gitlab_sections_each_need_their_count() -> None:
    rules = (OwnerRule("[Payments]", frozenset({"lee@example.com", "kim@example.com"}), 2),)
    lee = Approval("Lee <lee@example.com>", "ssh", "owner")
    kim = Approval("Kim <kim@example.com>", "ssh", "owner")
    assert not judge(commit(Tier.CRITICAL, signed(SAM, "senior"), lee, owners=rules),
                     config()).ok
    assert judge(commit(Tier.CRITICAL, signed(SAM, "senior"), lee, kim, owners=rules),
                 config()).ok


def test_review_depends_on_the_authors_level() -> None:
    senior_author = "Sid <sid@example.com>"
    policy = config(authors={"senior": ("sid@example.com",), "junior": ("jo@example.com",)},
                    review_by_author={"senior": {Tier.HIGH: Review.PEER}})
    assert judge(commit(Tier.HIGH, signed(PAT, "peer"), author=senior_author), policy).ok
    assert not judge(commit(Tier.HIGH, signed(PAT, "peer"), author="Jo <jo@example.com>"),
                     policy).ok
    # an author the policy does not know gets the [review] table: the safe default
    assert not judge(commit(Tier.HIGH, signed(PAT, "peer"), author="X <x@example.com>"),
                     policy).ok


def test_review_whatever_the_provenance() -> None:
    """Provenance rewritten to 'no AI': the content is still critical, review still due."""
    policy = config(regardless={Tier.CRITICAL: Review.SENIOR})
    no_ai = commit(Tier.NONE, all_lines_tier=Tier.CRITICAL)
    verdict = judge(no_ai, policy)
    assert not verdict.ok and verdict.review == Review.SENIOR
    assert judge(commit(Tier.NONE, signed(SAM, "senior"), all_lines_tier=Tier.CRITICAL),
                 policy).ok
    assert judge(commit(Tier.NONE, all_lines_tier=Tier.MEDIUM), policy).ok


def test_a_change_to_the_gates_own_files_needs_senior_and_owner() -> None:
    change = commit(Tier.NONE, signed(SAM, "senior"), changed_policy=("allowed_signers",))
    verdict = judge(change, config())
    assert not verdict.ok and "edits allowed_signers, which the gate is checked against" \
        in verdict.failures[0]
    assert judge(commit(Tier.NONE, signed(SAM, "senior"), signed(OLGA, "owner"),
                        changed_policy=("allowed_signers",)), config()).ok


def test_no_reviewers_in_policy_says_how_to_add_them() -> None:
    verdict = judge(commit(Tier.HIGH, signed(SAM, "senior")), Config())
    assert "add [reviewers] senior" in verdict.failures[0]
