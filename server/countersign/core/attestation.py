"""An approval as a signed record: an in-toto Statement inside a DSSE envelope.

The reviewer's key signs DSSE's pre-authentication encoding (PAE) of the statement bytes,
which binds the signature to both the exact payload bytes and its type: a signature made
for another purpose (a git commit, a tag, another in-toto predicate) is never a valid
approval. The statement names the change it approves by a digest of its content (see
``store/approvals.py``), so the approval survives amends and rebases that leave the
change alone and goes stale when any approved byte or mode changes.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

from countersign.core.tiers import Review, Tier

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://countersign.dev/approval/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"

Role = Literal["peer", "senior", "owner"]
Method = Literal["ssh", "openpgp"]
ROLES: tuple[Role, ...] = get_args(Role)
METHODS: tuple[Method, ...] = get_args(Method)

# The email is an ssh-keygen principal: no pattern characters (``*?!,``) or quotes.
_PERSON = re.compile(r'^[^<>\n]+ <([^<>@\s*?!,"]+@[^<>@\s*?!,"]+)>$')
_OBJECT_ID = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_MODE = re.compile(r"^[0-7]{6}$")


class AttestationError(ValueError):
    """A record that is not a well-formed countersign approval; the message says what."""


@dataclass(frozen=True)
class DiffEntry:
    """One file of a commit's change: its path and blob id and mode before and after.

    An added file has the all-zero blob id and mode ``000000`` before; a deleted one after.
    """

    path: str
    old_blob: str
    new_blob: str
    old_mode: str
    new_mode: str


@dataclass(frozen=True)
class Approval:
    """What a reviewer signs: who, in which role, which change, why it needed review."""

    reviewer: str
    """``Name <email>``; the email is the principal the signature must be valid for."""
    role: Role
    commit: str
    """The commit approved (the change may later be amended or rebased into another)."""
    digest: str
    """``sha256:<hex>`` of the commit's change (``store.approvals.content_digest``)."""
    files: tuple[DiffEntry, ...]
    tier: Tier
    review: Review
    """The review the change required when approved."""
    rules: tuple[str, ...]
    approved_at: int
    """Seconds since the epoch; signatures are checked against keys valid at this time."""
    method: Method

    @property
    def email(self) -> str:
        """The reviewer's email exactly as written (principals match case-sensitively)."""
        match = _PERSON.match(self.reviewer)
        return match.group(1) if match else self.reviewer


@dataclass(frozen=True)
class Signature:
    """One DSSE signature: raw signature bytes and an advisory key id (never trusted)."""

    keyid: str
    sig: bytes


@dataclass(frozen=True)
class Envelope:
    """A parsed approval record; ``signed_bytes`` is what its signature must cover."""

    payload: bytes
    signature: Signature
    approval: Approval

    @property
    def signed_bytes(self) -> bytes:
        return pae(PAYLOAD_TYPE, self.payload)


class SignatureState(enum.Enum):
    """How a signature check ended; only ``VALID`` counts as a sign-off."""

    VALID = "valid"
    BAD_SIGNATURE = "bad-signature"
    """The signature does not match the record: tampered, or signed over other bytes."""
    UNKNOWN_KEY = "unknown-key"
    """The key is not listed for the claimed reviewer (or the policy lists no such keys)."""
    KEY_NOT_VALID_AT_TIME = "key-not-valid-at-time"
    """Listed, but outside its valid-after/valid-before, expired or revoked."""
    WRONG_NAMESPACE = "wrong-namespace"
    """Signed for another purpose (e.g. a git commit) or not allowed for approvals."""
    MALFORMED = "malformed"
    """The signature bytes are not a signature of the method the record names."""


@dataclass(frozen=True)
class SignatureCheck:
    """The verdict on one approval's signature, with a message for people."""

    state: SignatureState
    message: str
    key: str = ""
    """The signing key's fingerprint as found in the signature, when it could be read."""

    @property
    def valid(self) -> bool:
        return self.state is SignatureState.VALID


