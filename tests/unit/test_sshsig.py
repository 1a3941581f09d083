"""The rules of ``ssh-keygen -Y verify`` that countersign applies on top of ``sshsig``.

Formats (SSHSIG blobs, allowed-signers lines) and policy (patterns, times, which line
lets a key sign). The same rules against a real ssh-keygen: tests/git/test_ssh_reference.py.
"""

from __future__ import annotations

import base64
import calendar
import fnmatch
import hashlib
import re
import struct
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sshsig.sshsig import ssh_enarmor_sshsig

from countersign.core.sshsig import (
    AllowedSigner,
    AllowedSignersError,
    SshFormatError,
    dearmor,
    fingerprint,
    key_problem,
    match_pattern_list,
    match_signer,
    parse_allowed_signers,
    parse_sshsig,
    parse_time,
    principals_for,
    signature_problem,
)


def string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


KEY = string(b"ssh-ed25519") + string(bytes(range(32)))
KEY_B64 = base64.b64encode(KEY).decode()
OTHER = string(b"ssh-ed25519") + string(bytes(range(1, 33)))


def rsa(bits: int) -> bytes:
    """An ``ssh-rsa`` public key blob with an odd modulus of ``bits`` bits (mpint form)."""
    modulus = ((1 << (bits - 1)) | 1).to_bytes(bits // 8 + 1, "big")
    return string(b"ssh-rsa") + string(b"\x01\x00\x01") + string(modulus)


RSA, SMALL_RSA = rsa(2048), rsa(768)
AT = 1795435200  # 2026-11-23T12:00:00Z


def sshsig(namespace: bytes = b"countersign-approval", trailing: bytes = b"",
           hashed: bytes = b"sha512", inner: bytes | None = None) -> bytes:
    inner = string(b"ssh-ed25519") + string(bytes(64)) if inner is None else inner
    return (b"SSHSIG" + struct.pack(">I", 1) + string(KEY) + string(namespace) + string(b"")
            + string(hashed) + string(inner) + trailing)


def test_sshsig_blob_gives_key_namespace_and_fingerprint() -> None:
    sig = parse_sshsig(sshsig(b"git"))
    assert (sig.namespace, sig.hash_algorithm, sig.key_type) == ("git", "sha512", "ssh-ed25519")
    expected = base64.b64encode(hashlib.sha256(KEY).digest()).decode().rstrip("=")
    assert sig.fingerprint == fingerprint(KEY) == f"SHA256:{expected}"
    assert signature_problem(sig) is None


@pytest.mark.parametrize(("blob", "message"), [
    (b"-----BEGIN SSH SIGNATURE-----", "no SSHSIG magic"),
    (b"SSHSIG" + struct.pack(">I", 2), "version 2 is not supported"),
    (sshsig()[:-3], "truncated SSH data"),
    (sshsig(trailing=b"x"), "trailing bytes"),
    (sshsig(hashed=b"sha1"), "hash 'sha1' is not one ssh-keygen accepts (sha256, sha512)"),
])
def test_a_broken_sshsig_blob_is_a_format_error(blob: bytes, message: str) -> None:
    with pytest.raises(SshFormatError, match=re.escape(message)):
        parse_sshsig(blob)


@pytest.mark.parametrize(("inner", "problem"), [
    (string(b"ssh-rsa") + string(bytes(64)), "a ssh-ed25519 key cannot make a 'ssh-rsa'"),
    (string(b"ssh-ed25519") + string(bytes(65)), "an ed25519 signature of 65 bytes"),
    (string(b"ssh-ed25519") + string(bytes(64)) + b"z", "the inner signature has trailing"),
])
def test_an_inner_signature_ssh_keygen_would_refuse_is_named(inner: bytes, problem: str) -> None:
    assert (signature_problem(parse_sshsig(sshsig(inner=inner))) or "").startswith(problem)


def test_version_0_is_read_as_ssh_keygen_reads_it() -> None:
    blob = sshsig()
    assert parse_sshsig(blob[:6] + bytes(4) + blob[10:]).namespace == "countersign-approval"


@pytest.mark.parametrize(("blob", "problem"), [
    (KEY, None),
    (RSA, None),
    (string(b"ecdsa-sha2-nistp256") + string(b"nistp256") + string(b"x"), None),  # not ours
    (KEY + b"\0", "truncated SSH data"),
    (KEY + string(b""), "an ed25519 key is 32 bytes"),
    (string(b"ssh-ed25519") + string(bytes(31)), "an ed25519 key is 32 bytes"),
    (string(b"ssh-rsa") + string(b"\x01\x00\x01"), "an RSA key is an exponent and a modulus"),
    (string(b"ssh-rsa") + string(b"\x81") + string(b"\x00" + bytes([0xc0]) + bytes(255)),
     "an RSA key holds a negative number"),
    (SMALL_RSA, "it has 768 bits; ssh-keygen reads 1024 to 16384"),
])
def test_key_blobs_are_read_as_strictly_as_ssh_keygen_reads_them(
    blob: bytes, problem: str | None
) -> None:
    assert key_problem(blob) == problem


@given(st.binary(min_size=1, max_size=300))
def test_dearmor_reads_what_the_sshsig_package_armors(blob: bytes) -> None:
    assert dearmor(ssh_enarmor_sshsig(blob).encode()) == blob


def test_dearmor_refuses_text_that_is_not_an_armored_signature() -> None:
    with pytest.raises(SshFormatError, match="not an armored SSH signature"):
        dearmor(b"hello")


# ---- patterns and times ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "patterns", "matches"), [
    ("sam@example.com", ["sam@example.com"], True),
    ("sam@example.com", ["SAM@example.com"], False),  # case matters, as in ssh-keygen
    ("sam@example.com", ["*@example.com"], True),
    ("sam@example.com", ["s?m@example.com"], True),
    ("sm@example.com", ["s?m@example.com"], False),
    ("sam@example.com", ["eve@example.com", "sam@*"], True),
    ("sam@example.com", ["*@example.com", "!sam@example.com"], False),
    ("sam@example.com", ["!sam@example.com", "*"], False),  # an exclusion anywhere wins
    ("eve@example.com", ["!sam@example.com"], False),  # exclusions alone admit nobody
    ("sam+ci@example.com", ["sam+ci@example.com"], True),  # regex characters are literal
    ("sammci@example.com", ["sam+ci@example.com"], False),
    ("countersign-approval", ["git", "countersign-*"], True),
])
def test_pattern_lists_match_as_in_openssh(name: str, patterns: list[str], matches: bool) -> None:
    assert match_pattern_list(name, patterns) is matches


