"""Who may sign off, and who is who: the sign-off half of an organisation policy.

::

    [signoff]
    allowed_signers = "allowed_signers"  # SSH keys, git's gpg.ssh.allowedSignersFile format
    gpg_keys = "reviewers.asc"           # OpenPGP public keys (armored), uid e-mails = people
    trust_trailers = false               # count typed Approved-by trailers (behind Gerrit only)
    [people]                             # a person's e-mail -> their other e-mails, names, @logins
    "sam@example.com" = ["Sam Senior", "sam.home@gmail.com", "@sam"]
    [teams]                              # CODEOWNERS / forge teams -> e-mails
    "@acme/payments" = ["lee@example.com"]
    [authors]                            # author level -> e-mails (others: the [review] table)
    senior = ["sam@example.com"]

Paths are relative to the file that names them. These settings only ever come from the
policy (the base branch's file), never from the repository being checked: a change that
names its own author a senior must not pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from countersign.core.tiers import Review, Tier

Error = Callable[[str, str], None]
AUTHOR_LEVELS = ("junior", "mid", "senior")


@dataclass(frozen=True)
class SignoffPolicy:
    """The policy's answer to "whose approval counts"."""

    allowed_signers: Path | None = None
    """SSH allowed-signers file; with ``gpg_keys``, the only keys whose approvals count."""
    gpg_keys: Path | None = None
    """Armored OpenPGP public keys of the people who may sign."""
    trust_trailers: bool = False
    """Typed ``Approved-by`` trailers and unsigned notes count (a review server writes them)."""
    people: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """A person's e-mail -> their other e-mails, names and ``@logins``."""
    teams: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """``@org/team`` -> e-mails of its members."""
    authors: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Author level (``junior``, ``mid``, ``senior``) -> e-mails."""
    review_by_author: Mapping[str, Mapping[Tier, Review]] = field(default_factory=dict)
    """Author level -> tier -> review, replacing ``[review]`` for authors of that level."""
    regardless: Mapping[Tier, Review] = field(default_factory=dict)
    """Tier -> review required whoever wrote the lines, AI or not."""

    @property
    def names_signers(self) -> bool:
        """Only signed approvals count (unless trailers are explicitly trusted)."""
        return self.allowed_signers is not None or self.gpg_keys is not None

    def person(self, handle: str) -> str:
        """The canonical e-mail of ``handle`` (an e-mail, a name or ``@login``), lower-cased;
        the handle itself when the policy does not know it."""
        key = handle.strip().lower()
        for email, aliases in self.people.items():
            if key == email.lower() or key in (a.lower() for a in aliases):
                return email.lower()
        return key

    def members(self, owner: str) -> set[str]:
        """E-mails that can act as ``owner`` (an e-mail, ``@login`` or ``@org/team``)."""
        team = {k.lower(): v for k, v in self.teams.items()}.get(owner.lower())
        if team is not None:
            return {self.person(m) for m in team}
        return {self.person(owner)}

    def author_level(self, email: str) -> str | None:
        person = self.person(email)
        for level in AUTHOR_LEVELS:
            if person in {self.person(e) for e in self.authors.get(level, ())}:
                return level
        return None


def parse_signoff(tables: Mapping[str, Any], base: Path, error: Error) -> SignoffPolicy:
    """The sign-off settings of one file (``base``: its directory, for relative paths)."""
    signoff = tables.get("signoff", {})
    review = tables.get("review", {})

    def path(key: str) -> Path | None:
        value = signoff.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            error(f"signoff.{key}", f"expected a path, got {value!r}")
            return None
        return (base / value).resolve()

    trust = signoff.get("trust_trailers", False)
    if not isinstance(trust, bool):
        error("signoff.trust_trailers", f"expected true or false, got {trust!r}")
        trust = False
    return SignoffPolicy(
        allowed_signers=path("allowed_signers"), gpg_keys=path("gpg_keys"), trust_trailers=trust,
        people=_lists(tables.get("people", {}), "people", error),
        teams=_lists(tables.get("teams", {}), "teams", error),
        authors=_author_lists(tables.get("authors", {}), error),
        review_by_author={level: _reviews(table, f"review.by_author.{level}", error)
                          for level, table in _table(review.get("by_author", {}),
                                                     "review.by_author", error).items()
                          if _known_level(level, "review.by_author", error)},
        regardless=_reviews(review.get("regardless_of_provenance", {}),
                            "review.regardless_of_provenance", error),
    )


def _table(value: Any, key: str, error: Error) -> dict[str, Any]:
    if not isinstance(value, dict):
        error(key, "expected a table")
        return {}
    return value


def _lists(value: Any, key: str, error: Error) -> dict[str, tuple[str, ...]]:
    out = {}
    for name, items in _table(value, key, error).items():
        if isinstance(items, str):
            items = [items]
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            error(f"{key}.{name}", f"expected a list of strings, got {items!r}")
            continue
        out[name] = tuple(items)
    return out


def _known_level(level: str, key: str, error: Error) -> bool:
    if level in AUTHOR_LEVELS:
        return True
    error(f"{key}.{level}", f"unknown author level (allowed: {', '.join(AUTHOR_LEVELS)})")
    return False


def _author_lists(value: Any, error: Error) -> dict[str, tuple[str, ...]]:
    lists = _lists(value, "authors", error)
    return {k: v for k, v in lists.items() if _known_level(k, "authors", error)}


def _reviews(value: Any, key: str, error: Error) -> dict[Tier, Review]:
    out = {}
    for name, review in _table(value, key, error).items():
        try:
            out[Tier.parse(name)] = Review.parse(review) if isinstance(review, str) else \
                Review.parse(repr(review))
        except ValueError as exc:
            error(f"{key}.{name}", str(exc))
    return out
