"""What ``ssh-keygen -Y verify`` enforces beyond the ``sshsig`` package, as ssh-keygen does.

The ``sshsig`` package (Castedo Ellerman and Jelmer Vernooij's, used by dulwich) checks
the cryptography of an SSH signature and reads the syntax of an allowed-signers line.
The rest of ``ssh-keygen -Y verify``'s decision lives here, each rule as OpenSSH applies
it (``sshsig.c``, ``match.c``, ``misc.c``; ``man ssh-keygen``, ALLOWED SIGNERS):

- a line ssh-keygen would silently skip (unknown key type, bad key, bad option or date)
  is refused up front, naming the file and line;
- principals and ``namespaces=`` are pattern-lists (``*``, ``?``, ``!`` to exclude);
- ``valid-after``/``valid-before`` hold at a given time (``Z`` or ``UTC``: UTC, else the
  verifier's local time), and a ``cert-authority`` line never vouches for its CA key
  itself, only for certificates it signed (which ssh-keygen checks);
- an SSHSIG blob with trailing bytes, a hash other than sha256/sha512, a key blob of the
  wrong length or an inner signature of another algorithm than its key's is malformed.

It also reads the SSHSIG header (key, namespace, hash) for every key type, which the
package cannot do for keys it does not implement, to route a check and to name the key
in messages. Nothing here checks a signature; the package is imported only by the
functions that read allowed-signers lines, so importing this module stays cheap.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import datetime
import hashlib
import re
import struct
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

_PLAIN_KEY_TYPES = (
    "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
)
KEY_TYPES = frozenset(_PLAIN_KEY_TYPES) | {
    t.replace("@openssh.com", "") + "-cert-v01@openssh.com" for t in _PLAIN_KEY_TYPES}
"""Key types ``ssh-keygen -Y`` signs and verifies with (and their certificates)."""

HASHES = ("sha256", "sha512")
"""The message hashes ssh-keygen accepts in an SSHSIG signature."""

_SIGNATURE_ALGORITHMS = {"ssh-ed25519": ("ssh-ed25519",),
                         "ssh-rsa": ("rsa-sha2-256", "rsa-sha2-512")}
_ED25519_SIGNATURE_MAX = 64
_ED25519_KEY = 32
_RSA_MIN_BITS, _RSA_MAX_BITS = 1024, 16384  # OpenSSH's RSA modulus limits
_PATTERN_MAX = 1022  # longer patterns never match in OpenSSH's match_pattern_list
_FORMAT = "expected 'PRINCIPALS [OPTIONS] KEYTYPE BASE64-KEY'"
_BEGIN, _END = "-----BEGIN SSH SIGNATURE-----", "-----END SSH SIGNATURE-----"
_OPTION = r'(?:cert-authority|(?:namespaces|valid-after|valid-before)="[^"]*")'
_OPTIONS = re.compile(rf"{_OPTION}(?:,{_OPTION})*", re.IGNORECASE)
_TIME = re.compile(r"(\d{8}(?:\d{4}(?:\d{2})?)?)(z|utc)?", re.IGNORECASE)


class SshFormatError(ValueError):
    """Bytes or text that are not in the OpenSSH format they claim to be."""


@dataclass(frozen=True)
class SshSignature:
    """The fields of an SSHSIG blob (``PROTOCOL.sshsig``)."""

    public_key: bytes
    namespace: str
    hash_algorithm: str
    signature: bytes
    """The inner signature: algorithm name and raw signature, as SSH wire strings."""

    @property
    def key_type(self) -> str:
        return key_type_of(self.public_key)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)


@dataclass(frozen=True)
class Refusal:
    """Why a line listing the key for the principal did not let it sign."""

    line: int
    kind: Literal["namespace", "time"]
    reason: str


@dataclass(frozen=True)
class SignerMatch:
    """What the allowed-signers lines decide for one key, principal, namespace and time."""

    line: int | None
    """The first line that lets the key sign, or ``None``."""
    refusals: tuple[Refusal, ...] = ()
    """Lines that list the key for the principal but refuse it, in file order."""


@dataclass(frozen=True)
class AllowedSigner:
    """One line of an allowed-signers file, its options read and checked."""

    line: int
    principals: tuple[str, ...]
    """Patterns (``*``, ``?``, ``!`` to exclude), as written between the commas."""
    key_type: str
    public_key: bytes
    cert_authority: bool = False
    namespaces: tuple[str, ...] | None = None
    """Patterns of the namespaces the key may sign in; ``None``: any."""
    valid_after: int | None = None
    """Seconds since the epoch."""
    valid_before: int | None = None

    def admits(self, principal: str) -> bool:
        return match_pattern_list(principal, self.principals)

    def refusal(self, namespace: str, when: int) -> Refusal | None:
        """Why this line does not let its key sign in ``namespace`` at ``when``, checked in
        ssh-keygen's order; ``None`` if it does."""
        if self.namespaces is not None and not match_pattern_list(namespace, self.namespaces):
            listed = ",".join(self.namespaces)
            return Refusal(self.line, "namespace", "key is not permitted for use in signature "
                           f'namespace "{namespace}" (namespaces="{listed}")')
        if self.valid_after is not None and when < self.valid_after:
            return Refusal(self.line, "time", f"key is not yet valid: approved {_iso(when)} "
                           f"< valid-after {_iso(self.valid_after)}")
        if self.valid_before is not None and when > self.valid_before:
            return Refusal(self.line, "time", f"key has expired: approved {_iso(when)} "
                           f"> valid-before {_iso(self.valid_before)}")
        return None


