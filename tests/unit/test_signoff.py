"""Who may sign off which review level."""

from __future__ import annotations

import pytest

from countersign.core.signoff import check_approvals
from countersign.core.tiers import Review

AUTHOR = "Ada Author <ada@example.com>"
REVIEWERS = {"peer": ["pat@example.com"], "senior": ["sam@example.com", "ada@example.com"],
             "owner": ["olga@example.com", "sam@example.com"]}
SAM, OLGA, PAT = "Sam <SAM@example.com>", "Olga <olga@example.com>", "Pat <pat@example.com>"


@pytest.mark.parametrize(("review", "approvers", "ok"), [
    (Review.NONE, [], True),
    (Review.PEER, [PAT], True),
    (Review.PEER, [SAM], True),  # a senior is also a peer
    (Review.PEER, ["Eve <eve@example.com>"], False),  # not a listed reviewer
    (Review.PEER, [AUTHOR], False),
    (Review.SENIOR, [PAT], False),
    (Review.SENIOR, [SAM], True),  # emails compare case-insensitively
    (Review.SENIOR, [AUTHOR], False),  # a senior author cannot approve their own change
    (Review.SENIOR_OWNER, [SAM], False),  # one person, even in both lists, is not two
    (Review.SENIOR_OWNER, [SAM, SAM], False),
    (Review.SENIOR_OWNER, [SAM, OLGA], True),
    (Review.SENIOR_OWNER, [OLGA, PAT], False),
])
def test_check_approvals(review: Review, approvers: list[str], ok: bool) -> None:
    _, missing = check_approvals(review, approvers, AUTHOR, REVIEWERS)
    assert (missing is None) == ok


def test_peer_review_without_a_peer_list_accepts_anyone_but_the_author() -> None:
    assert check_approvals(Review.PEER, ["Eve <eve@x.io>"], AUTHOR, {})[1] is None
    assert check_approvals(Review.PEER, [AUTHOR], AUTHOR, {})[1] is not None


def test_missing_reviewer_lists_are_named_in_the_failure() -> None:
    _, missing = check_approvals(Review.SENIOR, [SAM], AUTHOR, {})
    assert missing is not None and "add [reviewers] senior" in missing
