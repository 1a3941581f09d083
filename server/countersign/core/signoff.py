"""The gate's judgement of one commit: declared versus recomputed tier, and sign-off.

A commit passes when (1) it carries countersign trailers or the policy does not require
them, (2) its declared tier is not lower than the tier recomputed from its content, and
(3) the review required by the higher of the two tiers (for this author's level, and
whatever the provenance where the policy says so) is given by approvals that count.

An approval counts when its evidence holds (a signature that verifies against the policy's
signers and covers this exact content, or a forge review of this content), the approver is
neither an author nor a committer of the change, and the policy grants the role it claims.
Under a policy that names signers, a typed ``Approved-by`` trailer or an unsigned note counts
for nothing. ``senior+owner`` needs two different people: a senior, and an owner of the files
that raised the tier (every CODEOWNERS requirement that matches them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from countersign.core.config import Config
from countersign.core.standing import Standing
from countersign.core.tiers import Review, Tier
from countersign.core.trailers import Declared, Stamp, email_of, review_needed

VALID = "valid"
STATES = {
    VALID: "valid",
    "bad-signature": "the signature does not verify",
    "unknown-key": "signed by a key the policy does not list for this person",
    "key-not-valid-at-time": "signed by a key outside its validity period",
    "wrong-namespace": "signed for another purpose (namespace)",
    "malformed": "the approval record is corrupt",
    "stale": "the approved content changed since",
    "own-change": "the approver wrote or committed the change",
    "not-allowed": "the policy does not grant the role it claims",
    "unsigned": "not signed; the policy counts only signed approvals",
    "not-this-content": "the review was of other content",
}
"""Every state an approval can be in, with what it means."""
ROLES = ("peer", "senior", "owner")


@dataclass(frozen=True)
class Approval:
    """One piece of evidence that someone approved a commit, and what the gate made of it."""

    who: str
    """``Name <email>``, an e-mail, or a forge ``@login``."""
    source: str
    """``ssh`` or ``openpgp`` (signed records), ``github``/``gitlab`` (forge reviews),
    ``trailer`` (a typed ``Approved-by``) or ``note`` (an unsigned approvals note)."""
    role: str | None = None
    """The role a signed record claims; ``None``: any role the policy grants."""
    state: str = VALID
    detail: str = ""
    """What exactly is wrong (or, for a valid signature, the key)."""
    person: str = ""
    """The approver as the policy knows them (canonical e-mail); set by the gate."""

    @property
    def email(self) -> str:
        return email_of(self.who) if "<" in self.who else self.who.strip().lower()

    @property
    def key(self) -> str:
        """Who this is, for telling people apart."""
        return self.person or self.email

    @property
    def counts(self) -> bool:
        return self.state == VALID

    def describe(self) -> str:
        role = f" as {self.role}" if self.role else ""
        what = STATES.get(self.state, self.state)
        detail = f": {self.detail}" if self.detail and self.state != VALID else ""
        return f"{self.who}{role} ({self.source}) {self.state}" + \
            ("" if self.state == VALID else f" - {what}{detail}")


@dataclass(frozen=True)
class OwnerRule:
    """Approvals needed from the owners of some of the changed files."""

    label: str
    """Where the rule comes from, e.g. ``CODEOWNERS:7 app/payments/`` or ``[reviewers] owner``."""
    emails: frozenset[str]
    count: int = 1


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
    approvals: tuple[Approval, ...] = ()
    """Evidence recorded outside the message: signed records, forge reviews, notes."""
    added: Mapping[str, Mapping[int, str]] = field(default_factory=dict)
    """Path -> 0-based line -> text of the lines the commit added (for reports)."""
    time: int = 0
    """Commit time, seconds since the epoch."""
    committer: str = ""
    """``Name <email>`` of the committer."""
    all_lines_tier: Tier | None = None
    """The tier were every added line AI-written (for reviews regardless of provenance)."""
    owners: tuple[OwnerRule, ...] | None = None
    """Code owners of the files that raised the tier (``None``: no CODEOWNERS file)."""
    changed_policy: tuple[str, ...] = ()
    """Files the gate is checked against (policy, signers, CODEOWNERS) that this commit edits."""
    autonomy: Standing | None = None
    """The AI tools' standing under the policy's ``[autonomy]`` (``None`` without one)."""


@dataclass(frozen=True)
class Verdict:
    commit: Commit
    tier: Tier
    review: Review
    approvers: tuple[str, ...]
    """The approvals that counted towards the required review."""
    failures: tuple[str, ...] = field(default_factory=tuple)
    approvals: tuple[Approval, ...] = ()
    """Every approval seen, with the state the gate gave it."""
    autonomy: tuple[str, ...] = ()
    """Why the tools' standing changed the review (``[autonomy]``)."""

    @property
    def ok(self) -> bool:
        return not self.failures