class AllowedSignersError(ValueError):
    """A line of an allowed-signers file ssh-keygen would not use; says file and line."""


def fingerprint(public_key: bytes) -> str:
    """``SHA256:...`` as ``ssh-keygen -l`` prints it."""
    digest = base64.b64encode(hashlib.sha256(public_key).digest()).decode("ascii")
    return "SHA256:" + digest.rstrip("=")


def key_type_of(public_key: bytes) -> str:
    """The type name a public key blob starts with."""
    name, _ = _string(public_key, 0)
    return name.decode("ascii", "replace")


def parse_sshsig(blob: bytes) -> SshSignature:
    """The fields of a binary SSHSIG blob; ``SshFormatError`` where ssh-keygen would refuse
    it before any cryptography (magic, version, hash, trailing bytes)."""
    if not blob.startswith(b"SSHSIG") or len(blob) < 10:
        raise SshFormatError("not an SSH signature (no SSHSIG magic)")
    (version,) = struct.unpack(">I", blob[6:10])
    if version > 1:  # ssh-keygen reads versions up to its own; the version is not signed
        raise SshFormatError(f"SSH signature version {version} is not supported")
    key, pos = _string(blob, 10)
    namespace, pos = _string(blob, pos)
    _reserved, pos = _string(blob, pos)
    hash_algorithm, pos = _string(blob, pos)
    signature, pos = _string(blob, pos)
    if pos != len(blob):
        raise SshFormatError("SSH signature has trailing bytes")
    hashed = hash_algorithm.decode("ascii", "replace")
    if hashed not in HASHES:
        raise SshFormatError(f"hash {hashed!r} is not one ssh-keygen accepts "
                             f"({', '.join(HASHES)})")
    return SshSignature(key, namespace.decode("utf-8", "replace"), hashed, signature)


def signature_problem(sig: SshSignature) -> str | None:
    """Why the inner signature is not of a form ssh-keygen accepts for its ed25519 or RSA
    key (the ``sshsig`` package is laxer); ``None`` if it is, or for other key types."""
    allowed = _SIGNATURE_ALGORITHMS.get(sig.key_type)
    if allowed is None:
        return None
    algorithm, pos = _string(sig.signature, 0)
    raw, pos = _string(sig.signature, pos)
    if pos != len(sig.signature):
        return "the inner signature has trailing bytes"
    name = algorithm.decode("ascii", "replace")
    if name not in allowed:
        return f"a {sig.key_type} key cannot make a {name!r} signature"
    if name == "ssh-ed25519" and not 0 < len(raw) <= _ED25519_SIGNATURE_MAX:
        return f"an ed25519 signature of {len(raw)} bytes"
    return None


