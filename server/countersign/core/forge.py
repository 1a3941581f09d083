"""The forge's own review records as sign-off evidence: GitHub reviews, GitLab approvals.

A CI job fetches them with its own token (``docs/ci/github-reviews.md``,
``docs/ci/gitlab-approvals.md``) into a file that ``countersign verify --forge-reviews
github:PATH`` (or ``gitlab:PATH``) reads. This module turns that file into the approvals
that stand, each bound to the commit it approved, so the gate can check that the commit's
content is what it verifies:

- GitHub, ``GET /repos/{owner}/{repo}/pulls/{n}/reviews``: per user the latest submitted
  review decides. ``APPROVED`` approves ``commit_id``; a later ``CHANGES_REQUESTED`` or
  ``DISMISSED`` (a dismissed approval turns ``DISMISSED`` in place) withdraws it;
  ``COMMENTED`` changes nothing; ``PENDING`` is not submitted and is skipped.
- GitLab, ``GET /projects/:id/merge_requests/:iid/approvals``: ``approved_by[].user`` names
  the approvers but no commit. GitLab binds approvals to the head only when the project
  resets approvals on push, so the CI job records the merge request (its ``sha``) and the
  project's approval settings next to it; without both, the approvals are bound to nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from countersign.core.codeowners import IdentityMap

Forge = Literal["github", "gitlab"]
FORGES: tuple[Forge, ...] = ("github", "gitlab")

_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_WITHDRAWN = frozenset({"CHANGES_REQUESTED", "DISMISSED"})
_KNOWN = frozenset({"APPROVED", "COMMENTED", "PENDING"}) | _WITHDRAWN


@dataclass(frozen=True)
class ForgeApproval:
    """One person's standing approval on the forge."""

    forge: Forge
    login: str
    user_id: int | None
    commit: str | None
    """The commit approved; ``None`` when the record binds the approval to no commit (the
    gate must not count it)."""
    submitted_at: datetime | None
    review_id: int | None = None
    """GitHub's review id; GitLab approvals have none."""

    @property
    def owner(self) -> str:
        """The login as CODEOWNERS and the policy's identity map write it: ``@login``."""
        return "@" + self.login


@dataclass(frozen=True)
class PayloadError:
    """A field of a forge payload that is missing or not what the forge documents."""

    source: str
    field: str
    """A JSON path into the file, like ``$[3].user.login``."""
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.field}: {self.message}"


@dataclass(frozen=True)
class ForgeEvidence:
    """What one ``--forge-reviews`` file proves, and what was wrong with it."""

    forge: Forge
    source: str
    approvals: tuple[ForgeApproval, ...] = ()
    errors: tuple[PayloadError, ...] = ()


def parse_spec(spec: str) -> tuple[Forge, str]:
    """``github:PATH`` or ``gitlab:PATH`` -> (forge, path); ``ValueError`` otherwise."""
    name, sep, path = spec.partition(":")
    for forge in FORGES:
        if sep and path and name == forge:
            return forge, path
    raise ValueError(f"--forge-reviews {spec!r}: expected github:PATH or gitlab:PATH")


def read_evidence(forge: Forge, text: str, source: str) -> ForgeEvidence:
    """Parse the JSON text of a ``--forge-reviews`` file; ``source`` names it in errors."""
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        return ForgeEvidence(forge, source, errors=(
            PayloadError(source, "$", f"not JSON: {exc.msg} at line {exc.lineno} "
                                      f"column {exc.colno}"),))
    if forge == "github":
        return github_approvals(payload, source)
    return gitlab_approvals(payload, source)


def approver_emails(approvals: Iterable[ForgeApproval], mapping: Mapping[str, Iterable[str]]
                    ) -> tuple[tuple[ForgeApproval, frozenset[str]], ...]:
    """Each approval with the signer emails the policy maps ``@login`` to (empty: unmapped)."""
    table = IdentityMap(mapping)
    return tuple((approval, table.emails(approval.owner)) for approval in approvals)


# GitHub ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Review:
    key: int | str
    login: str
    user_id: int | None
    state: str
    commit: str | None
    submitted_at: datetime
    review_id: int