@given(st.text("ab.*?+(", max_size=8), st.text("ab.+(", max_size=8))
def test_a_pattern_matches_as_shell_wildcards_without_brackets(pattern: str, name: str) -> None:
    assert match_pattern_list(name, [pattern]) is fnmatch.fnmatchcase(name, pattern)


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The local time zone is America/New_York (UTC-5 in winter) for this test."""
    with monkeypatch.context() as local:
        local.setenv("TZ", "America/New_York")
        time.tzset()
        yield
    time.tzset()


@pytest.mark.usefixtures("new_york")
def test_times_are_utc_with_z_and_local_otherwise() -> None:
    utc = calendar.timegm((2026, 11, 23, 12, 0, 0))
    assert parse_time("202611231200Z") == parse_time("20261123120000utc") == utc
    assert parse_time("20261123") == calendar.timegm((2026, 11, 23, 5, 0, 0))
    # in summer too ssh-keygen reads a local time as standard time (its tm_isdst is 0)
    assert parse_time("20260701") == calendar.timegm((2026, 7, 1, 5, 0, 0))


@pytest.mark.parametrize(("text", "message"), [
    ("2026", "is not YYYYMMDD[HHMM[SS]][Z]"),
    ("20260101T00", "is not YYYYMMDD[HHMM[SS]][Z]"),
    ("20261301", "is not a date and time"),
    ("20260231", "is not a date and time"),
    ("19700101Z", "is not after 1970"),
])
def test_a_bad_time_is_refused(text: str, message: str) -> None:
    with pytest.raises(SshFormatError, match=re.escape(message)):
        parse_time(text)


# ---- which line lets a key sign -----------------------------------------------------------


def signer(line: int = 1, principals: tuple[str, ...] = ("sam@example.com",), key: bytes = KEY,
           **options: object) -> AllowedSigner:
    return AllowedSigner(line, principals, "ssh-ed25519", key, **options)  # type: ignore[arg-type]


def test_a_key_is_valid_from_valid_after_to_valid_before_inclusive() -> None:
    dated = [signer(valid_after=AT - 10, valid_before=AT + 10)]
    for when, valid in [(AT - 11, False), (AT - 10, True), (AT + 10, True), (AT + 11, False)]:
        found = match_signer(dated, KEY, "sam@example.com", "countersign-approval", when)
        assert (found.line == 1) is valid
    [refusal] = match_signer(dated, KEY, "sam@example.com", "x", AT + 11).refusals
    assert refusal.kind == "time"
    assert refusal.reason == ("key has expired: approved 2026-11-23T12:00:11Z > valid-before "
                              "2026-11-23T12:00:10Z")


def test_a_later_line_can_admit_what_an_earlier_one_refuses() -> None:
    lines = [signer(1, namespaces=("git",)), signer(2, valid_before=AT - 1),
             signer(3, ("eve@example.com",)), signer(4, ("*@example.com",))]
    found = match_signer(lines, KEY, "sam@example.com", "countersign-approval", AT)
    assert found.line == 4
    assert [(r.line, r.kind) for r in found.refusals] == [(1, "namespace"), (2, "time")]
    assert found.refusals[0].reason == ('key is not permitted for use in signature namespace '
                                        '"countersign-approval" (namespaces="git")')


def test_namespace_is_checked_before_time_on_a_line() -> None:
    both = [signer(namespaces=("git",), valid_before=AT - 1)]
    [refusal] = match_signer(both, KEY, "sam@example.com", "countersign-approval", AT).refusals
    assert refusal.kind == "namespace"


def test_a_cert_authority_line_never_lets_the_ca_key_itself_sign() -> None:
    ca = [signer(cert_authority=True)]
    assert match_signer(ca, KEY, "sam@example.com", "countersign-approval", AT).line is None
    assert principals_for(ca, KEY) == ()


def test_another_principal_or_key_is_no_match_and_no_refusal() -> None:
    lines = [signer(principals=("eve@example.com",)), signer(2, key=OTHER)]
    found = match_signer(lines, KEY, "sam@example.com", "countersign-approval", AT)
    assert (found.line, found.refusals) == (None, ())


# ---- allowed-signers files ----------------------------------------------------------------


def test_allowed_signers_lines_with_options_quotes_and_comments() -> None:
    text = (f"# reviewers\n\nsam@example.com ssh-ed25519 {KEY_B64} sam's laptop\n"
            f'  "ana@example.com,bo@*" namespaces="git,countersign-*",'
            f'valid-after="20260101",VALID-BEFORE="20270101120000Z" ssh-ed25519 {KEY_B64}\n'
            f"*@ops.example.com cert-authority ssh-rsa "
            f"{base64.b64encode(RSA).decode()}\r\n")
    sam, pair, ca = parse_allowed_signers(text, "signers")
    assert sam == AllowedSigner(3, ("sam@example.com",), "ssh-ed25519", KEY)
    assert pair.principals == ("ana@example.com", "bo@*")
    assert pair.namespaces == ("git", "countersign-*")
    assert pair.valid_after == int(time.mktime((2026, 1, 1, 0, 0, 0, 0, 0, 0)))
    assert pair.valid_before == calendar.timegm((2027, 1, 1, 12, 0, 0))
    assert (ca.line, ca.cert_authority, ca.key_type) == (5, True, "ssh-rsa")
    assert principals_for([sam, pair, ca], KEY) == ("sam@example.com", "ana@example.com",
                                                     "bo@*")


RSA_B64 = base64.b64encode(RSA).decode()


@pytest.mark.parametrize(("line", "message"), [
    ("sam@example.com", "expected 'PRINCIPALS [OPTIONS] KEYTYPE BASE64-KEY'"),
    ("sam@example.com ssh-ed25519", "expected 'PRINCIPALS"),
    (f"sam@example.com ssh-foo {KEY_B64}", "unknown key type 'ssh-foo'"),
    (f"sam@example.com ssh-dss {KEY_B64}", "unknown key type 'ssh-dss'"),
    (f'sam@example.com namespaces="git" ssh-xyz {KEY_B64}', "unknown key type 'ssh-xyz'"),
    ("sam@example.com ssh-ed25519 not*base64", "the ssh-ed25519 key is not base64"),
    (f"sam@example.com ssh-rsa {KEY_B64}", "the key says it is 'ssh-ed25519', the line says"),
    ("sam@example.com ssh-ed25519 AAAA", "the ssh-ed25519 key is truncated"),
    (f"sam@example.com ssh-ed25519 {base64.b64encode(KEY[:-1]).decode()}",
     "the ssh-ed25519 key is not a valid key (truncated SSH data)"),
    (f"sam@example.com ssh-rsa {base64.b64encode(SMALL_RSA).decode()}",
     "the ssh-rsa key is not a valid key (it has 768 bits; ssh-keygen reads 1024 to 16384)"),
    (f'sam@example.com principals="x" ssh-ed25519 {KEY_B64}', "Invalid option"),
    (f"sam@example.com valid-before=2027 ssh-ed25519 {KEY_B64}",
     "Option 'valid-before' missing '=\"'"),
    (f'sam@example.com namespaces="git ssh-ed25519 {KEY_B64}', "No matching quote"),
    (f'sam@example.com namespaces="git", ssh-ed25519 {KEY_B64}', "separated by single commas"),
    (f'sam@example.com namespaces="git"cert-authority ssh-rsa {RSA_B64}', "single commas"),
    (f'sam@example.com namespaces="" ssh-ed25519 {KEY_B64}', "namespaces is empty"),
    (f'sam@example.com valid-before="tomorrow" ssh-ed25519 {KEY_B64}',
     "valid-before: 'tomorrow' is not YYYYMMDD[HHMM[SS]][Z]"),
    (f'sam@example.com valid-after="20261301" ssh-ed25519 {KEY_B64}', "is not a date and"),
    (f'sam@example.com valid-after="20270101Z",valid-before="20260101Z" ssh-ed25519 {KEY_B64}',
     "valid-before is not after valid-after"),
])
def test_a_bad_line_is_refused_naming_the_file_and_line(line: str, message: str) -> None:
    with pytest.raises(AllowedSignersError) as caught:
        parse_allowed_signers(f"# ok\nsam@example.com ssh-ed25519 {KEY_B64}\n{line}\n",
                              "policy/allowed_signers")
    assert str(caught.value).startswith("policy/allowed_signers:3: ")
    assert message in str(caught.value)


def test_the_commit_hooks_never_load_cryptography() -> None:
    """The verifier imports ``sshsig`` (and ``cryptography``) when it first checks a
    signature, so the CLI, whose ``hook run`` every commit starts, loads without them."""
    code = ("import sys, countersign.cli.main, countersign.cli.hook_run\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'sshsig', 'cryptography'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout == "[]\n"