def dearmor(text: bytes) -> bytes:
    """The binary blob inside an armored SSH signature (as ``ssh-keygen -Y sign`` writes
    it); stricter than the ``sshsig`` package, which reads any text as a signature."""
    lines = text.decode("ascii", "replace").strip().splitlines()
    if len(lines) < 3 or lines[0].strip() != _BEGIN or lines[-1].strip() != _END:
        raise SshFormatError("not an armored SSH signature")
    try:
        return base64.b64decode("".join(line.strip() for line in lines[1:-1]), validate=True)
    except binascii.Error:
        raise SshFormatError("armored SSH signature is not base64") from None


def match_pattern_list(name: str, patterns: Iterable[str]) -> bool:
    """OpenSSH's pattern-list match: some pattern matches and no ``!pattern`` does."""
    matched = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if _match_pattern(name, pattern[1:] if negated else pattern):
            if negated:
                return False
            matched = True
    return matched


def parse_time(text: str) -> int:
    """An allowed-signers time (``YYYYMMDD[HHMM[SS]]``, then ``Z`` or ``UTC`` for UTC,
    else local time as ssh-keygen reads it) in seconds since the epoch."""
    found = _TIME.fullmatch(text)
    if not found:
        raise SshFormatError(f"{text!r} is not YYYYMMDD[HHMM[SS]][Z]")
    digits = found[1].ljust(14, "0")
    year, month, day, hour, minute, second = (int(digits[i:i + 2 if i else 4])
                                              for i in (0, 4, 6, 8, 10, 12))
    try:
        datetime.datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise SshFormatError(f"{text!r} is not a date and time") from None
    fields = (year, month, day, hour, minute, second)
    # ssh-keygen zeroes its struct tm, so a local time is read with tm_isdst = 0
    seconds = (calendar.timegm(fields) if found[2] else
               int(time.mktime((*fields, 0, 0, 0))))
    if seconds <= 0:
        raise SshFormatError(f"{text!r} is not after 1970")
    return seconds


def match_signer(signers: Sequence[AllowedSigner], public_key: bytes, principal: str,
                 namespace: str, when: int) -> SignerMatch:
    """ssh-keygen's allowed-signers decision for a signature by a plain (not certificate)
    key whose cryptography already checked out: any line that names the principal, lists
    exactly this key (a ``cert-authority`` line never does) and allows the namespace and
    time lets it sign."""
    refusals: list[Refusal] = []
    for signer in signers:
        if signer.cert_authority or signer.public_key != public_key:
            continue
        if not signer.admits(principal):
            continue
        refusal = signer.refusal(namespace, when)
        if refusal is None:
            return SignerMatch(signer.line, tuple(refusals))
        refusals.append(refusal)
    return SignerMatch(None, tuple(refusals))


def principals_for(signers: Sequence[AllowedSigner], public_key: bytes) -> tuple[str, ...]:
    """The principals listed with exactly this key (for messages, not for decisions)."""
    return tuple(p for s in signers if s.public_key == public_key and not s.cert_authority
                 for p in s.principals)


def parse_allowed_signers(text: str, source: str) -> tuple[AllowedSigner, ...]:
    """Every entry of an allowed-signers file; the first bad line raises, naming it."""
    entries = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip(" \t\r")
        if not line or line.startswith("#"):
            continue
        try:
            entries.append(_signer(number, line))
        except (ValueError, NotImplementedError, IndexError) as exc:
            raise AllowedSignersError(f"{source}:{number}: {exc}") from None
    return tuple(entries)


def _signer(number: int, line: str) -> AllowedSigner:
    """One line: its syntax read by the ``sshsig`` package, its values checked here."""
    from sshsig.allowed_signers import detect_options, lop_options, lop_principals

    if len(line.split()) < 3:
        raise SshFormatError(_FORMAT)
    principals, rest = lop_principals(line)
    options: dict[str, str] = {}
    if detect_options(rest):
        options, after = lop_options(rest)
        if not _OPTIONS.fullmatch(rest[:len(rest) - len(after)]):  # the package is laxer
            raise SshFormatError('options must be cert-authority or NAME="VALUE", '
                                 "separated by single commas")
        rest = after
    fields = rest.split(maxsplit=2)
    if len(fields) < 2:
        raise SshFormatError(_FORMAT)
    key_type, key = fields[0], _key_blob(fields[0], fields[1])
    valid_after, valid_before = _validity(options)
    return AllowedSigner(
        number, _patterns("principals", principals), key_type, key,
        "cert-authority" in options,
        _patterns("namespaces", options["namespaces"]) if "namespaces" in options else None,
        valid_after, valid_before)


