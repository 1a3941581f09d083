"""OpenPGP approval signatures, checked by gpg against the policy's public keys only.

The policy's armored key file is imported once into a private, throw-away GNUPGHOME
(never the user's keyring, whose keys the policy did not choose). gpg's machine-readable
``--status-fd`` lines decide the outcome; its human messages are only quoted.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from countersign.core.attestation import Envelope, SignatureCheck, SignatureState
from countersign.store.signing import SigningError, run_tool

S = SignatureState
_EMAIL = re.compile(r"<([^<>\s]+@[^<>\s]+)>|^([^<>\s]+@[^<>\s]+)$")
_BINARY_DOCUMENT = "00"  # signature class of a detached signature over bytes


@dataclass(frozen=True)
class PublicKey:
    """A key of the policy's key file: its primary fingerprint and user id emails."""

    fingerprint: str
    emails: frozenset[str]


class Keyring:
    """The policy's OpenPGP public keys in a GNUPGHOME of their own, imported once."""

    def __init__(self, keys_file: Path, home: Path, program: str = "gpg") -> None:
        self.keys_file = keys_file
        self.home = home
        self.program = program
        self._keys: dict[str, PublicKey] | None = None
        self._lock = threading.Lock()

    def load(self) -> dict[str, PublicKey]:
        """Import the key file (first call only); fingerprint (primary or sub) -> key."""
        with self._lock:
            if self._keys is None:
                self._keys = self._import()
            return self._keys

    def verify(self, envelope: Envelope, sig_file: Path) -> SignatureCheck:
        """Check one approval's detached OpenPGP signature (written to ``sig_file``)."""
        keys = self.load()
        sig_file.write_bytes(envelope.signature.sig)
        done = run_tool(self._gpg("--trust-model", "always", "--status-fd", "1", "--verify",
                                  str(sig_file), "-"), envelope.signed_bytes,
                        setting="gpg.program")
        status = _status(done.stdout)
        return self._judge(status, envelope, keys)

    def _gpg(self, *args: str) -> list[str]:
        return [self.program, "--homedir", str(self.home), "--batch", "--no-autostart",
                "--no-tty", *args]

    def _import(self) -> dict[str, PublicKey]:
        if not self.keys_file.is_file():
            raise SigningError(f"OpenPGP keys file {self.keys_file} does not exist",
                               f"export the reviewers' keys: gpg --armor --export EMAIL... "
                               f"> {self.keys_file}")
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        done = run_tool(self._gpg("--status-fd", "1", "--import", str(self.keys_file)), b"")
        imported = [s for s in _status(done.stdout) if s[0] == "IMPORT_OK"]
        if not imported:
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise SigningError(f"OpenPGP keys file {self.keys_file} holds no public key "
                               f"gpg can import ({said[-1] if said else 'no output'})",
                               f"gpg --armor --export EMAIL... > {self.keys_file}")
        listing = run_tool(self._gpg("--with-colons", "--fixed-list-mode", "--list-keys"), b"")
        return _keys(listing.stdout.decode("utf-8", "replace"))

    def _judge(self, status: Sequence[list[str]], envelope: Envelope,
               keys: dict[str, PublicKey]) -> SignatureCheck:
        kinds = {s[0]: s[1:] for s in status}
        email = envelope.approval.email
        if "PLAINTEXT" in kinds or sum(1 for s in status if s[0] == "NEWSIG") > 1:
            return SignatureCheck(S.MALFORMED, "not one detached OpenPGP signature")
        if "BADSIG" in kinds:
            return SignatureCheck(S.BAD_SIGNATURE, f"the signature by {kinds['BADSIG'][0]} "
                                  "does not match the record (tampered or re-signed)",
                                  kinds["BADSIG"][0])
        if "NO_PUBKEY" in kinds:
            keyid = kinds["NO_PUBKEY"][0]
            return SignatureCheck(S.UNKNOWN_KEY, f"OpenPGP key {keyid} is not among the "
                                  f"policy's keys in {self.keys_file}", keyid)
        valid = kinds.get("VALIDSIG")
        if valid is None or len(valid) < 10:
            errsig = kinds.get("ERRSIG", [])
            return SignatureCheck(S.MALFORMED, "gpg could not check the signature"
                                  + (f" (error code {errsig[5]})" if len(errsig) > 5 else ""))
        fpr, sig_class, primary = valid[0], valid[8], valid[9]
        if sig_class != _BINARY_DOCUMENT:
            return SignatureCheck(S.MALFORMED, f"signature class {sig_class} is not a "
                                  "detached signature over bytes", fpr)
        timing = _timing(kinds, envelope.approval.approved_at, primary)
        if timing is not None:
            return timing
        key = keys.get(primary) or keys.get(fpr)
        if key is None or email.lower() not in key.emails:
            ids = ", ".join(sorted(key.emails)) if key else "none"
            return SignatureCheck(S.UNKNOWN_KEY, f"OpenPGP key {primary} is not listed for "
                                  f"{email} (its user ids: {ids})", primary)
        return SignatureCheck(S.VALID, f"good OpenPGP signature by {email} (key {primary})",
                              primary)


def _timing(kinds: dict[str, list[str]], approved_at: int, fpr: str) -> SignatureCheck | None:
    """Refusal for a revoked key, or a key that had expired when the approval was made."""
    if "REVKEYSIG" in kinds:
        return SignatureCheck(S.KEY_NOT_VALID_AT_TIME, f"OpenPGP key {fpr} is revoked", fpr)
    if "EXPSIG" in kinds:
        return SignatureCheck(S.KEY_NOT_VALID_AT_TIME, "the signature itself has expired", fpr)
    if "EXPKEYSIG" in kinds:
        expired = kinds.get("KEYEXPIRED", ["0"])[0]
        if not expired.isdigit() or int(expired) <= approved_at:
            return SignatureCheck(S.KEY_NOT_VALID_AT_TIME, f"OpenPGP key {fpr} had expired "
                                  "when the approval was made", fpr)
    return None


def _status(out: bytes) -> list[list[str]]:
    """``[GNUPG:] KEYWORD ARGS`` lines as ``[KEYWORD, ARG...]``."""
    lines = out.decode("utf-8", "replace").splitlines()
    return [ln.split()[1:] for ln in lines if ln.startswith("[GNUPG:] ") and len(ln.split()) > 1]


def _keys(colons: str) -> dict[str, PublicKey]:
    """Fingerprint of every primary key and subkey -> its primary key with uid emails."""
    groups: list[tuple[list[str], set[str]]] = []  # (fingerprints, emails) per primary key
    last = ""
    for line in colons.splitlines():
        fields = line.split(":")
        if fields[0] == "pub":
            groups.append(([], set()))
        elif fields[0] == "fpr" and groups and last in ("pub", "sub"):
            groups[-1][0].append(fields[9])
        elif fields[0] == "uid" and groups and len(fields) > 9:
            groups[-1][1].update(_emails(fields[9]))
        last = fields[0]
    out: dict[str, PublicKey] = {}
    for fingerprints, emails in groups:
        if fingerprints:
            key = PublicKey(fingerprints[0], frozenset(emails))
            out.update(dict.fromkeys(fingerprints, key))
    return out


def _emails(uid: str) -> set[str]:
    """Emails of a user id as gpg prints it in colon format (``\\x3a`` escapes)."""
    text = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), uid)
    match = _EMAIL.search(text.strip())
    return {(match.group(1) or match.group(2)).lower()} if match else set()