def judge(commit: Commit, config: Config) -> Verdict:
    """Apply the checks of the module docstring to ``commit``."""
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
    review, reasons = required_review(commit, config, tier)
    if commit.changed_policy:
        review = Review.SENIOR_OWNER
        failures_note = (f"edits {', '.join(commit.changed_policy)}, which the gate is checked "
                         "against: it needs senior+owner sign-off under the base branch's policy")
    else:
        failures_note = ""
    approvals = tuple(_assess(a, commit, config) for a in _evidence(commit, config))
    granted = {a.key: roles_of(a.key, commit, config) for a in approvals if a.counts}
    counted, missing = check_approvals(review, approvals, granted,
                                       _owner_rules(commit, config), config.reviewers)
    if missing:
        failures.append(f"{failures_note}; {missing}" if failures_note else missing)
    return Verdict(commit, tier, review, counted, tuple(failures), approvals, reasons)


def trusts_typed_trailers(config: Config, verdicts: Iterable[Verdict]) -> bool:
    """Whether typed ``Approved-by`` lines counted: the policy names no signers, so anyone
    can write an approval (``verify`` warns about it)."""
    return not config.signoff.names_signers and any(
        a.source in ("trailer", "note") and a.counts for v in verdicts for a in v.approvals)


def required_review(commit: Commit, config: Config,
                    tier: Tier) -> tuple[Review, tuple[str, ...]]:
    """The review ``commit`` needs at ``tier`` (``review_needed``), by its recomputed AI
    tools' standing."""
    decide = None
    if commit.autonomy is not None:
        standing = commit.autonomy
        tools = {str(o.tool) for lines in commit.recomputed.ai_lines.values()
                 for o in lines.values()}

        def decide(base: Review) -> tuple[Review, tuple[str, ...]]:
            decision = standing.review(tools, tier, base)
            return decision.review, decision.reasons

    return review_needed(config, tier, email_of(commit.author), decide,
                         commit.all_lines_tier, bool(commit.recomputed.suppressed_ids()))


def _evidence(commit: Commit, config: Config) -> list[Approval]:
    typed = [Approval(who, "trailer") for who in commit.declared.approvers]
    return typed + list(commit.approvals)


def _assess(approval: Approval, commit: Commit, config: Config) -> Approval:
    """``approval`` with the state the policy gives it (evidence already checked)."""
    if not approval.counts:
        return approval
    policy = config.signoff
    if approval.source in ("trailer", "note") and policy.names_signers \
            and not policy.trust_trailers:
        return replace(approval, state="unsigned",
                       detail="anyone can type it; run `countersign approve` with your "
                              "signing key")
    person = policy.person(approval.email)
    approval = replace(approval, person=person)
    makers = {policy.person(handle) for p in (commit.author, commit.committer) if p
              for handle in (email_of(p), _name(p)) if handle}
    names = {_name(p) for p in (commit.author, commit.committer) if _name(p)}
    if person in makers or (_name(approval.who) and _name(approval.who) in names):
        return replace(approval, state="own-change",
                       detail=f"{commit.sha[:10]} was written or committed by them")
    if approval.role is not None and approval.role not in roles_of(person, commit, config):
        return replace(approval, state="not-allowed",
                       detail=f"{approval.email} is not a {approval.role} reviewer in the policy")
    return approval