def _patterns(what: str, text: str) -> tuple[str, ...]:
    patterns = tuple(text.split(","))
    if not text:
        raise SshFormatError(f"{what} is empty")
    if any(len(p) > _PATTERN_MAX for p in patterns):
        raise SshFormatError(f"a pattern in {what} is longer than ssh-keygen reads")
    return patterns


def _validity(options: dict[str, str]) -> tuple[int | None, int | None]:
    after, before = (_option_time(options, name) for name in ("valid-after", "valid-before"))
    if after is not None and before is not None and before <= after:
        raise SshFormatError("valid-before is not after valid-after")
    return after, before


def _option_time(options: dict[str, str], name: str) -> int | None:
    if name not in options:
        return None
    try:
        return parse_time(options[name])
    except SshFormatError as exc:
        raise SshFormatError(f"{name}: {exc}") from None


def _key_blob(key_type: str, text: str) -> bytes:
    """The key's wire blob, refused where ssh-keygen could not read it."""
    if key_type not in KEY_TYPES:
        raise SshFormatError(f"unknown key type {key_type!r} (ssh-keygen signs with "
                             f"{', '.join(_PLAIN_KEY_TYPES)})")
    try:
        blob = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise SshFormatError(f"the {key_type} key is not base64") from None
    try:
        embedded = key_type_of(blob)
    except SshFormatError:
        raise SshFormatError(f"the {key_type} key is truncated") from None
    if embedded != key_type:
        raise SshFormatError(f"the key says it is {embedded!r}, the line says {key_type!r}")
    _check_key(key_type, blob)
    return blob


def _check_key(key_type: str, blob: bytes) -> None:
    """Refuse an ed25519 or RSA key that ssh-keygen or the ``sshsig`` package cannot use."""
    problem = key_problem(blob)
    if problem:
        raise SshFormatError(f"the {key_type} key is not a valid key ({problem})")
    if key_type not in _SIGNATURE_ALGORITHMS:
        return
    from sshsig import PublicKey

    try:
        PublicKey.from_ssh_encoding(blob)
    except ValueError as exc:
        raise SshFormatError(f"the {key_type} key is not a valid key ({exc})") from None


def key_problem(blob: bytes) -> str | None:
    """Why an ed25519 or RSA public key blob is not one ssh-keygen reads (the ``sshsig``
    package reads past a wrong length); ``None`` if it is, or for other key types."""
    key_type = key_type_of(blob)
    if key_type not in _SIGNATURE_ALGORITHMS:
        return None
    try:
        fields = _strings(blob)
    except SshFormatError as exc:
        return str(exc)
    if key_type == "ssh-ed25519":
        ok = len(fields) == 2 and len(fields[1]) == _ED25519_KEY
        return None if ok else f"an ed25519 key is {_ED25519_KEY} bytes"
    if len(fields) != 3:
        return "an RSA key is an exponent and a modulus"
    if any(number[:1] >= b"\x80" for number in fields[1:]):
        return "an RSA key holds a negative number"
    bits = int.from_bytes(fields[2], "big").bit_length()
    if not _RSA_MIN_BITS <= bits <= _RSA_MAX_BITS:
        return f"it has {bits} bits; ssh-keygen reads {_RSA_MIN_BITS} to {_RSA_MAX_BITS}"
    return None


def _match_pattern(name: str, pattern: str) -> bool:
    """OpenSSH's match_pattern: ``*`` any run, ``?`` any one character, the rest literal."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, name, re.DOTALL) is not None


def _iso(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _strings(buf: bytes) -> list[bytes]:
    """All the SSH wire-format strings ``buf`` is made of."""
    fields, pos = [], 0
    while pos < len(buf):
        field, pos = _string(buf, pos)
        fields.append(field)
    return fields


def _string(buf: bytes, pos: int) -> tuple[bytes, int]:
    """One SSH wire-format string (uint32 length, bytes) at ``pos``, and the next offset."""
    if pos + 4 > len(buf):
        raise SshFormatError("truncated SSH data")
    (size,) = struct.unpack(">I", buf[pos:pos + 4])
    end = pos + 4 + size
    if end > len(buf):
        raise SshFormatError("truncated SSH data")
    return buf[pos + 4:end], end
