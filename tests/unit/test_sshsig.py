"""Reading OpenSSH's signature and allowed-signers formats (ssh-keygen does the checking)."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from countersign.core.sshsig import (
    AllowedSigner,
    AllowedSignersError,
    SshFormatError,
    armor,
    dearmor,
    fingerprint,
    parse_allowed_signers,
    parse_sshsig,
    principals_for,
)


def string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


KEY = string(b"ssh-ed25519") + string(bytes(range(32)))
KEY_B64 = base64.b64encode(KEY).decode()
RSA = string(b"ssh-rsa") + string(b"\x01\x00\x01") + string(b"\x00" + bytes(64))


def sshsig(namespace: bytes = b"countersign-approval", trailing: bytes = b"") -> bytes:
    return (b"SSHSIG" + struct.pack(">I", 1) + string(KEY) + string(namespace) + string(b"")
            + string(b"sha512") + string(string(b"ssh-ed25519") + string(bytes(64))) + trailing)


def test_sshsig_blob_gives_key_namespace_and_fingerprint() -> None:
    sig = parse_sshsig(sshsig(b"git"))
    assert (sig.namespace, sig.hash_algorithm, sig.key_type) == ("git", "sha512", "ssh-ed25519")
    expected = base64.b64encode(hashlib.sha256(KEY).digest()).decode().rstrip("=")
    assert sig.fingerprint == fingerprint(KEY) == f"SHA256:{expected}"


@pytest.mark.parametrize(("blob", "message"), [
    (b"-----BEGIN SSH SIGNATURE-----", "no SSHSIG magic"),
    (b"SSHSIG" + struct.pack(">I", 2), "version 2 is not supported"),
    (sshsig()[:-3], "truncated SSH data"),
    (sshsig(trailing=b"x"), "trailing bytes"),
])
def test_a_broken_sshsig_blob_is_a_format_error(blob: bytes, message: str) -> None:
    with pytest.raises(SshFormatError, match=message):
        parse_sshsig(blob)


@given(st.binary(min_size=1, max_size=300))
def test_armor_round_trips_and_wraps_at_70_columns(blob: bytes) -> None:
    text = armor(blob)
    assert dearmor(text) == blob
    assert max(len(line) for line in text.splitlines()[1:-1]) <= 70


def test_dearmor_refuses_text_that_is_not_an_armored_signature() -> None:
    with pytest.raises(SshFormatError, match="not an armored SSH signature"):
        dearmor(b"hello")


def test_allowed_signers_lines_with_options_quotes_and_comments() -> None:
    text = (f"# reviewers\n\nsam@example.com ssh-ed25519 {KEY_B64} sam's laptop\n"
            f'"ana@example.com,bo@example.com" namespaces="git,countersign-approval",'
            f'valid-after="20260101",VALID-BEFORE="20270101120000Z" ssh-ed25519 {KEY_B64}\n'
            f"*@ops.example.com cert-authority ssh-rsa "
            f"{base64.b64encode(RSA).decode()}\n")
    sam, pair, ca = parse_allowed_signers(text, "signers")
    assert sam == AllowedSigner(3, ("sam@example.com",), "ssh-ed25519", KEY)
    assert pair.principals == ("ana@example.com", "bo@example.com")
    assert pair.namespaces == ("git", "countersign-approval")
    assert (pair.valid_after, pair.valid_before) == ("20260101", "20270101120000Z")
    assert (ca.line, ca.cert_authority, ca.key_type) == (5, True, "ssh-rsa")
    assert principals_for([sam, pair, ca], KEY) == ("sam@example.com", "ana@example.com",
                                                     "bo@example.com")


@pytest.mark.parametrize(("line", "message"), [
    ("sam@example.com", "expected 'PRINCIPALS [OPTIONS] KEYTYPE BASE64-KEY'"),
    (f"sam@example.com ssh-foo {KEY_B64}", "unknown key type 'ssh-foo'"),
    (f"sam@example.com ssh-dss {KEY_B64}", "unknown key type 'ssh-dss'"),
    (f'sam@example.com namespaces="git" ssh-xyz {KEY_B64}', "unknown key type 'ssh-xyz'"),
    ("sam@example.com ssh-ed25519 not*base64", "the ssh-ed25519 key is not base64"),
    (f"sam@example.com ssh-rsa {KEY_B64}", "the key says it is 'ssh-ed25519', the line says"),
    ("sam@example.com ssh-ed25519 AAAA", "the ssh-ed25519 key is truncated"),
    (f'sam@example.com principals="x" ssh-ed25519 {KEY_B64}', "unknown option 'principals'"),
    (f"sam@example.com valid-before=2027 ssh-ed25519 {KEY_B64}", "needs a quoted value"),
    (f'sam@example.com valid-before="tomorrow" ssh-ed25519 {KEY_B64}',
     "is not YYYYMMDD[HHMM[SS]][Z]"),
    (f'sam@example.com namespaces="git ssh-ed25519 {KEY_B64}', "unterminated double quote"),
    ("sam@example.com ssh-ed25519", "expected 'PRINCIPALS"),
])
def test_a_bad_line_is_refused_naming_the_file_and_line(line: str, message: str) -> None:
    with pytest.raises(AllowedSignersError) as caught:
        parse_allowed_signers(f"# ok\nsam@example.com ssh-ed25519 {KEY_B64}\n{line}\n",
                              "policy/allowed_signers")
    assert str(caught.value).startswith("policy/allowed_signers:3: ")
    assert message in str(caught.value)
