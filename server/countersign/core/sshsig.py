"""OpenSSH's signature and allowed-signers formats: reading them, never verifying.

``ssh-keygen -Y verify`` does all cryptography and all policy (principals, namespaces,
validity dates). This module only reads the formats so countersign can (1) refuse an
allowed-signers file with a broken line up front, naming the file and line, where
ssh-keygen silently skips it, (2) store an SSH signature in a DSSE envelope as raw bytes
and armor it again for ssh-keygen, and (3) name the key and namespace of a signature in
messages. Formats: OpenSSH's ``PROTOCOL.sshsig`` and the ALLOWED SIGNERS section of
``ssh-keygen(1)``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass

_PLAIN_KEY_TYPES = (
    "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
)
KEY_TYPES = frozenset(_PLAIN_KEY_TYPES) | {
    t.replace("@openssh.com", "") + "-cert-v01@openssh.com" for t in _PLAIN_KEY_TYPES}
"""Key types ``ssh-keygen -Y`` signs and verifies with (and their certificates)."""

_BEGIN, _END = "-----BEGIN SSH SIGNATURE-----", "-----END SSH SIGNATURE-----"
_TIME = re.compile(r"^\d{8}(?:\d{4}(?:\d{2})?)?Z?$")
_OPTIONS = ("cert-authority", "namespaces", "valid-after", "valid-before")


class SshFormatError(ValueError):
    """Bytes or text that are not in the OpenSSH format they claim to be."""


@dataclass(frozen=True)
class SshSignature:
    """The parts of an SSHSIG blob that matter for messages and checks."""

    public_key: bytes
    namespace: str
    hash_algorithm: str

    @property
    def key_type(self) -> str:
        return key_type_of(self.public_key)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)


@dataclass(frozen=True)
class AllowedSigner:
    """One line of an allowed-signers file."""

    line: int
    principals: tuple[str, ...]
    key_type: str
    public_key: bytes
    cert_authority: bool = False
    namespaces: tuple[str, ...] | None = None
    valid_after: str | None = None
    valid_before: str | None = None


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
    """The key, namespace and hash of a binary SSHSIG blob (``SshFormatError`` if not one)."""
    if not blob.startswith(b"SSHSIG") or len(blob) < 10:
        raise SshFormatError("not an SSH signature (no SSHSIG magic)")
    (version,) = struct.unpack(">I", blob[6:10])
    if version != 1:
        raise SshFormatError(f"SSH signature version {version} is not supported")
    key, pos = _string(blob, 10)
    namespace, pos = _string(blob, pos)
    _reserved, pos = _string(blob, pos)
    hash_algorithm, pos = _string(blob, pos)
    _signature, pos = _string(blob, pos)
    if pos != len(blob):
        raise SshFormatError("SSH signature has trailing bytes")
    return SshSignature(key, namespace.decode("utf-8", "replace"),
                        hash_algorithm.decode("ascii", "replace"))


def armor(blob: bytes) -> bytes:
    """The blob as ``ssh-keygen -Y sign`` writes it (base64 in 70-column lines)."""
    text = base64.b64encode(blob).decode("ascii")
    lines = [text[i:i + 70] for i in range(0, len(text), 70)]
    return "\n".join([_BEGIN, *lines, _END, ""]).encode("ascii")


def dearmor(text: bytes) -> bytes:
    """The binary blob inside an armored SSH signature."""
    lines = text.decode("ascii", "replace").strip().splitlines()
    if len(lines) < 3 or lines[0].strip() != _BEGIN or lines[-1].strip() != _END:
        raise SshFormatError("not an armored SSH signature")
    try:
        return base64.b64decode("".join(line.strip() for line in lines[1:-1]), validate=True)
    except binascii.Error:
        raise SshFormatError("armored SSH signature is not base64") from None


def parse_allowed_signers(text: str, source: str) -> tuple[AllowedSigner, ...]:
    """Every entry of an allowed-signers file; the first bad line raises, naming it."""
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            entries.append(_signer(number, line))
        except (SshFormatError, ValueError) as exc:
            raise AllowedSignersError(f"{source}:{number}: {exc}") from None
    return tuple(entries)


def principals_for(signers: Sequence[AllowedSigner], public_key: bytes) -> tuple[str, ...]:
    """The principals listed with exactly this key (for messages, not for decisions)."""
    return tuple(p for s in signers if s.public_key == public_key for p in s.principals)


def _signer(number: int, line: str) -> AllowedSigner:
    fields = _fields(line)
    if len(fields) < 3:
        raise SshFormatError("expected 'PRINCIPALS [OPTIONS] KEYTYPE BASE64-KEY'")
    principals = tuple(p for p in fields[0].strip('"').split(",") if p)
    rest = fields[1:]
    options: dict[str, str | bool] = {}
    if rest[0] not in KEY_TYPES and _looks_like_options(rest[0]):
        options = _options(rest[0])
        rest = rest[1:]
    if not rest or rest[0] not in KEY_TYPES:
        found = rest[0] if rest else "nothing"
        raise SshFormatError(f"unknown key type {found!r} (ssh-keygen signs with "
                             f"{', '.join(_PLAIN_KEY_TYPES)})")
    if len(rest) < 2:
        raise SshFormatError(f"no key after {rest[0]}")
    key = _key_blob(rest[0], rest[1])
    namespaces = options.get("namespaces")
    return AllowedSigner(
        number, principals, rest[0], key, bool(options.get("cert-authority")),
        tuple(str(namespaces).split(",")) if namespaces is not None else None,
        _opt_str(options, "valid-after"), _opt_str(options, "valid-before"))


def _looks_like_options(field: str) -> bool:
    name = field.split(",", 1)[0].split("=", 1)[0].lower()
    return "=" in field or name in _OPTIONS


def _options(field: str) -> dict[str, str | bool]:
    out: dict[str, str | bool] = {}
    for item in _split_outside_quotes(field, ","):
        name, eq, value = item.partition("=")
        name = name.lower()
        if name not in _OPTIONS:
            raise SshFormatError(f"unknown option {name!r} (known: {', '.join(_OPTIONS)})")
        if name == "cert-authority":
            if eq:
                raise SshFormatError("cert-authority takes no value")
            out[name] = True
            continue
        if not (eq and len(value) >= 2 and value[0] == value[-1] == '"'):
            raise SshFormatError(f'{name} needs a quoted value, like {name}="..."')
        out[name] = _option_value(name, value[1:-1])
    return out


def _option_value(name: str, value: str) -> str:
    if name.startswith("valid-") and not _TIME.match(value):
        raise SshFormatError(f"{name}={value!r} is not YYYYMMDD[HHMM[SS]][Z]")
    if name == "namespaces" and not value:
        raise SshFormatError("namespaces is empty")
    return value


def _opt_str(options: dict[str, str | bool], name: str) -> str | None:
    value = options.get(name)
    return value if isinstance(value, str) else None


def _key_blob(key_type: str, text: str) -> bytes:
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
    return blob


def _fields(line: str) -> list[str]:
    """Whitespace-separated fields; double quotes protect spaces (as in ssh-keygen)."""
    return [f for f in _split_outside_quotes(line, " \t") if f]


def _split_outside_quotes(text: str, separators: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif char in separators and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    if quoted:
        raise SshFormatError("unterminated double quote")
    parts.append("".join(current))
    return parts


def _string(buf: bytes, pos: int) -> tuple[bytes, int]:
    """One SSH wire-format string (uint32 length, bytes) at ``pos``, and the next offset."""
    if pos + 4 > len(buf):
        raise SshFormatError("truncated SSH data")
    (size,) = struct.unpack(">I", buf[pos:pos + 4])
    end = pos + 4 + size
    if end > len(buf):
        raise SshFormatError("truncated SSH data")
    return buf[pos + 4:end], end
