"""What the gate reads besides the commits themselves: approvals and code owners.

Approvals come from three places: signed records in ``refs/notes/countersign-approvals``
(matched to a commit by the digest of its change, so they survive a message-only amend or
a rebase over other files), the forge's review records fetched by the CI job
(``--forge-reviews``), and legacy lines (typed ``Approved-by`` in a note). Code owners come
from the CODEOWNERS file of the base revision, never of the range being checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from countersign.core.attestation import changed_since
from countersign.core.codeowners import LOCATIONS, Codeowners, Flavor, parse
from countersign.core.config import Config
from countersign.core.forge import ForgeApproval
from countersign.core.rules import Finding
from countersign.core.signoff import Approval, OwnerRule
from countersign.core.tiers import Tier
from countersign.store import commits
from countersign.store.approvals import (
    ContentDigest,
    StoredApproval,
    StoredApprovals,
    content_digests,
    read_approvals,
)
from countersign.store.gitcli import Git, GitError
from countersign.store.verification import Signers, Verifier


@dataclass
class Evidence:
    """Approvals and owners for the commits of one ``verify`` run."""

    repo: Git
    config: Config
    base: str | None
    """The revision whose CODEOWNERS applies (the range's base)."""
    forge: Sequence[ForgeApproval] = ()
    forge_name: str = ""
    tip: str | None = None
    """The newest commit verified: a forge review counts when it reviewed this content."""
    protected: frozenset[str] = frozenset()
    """Repository paths of the files the gate is checked against."""
    problems: list[str] = field(default_factory=list)
    """Records and files that could not be read (reported; the rest still counts)."""
    _digests: dict[str, ContentDigest] = field(default_factory=dict)
    _signed: StoredApprovals = field(default_factory=StoredApprovals)
    _checks: dict[int, Approval] = field(default_factory=dict)
    _owners: Codeowners | None = None

    def load(self, shas: Sequence[str]) -> None:
        """Read and check every record that may concern ``shas``, in a few batches."""
        self._digests = content_digests(self.repo, shas) if shas else {}
        self._signed = read_approvals(self.repo)
        self.problems += [c.describe() for c in self._signed.corrupt  # legacy lines: read
                          if not c.text.lower().startswith("approved-by:")]  # as notes
        wanted = self._candidates(shas)
        self._checks = self._verify(wanted)
        self._owners = self._read_codeowners()

    def approvals(self, sha: str) -> tuple[Approval, ...]:
        """Every approval of ``sha``'s content, with the state its evidence earned."""
        digest = self._digests.get(sha)
        out = []
        for stored in self._for_commit(sha):
            checked = self._checks[id(stored)]
            if digest is not None and stored.envelope.approval.digest != digest.digest:
                what = changed_since(stored.envelope.approval.files, digest.files)
                checked = Approval(checked.who, checked.source, checked.role, "stale",
                                   f"approved {stored.envelope.approval.commit[:10]}; "
                                   + ("; ".join(what) or "the change differs"))
            out.append(checked)
        out += [self._forge_approval(a) for a in self.forge]
        return tuple(out)

    def owner_rules(self, paths: Iterable[str]) -> tuple[OwnerRule, ...] | None:
        """What owners of ``paths`` must approve (``None`` without a CODEOWNERS file)."""
        if self._owners is None:
            return None
        paths = sorted(set(paths))
        policy = self.config.signoff
        rules = []
        for req in self._owners.requirements(paths):
            if req.optional:
                continue
            emails = frozenset(e for owner in req.owners for e in policy.members(owner)
                               if "@" in e and not e.startswith("@"))
            rules.append(OwnerRule(f"{req.source}:{req.line} {req.pattern}", emails,
                                   req.approvals_needed))
        unowned = self._owners.unowned(paths)
        fallback = {policy.person(e) for e in self.config.reviewers.get("owner", ())}
        if unowned and fallback:
            rules.append(OwnerRule("[reviewers] owner", frozenset(fallback)))
        return tuple(rules)

    def policy_files_changed(self, paths: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(self.protected.intersection(paths)))

    def _candidates(self, shas: Sequence[str]) -> list[StoredApproval]:
        found: dict[int, StoredApproval] = {}
        for sha in shas:
            for stored in self._for_commit(sha):
                found[id(stored)] = stored
        return list(found.values())

    def _for_commit(self, sha: str) -> list[StoredApproval]:
        """Records attached to ``sha`` plus records of the same content anywhere."""
        digest = self._digests.get(sha)
        same = self._signed.by_digest.get(digest.digest, []) if digest else []
        records = {id(s): s for s in [*self._signed.by_commit.get(sha, []), *same]}
        return list(records.values())

    def _verify(self, records: list[StoredApproval]) -> dict[int, Approval]:
        signoff = self.config.signoff
        signers = Signers(signoff.allowed_signers, signoff.gpg_keys)
        out: dict[int, Approval] = {}
        if not records:
            return out
        with Verifier(signers) as verifier:
            checks = verifier.verify([r.envelope for r in records])
        for record, check in zip(records, checks, strict=True):
            a = record.envelope.approval
            out[id(record)] = Approval(a.reviewer, a.method, a.role, check.state.value,
                                       check.message)
        return out

    def _forge_approval(self, review: ForgeApproval) -> Approval:
        policy = self.config.signoff
        person = policy.person(review.owner)
        who = review.owner if person == review.owner.lower() else f"{review.login} <{person}>"
        if "@" not in person.lstrip("@"):
            return Approval(who, self.forge_name, None, "not-allowed",
                            f"{review.owner} is not mapped to a person: add it to [people] "
                            "in the policy")
        if review.commit is None or self.tip is None:
            return Approval(who, self.forge_name, None, "not-this-content",
                            "the review names no commit")
        if not self._same_tree(review.commit, self.tip):
            return Approval(who, self.forge_name, None, "not-this-content",
                            f"reviewed {review.commit[:10]}, whose content differs from "
                            f"{self.tip[:10]} (fetch it, or review again)")
        return Approval(who, self.forge_name)

    def _same_tree(self, a: str, b: str) -> bool:
        try:
            trees = self.repo.text("rev-parse", f"{a}^{{tree}}", f"{b}^{{tree}}").split()
        except GitError:
            return False
        return len(trees) == 2 and trees[0] == trees[1]

    def _read_codeowners(self) -> Codeowners | None:
        if self.base is None:
            return None
        for location in _LOCATIONS:
            data = self.repo.blob(self.base, location)
            if data is None:
                continue
            text = data.decode("utf-8", "replace")
            owners = parse(text, _flavor(location, text), f"{location}@{self.base[:10]}")
            self.problems += [str(e) for e in owners.errors]
            return owners
        return None


_LOCATIONS = tuple(dict.fromkeys([*LOCATIONS["github"], *LOCATIONS["gitlab"]]))
"""Where a CODEOWNERS file may live, in GitHub's then GitLab's lookup order."""


def _flavor(location: str, text: str) -> Flavor:
    """GitLab's syntax when the file lives in ``.gitlab/`` or has sections."""
    if location.startswith(".gitlab/"):
        return "gitlab"
    if location.startswith(".github/"):
        return "github"
    has_sections = any(line.lstrip().startswith(("[", "^[")) for line in text.splitlines())
    return "gitlab" if has_sections else "github"


def legacy_approvals(note: bytes | None) -> tuple[Approval, ...]:
    """The typed ``Approved-by:`` lines of an approvals note (source ``note``): counted only
    where the policy names no signers."""
    if note is None:
        return ()
    return tuple(Approval(line.partition(":")[2].strip(), "note")
                 for line in commits.decode(note).splitlines()
                 if line.lower().startswith("approved-by:"))


def tier_raising_paths(findings: Sequence[Finding], tier: Tier,
                       changed: Iterable[str]) -> list[str]:
    """Paths whose findings gave the change its tier (every changed path when none did)."""
    paths = sorted({f.path for f in findings if f.active and f.rule.tier >= tier})
    return paths or sorted(set(changed))


def protected_paths(root: Path, config: Config, policy: Path | None) -> frozenset[str]:
    """Repository paths of the policy, its signer lists, and every CODEOWNERS location."""
    out = {loc for flavor in ("github", "gitlab") for loc in LOCATIONS[flavor]}
    for path in (policy, config.signoff.allowed_signers, config.signoff.gpg_keys):
        if path is None:
            continue
        try:
            out.add(path.resolve().relative_to(root).as_posix())
        except ValueError:
            continue
    return frozenset(out)

