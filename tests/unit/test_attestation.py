"""The approval record: in-toto Statement in a DSSE envelope, and what a stale one says."""

from __future__ import annotations

import base64
import contextlib
import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from countersign.core.attestation import (
    PAYLOAD_TYPE,
    PREDICATE_TYPE,
    STATEMENT_TYPE,
    Approval,
    AttestationError,
    DiffEntry,
    changed_since,
    envelope,
    pae,
    parse_envelope,
    payload,
    statement,
)
from countersign.core.tiers import Review, Tier

SHA = "3419bb955020fdf5a5e041509f3f4e78511041d4"
BLOB_A = "78981922613b2afb6025042ff6bd878ac1994e85"
BLOB_B = "61780798228d17af2d34fce4cfbdf35556832472"
ZERO = "0" * 40
DIGEST = "sha256:" + "ab" * 32
FILES = (DiffEntry("app/db.py", BLOB_A, BLOB_B, "100644", "100644"),
         DiffEntry("bin/run", ZERO, BLOB_A, "000000", "100755"))
APPROVAL = Approval("Sam Senior <sam@example.com>", "senior", SHA, DIGEST, FILES,
                    Tier.HIGH, Review.SENIOR, ("DAT002", "INF004"), 1795899014, "ssh")


def line(approval: Approval = APPROVAL, sig: bytes = b"\x01sig") -> bytes:
    return envelope(payload(approval), sig, "SHA256:abc")


def test_statement_is_in_toto_v1_naming_the_change_by_its_content_digest() -> None:
    doc = statement(APPROVAL)
    assert doc["_type"] == STATEMENT_TYPE == "https://in-toto.io/Statement/v1"
    assert doc["predicateType"] == PREDICATE_TYPE == "https://countersign.dev/approval/v1"
    assert doc["subject"] == [{"name": f"{SHA}^!", "digest": {"sha256": "ab" * 32}}]
    assert doc["predicate"] == {
        "reviewer": "Sam Senior <sam@example.com>", "role": "senior", "commit": SHA,
        "tier": "high", "review": "senior", "rules": ["DAT002", "INF004"],
        "approvedAt": 1795899014, "signing": "ssh",
        "files": [{"path": "app/db.py", "oldBlob": BLOB_A, "newBlob": BLOB_B,
                   "oldMode": "100644", "newMode": "100644"},
                  {"path": "bin/run", "oldBlob": ZERO, "newBlob": BLOB_A,
                   "oldMode": "000000", "newMode": "100755"}]}


def test_pae_matches_the_dsse_specification_example() -> None:
    # The test vector of the DSSE v1 protocol description.
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world")
    assert pae(PAYLOAD_TYPE, b"") == b"DSSEv1 28 application/vnd.in-toto+json 0 "


def test_envelope_is_one_line_of_dsse_json_and_parses_back() -> None:
    raw = line()
    assert b"\n" not in raw
    doc = json.loads(raw)
    assert doc["payloadType"] == "application/vnd.in-toto+json"
    assert doc["signatures"] == [{"keyid": "SHA256:abc",
                                  "sig": base64.b64encode(b"\x01sig").decode()}]
    assert json.loads(base64.b64decode(doc["payload"])) == statement(APPROVAL)
    parsed = parse_envelope(raw)
    assert parsed.approval == APPROVAL
    assert parsed.signature.sig == b"\x01sig"
    assert parsed.signed_bytes == pae(PAYLOAD_TYPE, payload(APPROVAL))
    assert APPROVAL.email == "sam@example.com"


def test_url_safe_unpadded_base64_is_accepted_as_dsse_allows() -> None:
    doc = json.loads(line(sig=b"\xfb\xff"))
    doc["payload"] = base64.urlsafe_b64encode(payload(APPROVAL)).decode().rstrip("=")
    doc["signatures"][0]["sig"] = base64.urlsafe_b64encode(b"\xfb\xff").decode().rstrip("=")
    parsed = parse_envelope(json.dumps(doc))
    assert (parsed.approval, parsed.signature.sig) == (APPROVAL, b"\xfb\xff")


def _outer(change: dict[str, Any]) -> bytes:
    doc = json.loads(line())
    doc.update(change)
    return json.dumps(doc).encode()


def _inner(change: dict[str, Any], predicate: dict[str, Any] | None = None) -> bytes:
    doc = statement(APPROVAL)
    doc.update(change)
    doc["predicate"].update(predicate or {})
    body = json.dumps(doc).encode()
    return _outer({"payload": base64.b64encode(body).decode()})