def _name(person: str) -> str:
    name = person.partition("<")[0].strip().lower() if "<" in person else ""
    return name if len(name) > 2 else ""


def roles_of(person: str, commit: Commit, config: Config) -> set[str]:
    """The roles the policy grants ``person`` (a canonical e-mail) for ``commit``."""
    levels = _levels(config)
    roles = set()
    if not levels.get("peer") or person in levels["peer"] | levels.get("senior", set()) \
            | levels.get("owner", set()):
        roles.add("peer")
    if person in levels.get("senior", set()):
        roles.add("senior")
    if any(person in rule.emails for rule in _owner_rules(commit, config)):
        roles.add("owner")
    return roles


def _levels(config: Config) -> dict[str, set[str]]:
    policy = config.signoff
    return {k: {policy.person(e) for e in v} for k, v in config.reviewers.items()}


def _owner_rules(commit: Commit, config: Config) -> tuple[OwnerRule, ...]:
    if commit.owners:
        return commit.owners
    owners = _levels(config).get("owner", set())
    return (OwnerRule("[reviewers] owner", frozenset(owners)),) if owners else ()


def check_approvals(
    review: Review,
    approvals: Sequence[Approval],
    granted: Mapping[str, set[str]],
    owners: Sequence[OwnerRule],
    reviewers: Mapping[str, Sequence[str]],
) -> tuple[tuple[str, ...], str | None]:
    """The approvals that satisfy ``review``, and what is missing (``None`` when nothing).

    ``granted``: person -> roles the policy grants them; ``owners``: the owner rules to meet.
    """
    if review == Review.NONE:
        return (), None
    valid = _unique(a for a in approvals if a.counts)
    why = "" if valid or not approvals else f" ({len(approvals)} refused, see above)"

    def acting(role: str) -> list[Approval]:
        return [a for a in valid if a.role in (None, role) and role in granted.get(a.key, ())]

    if review == Review.PEER:
        if acting("peer"):
            return (acting("peer")[0].who,), None
        return (), ("needs peer sign-off: an approval from a reviewer other than the author"
                    + why)
    seniors = acting("senior")
    if review == Review.SENIOR:
        if seniors:
            return (seniors[0].who,), None
        return (), ("needs senior sign-off: an approval from a senior reviewer"
                    + _who(reviewers, "senior") + why)
    for senior in seniors:
        picked = _owners_for(owners, [a for a in acting("owner") if a.key != senior.key])
        if picked is not None:
            return (senior.who, *picked), None
    return (), ("needs senior+owner sign-off: approvals from a senior reviewer and a "
                "different code owner" + _owned_by(owners) + _who(reviewers, "senior") + why)


def _owners_for(rules: Sequence[OwnerRule], candidates: list[Approval]) -> list[str] | None:
    """Owner approvals meeting every rule (``None`` when some rule is not met)."""
    if not rules:
        return None
    picked: dict[str, str] = {}
    for rule in rules:
        matching = [a for a in candidates if a.key in rule.emails]
        if len(matching) < rule.count:
            return None
        for a in matching[:rule.count]:
            picked.setdefault(a.key, a.who)
    return list(picked.values())


def _owned_by(rules: Sequence[OwnerRule]) -> str:
    if not rules:
        return " (nobody owns these files: add them to CODEOWNERS or [reviewers] owner " \
               "in the policy)"
    return " (owners: " + "; ".join(
        f"{rule.label}: {', '.join(sorted(rule.emails)) or 'nobody the policy knows'}"
        + (f" x{rule.count}" if rule.count > 1 else "") for rule in rules) + ")"


def _who(reviewers: Mapping[str, Sequence[str]], *names: str) -> str:
    if any(reviewers.get(n) for n in names):
        return ""
    return (f" (the policy names no {' or '.join(names)} reviewers: add "
            f"[reviewers] {names[0]} = [\"email\", ...] to it)")


def _unique(approvals: Iterable[Approval]) -> list[Approval]:
    seen: dict[tuple[str, str | None], Approval] = {}
    for approval in approvals:
        seen.setdefault((approval.key, approval.role), approval)
    return list(seen.values())
