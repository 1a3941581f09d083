"""The gate's judgement of one commit: declared versus recomputed tier, and sign-off.

A commit passes when (1) it carries countersign trailers or the policy does not require
them, (2) its declared tier is not lower than the tier recomputed from its content, and
(3) the review required by the higher of the two tiers is present as ``Approved-by``
trailers from reviewers of that level who are not the author. ``senior+owner`` needs two
distinct people: one senior, one owner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from countersign.core.config import Config
from countersign.core.tiers import Review, Tier
from countersign.core.trailers import Declared, Stamp, email_of


@dataclass(frozen=True)
class Commit:
    """What the gate knows about one commit."""

    sha: str
    subject: str
    author: str
    """``Name <email>`` of the author."""
    declared: Declared
    recomputed: Stamp
    has_note: bool
    extra_approvers: tuple[str, ...] = ()
    """Approvals recorded outside the message (the approvals notes ref)."""
    added: Mapping[str, Mapping[int, str]] = field(default_factory=dict)
    """Path -> 0-based line -> text of the lines the commit added (for reports)."""
    time: int = 0
    """Commit time, seconds since the epoch."""


@dataclass(frozen=True)
class Verdict:
    commit: Commit
    tier: Tier
    review: Review
    approvers: tuple[str, ...]
    """The approvals that counted towards the required review."""
    failures: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.failures


def judge(commit: Commit, config: Config) -> Verdict:
    """Apply the three checks of the module docstring to ``commit``."""
    failures: list[str] = list(commit.declared.malformed)
    declared = commit.declared
    if not declared.stamped:
        if config.require_trailers:
            failures.append("no countersign trailers: the commit hook did not run "
                            "(install it with `countersign hook install`)")
    elif declared.tier is not None and declared.tier < commit.recomputed.tier:
        rules = ", ".join(commit.recomputed.rule_ids())
        failures.append(f"declares Review-Tier: {declared.tier.label} but its content is "
                        f"{commit.recomputed.tier.label} ({rules})")
    tier = max(commit.recomputed.tier, declared.tier or Tier.NONE)
    review = max(config.required_review(tier), commit.recomputed.review,
                 declared.review or Review.NONE)
    approvals = (*declared.approvers, *commit.extra_approvers)
    counted, missing = check_approvals(review, approvals, commit.author, config.reviewers)
    if missing:
        failures.append(missing)
    return Verdict(commit, tier, review, counted, tuple(failures))


def check_approvals(
    review: Review,
    approvers: Sequence[str],
    author: str,
    reviewers: Mapping[str, Sequence[str]],
) -> tuple[tuple[str, ...], str | None]:
    """The approvals that satisfy ``review``, and what is missing (``None`` when nothing)."""
    if review == Review.NONE:
        return (), None
    author_email = email_of(author)
    others = _unique([a for a in approvers if email_of(a) != author_email])
    self_approved = any(email_of(a) == author_email for a in approvers)
    note = " (the author's own approval does not count)" if self_approved else ""
    levels = {k: {e.lower() for e in v} for k, v in reviewers.items()}
    peers = levels.get("peer", set()) | levels.get("senior", set()) | levels.get("owner", set())
    if review == Review.PEER:
        ok = [a for a in others if not levels.get("peer") or email_of(a) in peers]
        if ok:
            return (ok[0],), None
        return (), ("needs peer sign-off: an Approved-by from a reviewer other than the "
                    f"author{note}")
    seniors = [a for a in others if email_of(a) in levels.get("senior", set())]
    if review == Review.SENIOR:
        if seniors:
            return (seniors[0],), None
        return (), "needs senior sign-off: an Approved-by from a senior reviewer" + \
            _who(levels, "senior") + note
    owners = [a for a in others if email_of(a) in levels.get("owner", set())]
    for senior in seniors:
        for owner in owners:
            if email_of(owner) != email_of(senior):
                return (senior, owner), None
    return (), ("needs senior+owner sign-off: Approved-by from a senior reviewer and a "
                "different code owner" + _who(levels, "senior", "owner") + note)


def _who(levels: Mapping[str, set[str]], *names: str) -> str:
    if any(levels.get(n) for n in names):
        return ""
    return (f" (the policy names no {' or '.join(names)} reviewers: add "
            f"[reviewers] {names[0]} = [\"email\", ...] to it)")


def _unique(people: Sequence[str]) -> list[str]:
    seen: dict[str, str] = {}
    for person in people:
        seen.setdefault(email_of(person), person)
    return list(seen.values())