def statement(approval: Approval) -> dict[str, Any]:
    """The in-toto Statement v1 for ``approval``.

    The subject is the change the commit introduces, named in git's revision syntax
    (``<sha>^!``) and identified by its content digest.
    """
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": f"{approval.commit}^!",
                     "digest": {"sha256": approval.digest.removeprefix("sha256:")}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "reviewer": approval.reviewer,
            "role": approval.role,
            "commit": approval.commit,
            "tier": approval.tier.label,
            "review": approval.review.label,
            "rules": list(approval.rules),
            "approvedAt": approval.approved_at,
            "signing": approval.method,
            "files": [{"path": f.path, "oldBlob": f.old_blob, "newBlob": f.new_blob,
                       "oldMode": f.old_mode, "newMode": f.new_mode} for f in approval.files],
        },
    }


def payload(approval: Approval) -> bytes:
    """The statement as the exact bytes to sign (compact JSON, keys sorted)."""
    validate(approval)
    return _compact(statement(approval)).encode("utf-8")


def pae(payload_type: str, body: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding: ``DSSEv1 LEN(type) type LEN(body) body``."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(body), body)


def envelope(body: bytes, sig: bytes, keyid: str) -> bytes:
    """The DSSE envelope of a signed payload as one line of JSON (no newline)."""
    record = {"payloadType": PAYLOAD_TYPE,
              "payload": base64.b64encode(body).decode("ascii"),
              "signatures": [{"keyid": keyid, "sig": base64.b64encode(sig).decode("ascii")}]}
    return _compact(record).encode("utf-8")


def parse_envelope(line: bytes | str) -> Envelope:
    """The approval in one envelope line; ``AttestationError`` naming what is wrong."""
    outer = _json_object(line, "record")
    kind = outer.get("payloadType")
    if kind != PAYLOAD_TYPE:
        raise AttestationError(f"payloadType is {kind!r}, expected {PAYLOAD_TYPE!r}")
    body = _b64(outer.get("payload"), "payload")
    sigs = outer.get("signatures")
    if not isinstance(sigs, list) or len(sigs) != 1 or not isinstance(sigs[0], dict):
        raise AttestationError("an approval carries exactly one signature "
                               f"(found {len(sigs) if isinstance(sigs, list) else 'none'})")
    keyid = sigs[0].get("keyid", "")
    if not isinstance(keyid, str):
        raise AttestationError("signature keyid is not a string")
    signature = Signature(keyid, _b64(sigs[0].get("sig"), "signature"))
    return Envelope(body, signature, parse_statement(body))


def parse_statement(body: bytes) -> Approval:
    """The approval in a statement's bytes; ``AttestationError`` naming what is wrong."""
    doc = _json_object(body, "payload")
    if doc.get("_type") != STATEMENT_TYPE:
        raise AttestationError(f"payload _type is {doc.get('_type')!r}, "
                               f"expected {STATEMENT_TYPE!r}")
    if doc.get("predicateType") != PREDICATE_TYPE:
        raise AttestationError(f"predicateType is {doc.get('predicateType')!r}, "
                               f"expected {PREDICATE_TYPE!r}")
    pred = doc.get("predicate")
    if not isinstance(pred, dict):
        raise AttestationError("predicate is missing or not an object")
    approval = _approval(pred, _subject_digest(doc.get("subject"), pred.get("commit")))
    validate(approval)
    return approval


def validate(approval: Approval) -> None:
    """Refuse an approval whose fields are not in their documented form."""
    checks = [
        (bool(_PERSON.match(approval.reviewer)), f"reviewer {approval.reviewer!r} is not "
                                                 "'Name <email>'"),
        (approval.role in ROLES, f"role {approval.role!r} is not one of {', '.join(ROLES)}"),
        (bool(_OBJECT_ID.match(approval.commit)), f"commit {approval.commit!r} is not a "
                                                  "full object id"),
        (bool(_DIGEST.match(approval.digest)), f"digest {approval.digest!r} is not "
                                               "sha256:<64 hex digits>"),
        (approval.method in METHODS, f"signing {approval.method!r} is not ssh or openpgp"),
        (approval.approved_at >= 0, "approvedAt is negative"),
    ]
    for ok, message in checks:
        if not ok:
            raise AttestationError(message)
    for entry in approval.files:
        _validate_entry(entry)


def _validate_entry(entry: DiffEntry) -> None:
    if not entry.path:
        raise AttestationError("a file entry has an empty path")
    for blob in (entry.old_blob, entry.new_blob):
        if not _OBJECT_ID.match(blob):
            raise AttestationError(f"{entry.path}: blob id {blob!r} is not a full object id")
    for mode in (entry.old_mode, entry.new_mode):
        if not _MODE.match(mode):
            raise AttestationError(f"{entry.path}: mode {mode!r} is not six octal digits")


def _approval(pred: Mapping[str, Any], digest: str) -> Approval:
    tier, review = _str(pred, "tier"), _str(pred, "review")
    try:
        tier_value, review_value = Tier.parse(tier), Review.parse(review)
    except ValueError as exc:
        raise AttestationError(str(exc)) from None
    approved_at = pred.get("approvedAt")
    if not isinstance(approved_at, int) or isinstance(approved_at, bool):
        raise AttestationError("approvedAt is missing or not whole seconds since the epoch")
    return Approval(
        reviewer=_str(pred, "reviewer"), role=cast(Role, _str(pred, "role")),
        commit=_str(pred, "commit"), digest=digest, files=_files(pred.get("files")),
        tier=tier_value, review=review_value, rules=_strings(pred.get("rules"), "rules"),
        approved_at=approved_at, method=cast(Method, _str(pred, "signing")))


def _subject_digest(subject: Any, commit: Any) -> str:
    """``sha256:<hex>`` of the one subject, which must name the predicate's commit."""
    if not isinstance(subject, list) or len(subject) != 1 or not isinstance(subject[0], dict):
        raise AttestationError("subject must be a list of exactly one resource")
    if subject[0].get("name") != f"{commit}^!":
        raise AttestationError(f"subject {subject[0].get('name')!r} does not name the "
                               f"approved commit {commit!r}")
    digest = subject[0].get("digest")
    hexdigest = digest.get("sha256") if isinstance(digest, dict) else None
    if not isinstance(hexdigest, str):
        raise AttestationError("subject has no sha256 digest")
    return f"sha256:{hexdigest}"


def _files(value: Any) -> tuple[DiffEntry, ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise AttestationError("files is missing or not a list of objects")
    return tuple(DiffEntry(_str(v, "path"), _str(v, "oldBlob"), _str(v, "newBlob"),
                           _str(v, "oldMode"), _str(v, "newMode")) for v in value)


def _str(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise AttestationError(f"{key} is missing or not a string")
    return value


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AttestationError(f"{key} is missing or not a list of strings")
    return tuple(value)


def _json_object(data: bytes | str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AttestationError(f"{what} is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise AttestationError(f"{what} is not a JSON object")
    return value


def _b64(value: Any, what: str) -> bytes:
    """Standard or URL-safe base64, padded or not (DSSE allows all four)."""
    if not isinstance(value, str) or not value:
        raise AttestationError(f"{what} is missing or not a string")
    text = value.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        raise AttestationError(f"{what} is not base64") from None


def _compact(value: Any) -> str:
    """Compact JSON with sorted keys, ASCII only: a path git stores as non-UTF-8 bytes
    (decoded with surrogate escapes) survives as a ``\\udcXX`` escape."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def changed_since(
    approved: Sequence[DiffEntry], current: Sequence[DiffEntry]
) -> tuple[str, ...]:
    """What differs between the approved change and the current one, one line per file.

    For a stale approval: ``app/db.py: content changed since approval``.
    """
    before = {e.path: e for e in approved}
    after = {e.path: e for e in current}
    lines = []
    for path in sorted(before.keys() | after.keys()):
        reason = _file_change(before.get(path), after.get(path))
        if reason:
            lines.append(f"{path}: {reason}")
    return tuple(lines)


def _file_change(old: DiffEntry | None, new: DiffEntry | None) -> str | None:
    if old is None:
        return "not in the approved change (added since approval)"
    if new is None:
        return "no longer changed (dropped since approval)"
    reasons = []
    if old.new_blob != new.new_blob:
        reasons.append("content changed since approval")
    if old.new_mode != new.new_mode:
        reasons.append(f"mode changed from {old.new_mode} to {new.new_mode}")
    if old.old_blob != new.old_blob or old.old_mode != new.old_mode:
        reasons.append("based on a different version of the file")
    return "; ".join(reasons) or None