def github_approvals(payload: object, source: str) -> ForgeEvidence:
    """The standing approvals in a GitHub reviews list (or ``gh api --slurp`` pages of it)."""
    errors: list[PayloadError] = []
    items = _github_items(payload, source, errors)
    reviews: list[_Review] = []
    spoiled: dict[int | str, str] = {}
    for where, item in items:
        read = _github_review(item, where, source, errors)
        if isinstance(read, _Review):
            reviews.append(read)
        elif read is not None:
            spoiled.setdefault(read, where)
    decisive: dict[int | str, _Review] = {}
    for review in sorted(reviews, key=lambda r: (r.submitted_at, r.review_id)):
        if review.state != "COMMENTED":
            decisive[review.key] = review
    approvals = []
    for key, review in decisive.items():
        if review.state != "APPROVED":
            continue
        if key in spoiled:
            errors.append(PayloadError(source, spoiled[key], f"@{review.login}'s approval is not "
                                       "counted: a malformed review of theirs may withdraw it"))
            continue
        approvals.append(ForgeApproval("github", review.login, review.user_id, review.commit,
                                       review.submitted_at, review.review_id))
    approvals.sort(key=lambda a: a.login.casefold())
    return ForgeEvidence("github", source, tuple(approvals), tuple(errors))


def _github_items(payload: object, source: str,
                  errors: list[PayloadError]) -> list[tuple[str, object]]:
    """The reviews with their JSON paths; pages from ``gh api --paginate --slurp`` are
    flattened."""
    if not isinstance(payload, list):
        errors.append(PayloadError(source, "$", "expected the JSON list of "
                                   "GET /repos/{owner}/{repo}/pulls/{n}/reviews"))
        return []
    if payload and all(isinstance(page, list) for page in payload):
        return [(f"$[{p}][{i}]", item) for p, page in enumerate(payload)
                for i, item in enumerate(page)]
    return [(f"$[{i}]", item) for i, item in enumerate(payload)]


def _github_review(item: object, where: str, source: str,
                   errors: list[PayloadError]) -> _Review | int | str | None:
    """A well-formed submitted review; for a malformed one, the key of its user when known
    (their approval cannot stand), else ``None``."""
    fields = _Fields(source, where, errors)
    if not isinstance(item, dict):
        fields.fail("", "expected a review object")
        return None
    user = item.get("user")
    if user is None:
        return None  # a deleted account: GitHub documents user as nullable
    if not isinstance(user, dict):
        fields.fail(".user", "expected an object or null")
        return None
    login = fields.text(user, ".user", "login")
    user_id = fields.integer(user, ".user", "id")
    if login is None:
        return user_id
    key: int | str = user_id if user_id is not None else login.casefold()
    state = fields.text(item, "", "state")
    if state == "PENDING":
        return None
    review_id = fields.integer(item, "", "id")
    commit = fields.sha(item, "", "commit_id", nullable=True)
    submitted = fields.timestamp(item, "", "submitted_at")
    if state is not None and state not in _KNOWN:
        fields.fail(".state", f"unknown review state {state!r}")
        return key
    if fields.failed or state is None or review_id is None or submitted is None:
        return key
    return _Review(key, login, user_id, state, commit, submitted, review_id)


# GitLab ------------------------------------------------------------------------------


def gitlab_approvals(payload: object, source: str) -> ForgeEvidence:
    """The approvals in a GitLab evidence file, bound to the merge request head when the
    project resets approvals on push (see the module docstring for the file's shape)."""
    errors: list[PayloadError] = []
    fields = _Fields(source, "$", errors)
    if isinstance(payload, dict) and "approved_by" in payload and "approvals" not in payload:
        fields.fail("", "this is the bare approvals payload; record it as {\"merge_request\": "
                        "..., \"approvals\": ..., \"project_approvals\": ...} so the head "
                        "commit is known (docs/ci/gitlab-approvals.md)")
        return ForgeEvidence("gitlab", source, errors=tuple(errors))
    if not isinstance(payload, dict):
        fields.fail("", "expected an object with merge_request, approvals and "
                        "project_approvals (docs/ci/gitlab-approvals.md)")
        return ForgeEvidence("gitlab", source, errors=tuple(errors))
    merge_request = fields.mapping(payload, "", "merge_request")
    approvals = fields.mapping(payload, "", "approvals")
    if merge_request is None or approvals is None:
        return ForgeEvidence("gitlab", source, errors=tuple(errors))
    head = _gitlab_head(payload, merge_request, approvals, fields)
    found = [_gitlab_approval(entry, head, fields, f".approvals.approved_by[{i}]")
             for i, entry in enumerate(fields.sequence(approvals, ".approvals", "approved_by"))]
    kept = sorted((a for a in found if a is not None), key=lambda a: a.login.casefold())
    return ForgeEvidence("gitlab", source, tuple(kept), tuple(errors))