@pytest.mark.parametrize(("record", "message"), [
    (b"Approved-by: Sam <sam@example.com>", "record is not JSON"),
    (b"[1, 2]", "record is not a JSON object"),
    (_outer({"payloadType": "text/plain"}), "payloadType is 'text/plain'"),
    (_outer({"payload": "%%%"}), "payload is not base64"),
    (_outer({"payload": base64.b64encode(b"{").decode()}), "payload is not JSON"),
    (_outer({"signatures": []}), "exactly one signature (found 0)"),
    (_outer({"signatures": [{"sig": "AA=="}, {"sig": "AA=="}]}), "(found 2)"),
    (_outer({"signatures": [{"keyid": "k", "sig": "!"}]}), "signature is not base64"),
    (_inner({"_type": "https://in-toto.io/Statement/v0.1"}), "payload _type is"),
    (_inner({"predicateType": "https://slsa.dev/provenance/v1"}), "predicateType is"),
    (_inner({"subject": [{"name": "other^!", "digest": {"sha256": "ab" * 32}}]}),
     "does not name the approved commit"),
    (_inner({"subject": [{"name": f"{SHA}^!", "digest": {"sha1": "ab"}}]}),
     "subject has no sha256 digest"),
    (_inner({"subject": [{"name": f"{SHA}^!", "digest": {"sha256": "xyz"}}]}),
     "is not sha256:<64 hex digits>"),
    (_inner({}, {"role": "boss"}), "role 'boss' is not one of peer, senior, owner"),
    (_inner({}, {"reviewer": "sam@example.com"}), "is not 'Name <email>'"),
    (_inner({}, {"reviewer": "Sam <*@example.com>"}), "is not 'Name <email>'"),  # a pattern
    (_inner({}, {"reviewer": "Sam <sam@example.com,eve@example.com>"}), "is not 'Name"),
    (_inner({}, {"tier": "severe"}), "unknown tier 'severe'"),
    (_inner({}, {"approvedAt": "yesterday"}), "approvedAt is missing"),
    (_inner({}, {"signing": "x509"}), "signing 'x509' is not ssh or openpgp"),
    (_inner({}, {"rules": "DAT002"}), "rules is missing or not a list of strings"),
    (_inner({}, {"files": [{"path": "a"}]}), "oldBlob is missing"),
    (_inner({}, {"files": [{"path": "a", "oldBlob": "1", "newBlob": BLOB_A,
                            "oldMode": "100644", "newMode": "100644"}]}),
     "a: blob id '1' is not a full object id"),
])
def test_corrupt_or_tampered_records_are_refused_naming_what_is_wrong(
    record: bytes, message: str
) -> None:
    with pytest.raises(AttestationError) as caught:
        parse_envelope(record)
    assert message in str(caught.value)


def test_payload_refuses_to_sign_an_ill_formed_approval() -> None:
    with pytest.raises(AttestationError, match="commit 'HEAD' is not a full object id"):
        payload(replace(APPROVAL, commit="HEAD"))


@given(st.integers(min_value=0), st.integers(min_value=0, max_value=255))
def test_any_corrupted_byte_is_an_attestation_error_or_a_record(pos: int, value: int) -> None:
    raw = bytearray(line())
    raw[pos % len(raw)] = value
    with contextlib.suppress(AttestationError):  # the only failure a corrupt record may cause
        parse_envelope(bytes(raw))


@given(st.integers(min_value=0), st.integers(min_value=0, max_value=255))
def test_any_corrupted_statement_byte_is_an_attestation_error_or_a_record(
    pos: int, value: int
) -> None:
    body = bytearray(payload(APPROVAL))
    body[pos % len(body)] = value
    with contextlib.suppress(AttestationError):
        parse_envelope(envelope(bytes(body), b"sig", "k"))


def test_changed_since_names_each_file_and_what_changed() -> None:
    now = (replace(FILES[0], new_blob=BLOB_A),                      # content
           replace(FILES[1], new_mode="100644"),                    # mode bit
           DiffEntry("app/new.py", ZERO, BLOB_B, "000000", "100644"))
    assert changed_since(FILES, now) == (
        "app/db.py: content changed since approval",
        "app/new.py: not in the approved change (added since approval)",
        "bin/run: mode changed from 100755 to 100644",
    )
    assert changed_since(FILES, FILES[:1]) == ("bin/run: no longer changed (dropped since "
                                               "approval)",)
    rebased = (replace(FILES[0], old_blob=ZERO),)
    assert changed_since(FILES[:1], rebased) == (
        "app/db.py: based on a different version of the file",)
    assert changed_since(FILES, FILES) == ()