def _gitlab_head(payload: Mapping[str, Any], merge_request: Mapping[str, Any],
                 approvals: Mapping[str, Any], fields: _Fields) -> str | None:
    """The head sha the approvals apply to, or ``None`` (with the reason recorded)."""
    sha = fields.sha(merge_request, ".merge_request", "sha", nullable=False)
    if "iid" in approvals and approvals.get("iid") != merge_request.get("iid"):
        fields.fail(".approvals.iid", f"approvals of merge request {approvals.get('iid')!r} "
                                      f"recorded with merge request {merge_request.get('iid')!r}")
        return None
    settings = payload.get("project_approvals")
    if not isinstance(settings, dict):
        fields.fail(".project_approvals", "missing: without the project's approval settings "
                    "(GET /projects/:id/approvals) the approvals cannot be bound to a commit")
        return None
    reset = settings.get("reset_approvals_on_push")
    if reset is not True:
        fields.fail(".project_approvals.reset_approvals_on_push", f"is {reset!r}: approvals "
                    "survive pushes in this project, so they are not bound to the head commit "
                    "(turn on 'Remove all approvals when commits are added')")
        return None
    return sha


def _gitlab_approval(entry: object, head: str | None, fields: _Fields,
                     where: str) -> ForgeApproval | None:
    if not isinstance(entry, dict):
        fields.fail(where, "expected {\"user\": {...}}")
        return None
    user = fields.mapping(entry, where, "user")
    if user is None:
        return None
    login = fields.text(user, where + ".user", "username")
    user_id = fields.integer(user, where + ".user", "id")
    approved_at = None
    if entry.get("approved_at") is not None:
        approved_at = fields.timestamp(entry, where, "approved_at")
    if login is None:
        return None
    return ForgeApproval("gitlab", login, user_id, head, approved_at)


# Field reading -------------------------------------------------------------------------


class _Fields:
    """Reads typed fields, recording a ``PayloadError`` with the JSON path for each miss."""

    def __init__(self, source: str, root: str, errors: list[PayloadError]) -> None:
        self.source, self.root, self.errors = source, root, errors
        self.failed = False

    def fail(self, path: str, message: str) -> None:
        self.failed = True
        self.errors.append(PayloadError(self.source, self.root + path, message))

    def _value(self, obj: Mapping[str, Any], at: str, key: str, kind: type,
               noun: str) -> Any:
        value = obj.get(key)
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return value
        self.fail(f"{at}.{key}", "missing" if value is None else f"expected {noun}, "
                                                                  f"got {value!r}")
        return None

    def text(self, obj: Mapping[str, Any], at: str, key: str) -> str | None:
        value = self._value(obj, at, key, str, "a string")
        if value == "":
            self.fail(f"{at}.{key}", "empty")
            return None
        return value if isinstance(value, str) else None

    def integer(self, obj: Mapping[str, Any], at: str, key: str) -> int | None:
        value: int | None = self._value(obj, at, key, int, "an integer")
        return value

    def mapping(self, obj: Mapping[str, Any], at: str, key: str) -> Mapping[str, Any] | None:
        value: Mapping[str, Any] | None = self._value(obj, at, key, dict, "an object")
        return value

    def sequence(self, obj: Mapping[str, Any], at: str, key: str) -> Sequence[object]:
        value: Sequence[object] | None = self._value(obj, at, key, list, "a list")
        return value or ()

    def sha(self, obj: Mapping[str, Any], at: str, key: str, *, nullable: bool) -> str | None:
        value = obj.get(key)
        if value is None and nullable and key in obj:
            return None  # GitHub: the reviewed commit no longer exists
        if isinstance(value, str) and _SHA.fullmatch(value):
            return value
        self.fail(f"{at}.{key}", f"expected a commit sha, got {value!r}")
        return None

    def timestamp(self, obj: Mapping[str, Any], at: str, key: str) -> datetime | None:
        value = obj.get(key)
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                pass
            else:
                return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        self.fail(f"{at}.{key}", f"expected an ISO 8601 time, got {value!r}")
        return None
