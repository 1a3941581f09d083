"""Checking approval signatures against the policy's signer lists, many at a time.

SSH signatures are checked by ``ssh-keygen -Y verify`` against the policy's
allowed-signers file, for the claimed reviewer's email as principal, in the namespace
``countersign-approval``, with ``-Overify-time`` set to the approval's time (as git does
for commit signatures): ssh-keygen applies ``valid-after``, ``valid-before`` and
``namespaces=`` itself. A key that is compromised must therefore be removed from the
allowed-signers file: ``valid-before`` only limits when a signature may claim to have
been made, and the signer chooses that time. OpenPGP signatures are checked by ``gpg``
in a throw-away GNUPGHOME holding only the policy's public keys, and the signing key's
user ids must include the reviewer's email.

Each check is a process (about 4 ms, almost all of it start-up), so checks run on a small
thread pool and identical checks (the same record copied to several commits) run once.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from countersign.core.attestation import Envelope, SignatureCheck, SignatureState
from countersign.core.sshsig import (
    AllowedSigner,
    AllowedSignersError,
    SshFormatError,
    SshSignature,
    armor,
    parse_allowed_signers,
    parse_sshsig,
    principals_for,
)
from countersign.store.openpgp import Keyring
from countersign.store.signing import NAMESPACE, SigningError, missing_tool, run_tool

S = SignatureState
_SSH_OUTCOMES = (  # ssh-keygen's stderr, in the order its checks run
    (("Couldn't parse signature", "sshsig_armor", "invalid format"), S.MALFORMED),
    (("namespace does not match", "not permitted for use in signature namespace"),
     S.WRONG_NAMESPACE),
    (("incorrect signature", "Signature verification failed"), S.BAD_SIGNATURE),
    (("key has expired", "key is not yet valid", "certificate has expired",
      "certificate not yet valid"), S.KEY_NOT_VALID_AT_TIME),
)


@dataclass(frozen=True)
class Signers:
    """The policy's lists of who may sign (paths already resolved against the policy)."""

    allowed_signers: Path | None = None
    """git's ``gpg.ssh.allowedSignersFile`` format; principals are reviewer emails."""
    openpgp_keys: Path | None = None
    """Armored OpenPGP public keys; a key counts for the emails of its user ids."""


class Verifier:
    """Checks approval signatures against ``Signers``; use as a context manager.

    Bad signer lists fail at construction (``SigningError`` naming the file and line), so
    a broken policy is never mistaken for missing approvals.
    """

    def __init__(self, signers: Signers, *, ssh_program: str = "ssh-keygen",
                 gpg_program: str = "gpg", workers: int | None = None) -> None:
        self.signers = signers
        self.ssh_program = ssh_program
        self.workers = workers or max(2, 2 * (os.cpu_count() or 1))
        self._allowed = _load_allowed_signers(signers.allowed_signers)
        self._tmp = tempfile.TemporaryDirectory(prefix="countersign-verify-")
        self._keyring = (Keyring(signers.openpgp_keys, Path(self._tmp.name) / "gnupg",
                                 gpg_program) if signers.openpgp_keys else None)
        self._cache: dict[bytes, SignatureCheck] = {}

    def __enter__(self) -> Verifier:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._tmp.cleanup()

    def verify(self, envelopes: Sequence[Envelope]) -> list[SignatureCheck]:
        """One check per envelope, in order; each distinct check runs once."""
        keys = [_cache_key(e) for e in envelopes]
        todo = {k: e for k, e in zip(keys, envelopes, strict=True) if k not in self._cache}
        self._preflight(todo.values())
        with ThreadPoolExecutor(self.workers) as pool:
            for key, check in zip(todo, pool.map(self._check, todo.items()), strict=True):
                self._cache[key] = check
        return [self._cache[k] for k in keys]

    def _preflight(self, envelopes: Iterable[Envelope]) -> None:
        """A missing program fails once, up front, rather than once per signature."""
        methods = {e.approval.method for e in envelopes}
        if "ssh" in methods and self._allowed is not None and not shutil.which(
                self.ssh_program):
            raise missing_tool(self.ssh_program)
        if "openpgp" in methods and self._keyring is not None:
            self._keyring.load()

    def _check(self, job: tuple[bytes, Envelope]) -> SignatureCheck:
        """Check one envelope; its signature goes to a file named by the check's own key
        (two checks may share signature bytes, e.g. a record and a tampered copy)."""
        key, envelope = job
        sig_file = Path(self._tmp.name) / key.hex()
        if envelope.approval.method == "ssh":
            return self._check_ssh(envelope, sig_file)
        if self._keyring is None:
            return SignatureCheck(S.UNKNOWN_KEY, "the policy lists no OpenPGP keys "
                                  "([signoff] openpgp_keys), so no OpenPGP approval counts")
        return self._keyring.verify(envelope, sig_file)

    def _check_ssh(self, envelope: Envelope, sig_file: Path) -> SignatureCheck:
        if self._allowed is None:
            return SignatureCheck(S.UNKNOWN_KEY, "the policy lists no SSH signers "
                                  "([signoff] allowed_signers), so no SSH approval counts")
        try:
            sig = parse_sshsig(envelope.signature.sig)
        except SshFormatError as exc:
            return SignatureCheck(S.MALFORMED, f"the signature is not an SSH signature: {exc}")
        if sig.namespace != NAMESPACE:
            return SignatureCheck(S.WRONG_NAMESPACE, f"signed in namespace {sig.namespace!r}, "
                                  f"not {NAMESPACE!r}", sig.fingerprint)
        path, entries = self._allowed
        sig_file.write_bytes(armor(envelope.signature.sig))
        when = time.strftime("%Y%m%d%H%M%SZ", time.gmtime(envelope.approval.approved_at))
        done = run_tool([self.ssh_program, "-Y", "verify", "-f", str(path), "-I",
                         envelope.approval.email, "-n", NAMESPACE, "-s", str(sig_file),
                         f"-Overify-time={when}"], envelope.signed_bytes)
        said = done.stderr.decode("utf-8", "replace").strip()
        if done.returncode == 0 and done.stdout.startswith(b"Good "):
            return SignatureCheck(S.VALID, f"good signature by {envelope.approval.email} "
                                  f"({sig.key_type} key {sig.fingerprint})", sig.fingerprint)
        state = next((s for needles, s in _SSH_OUTCOMES if any(n in said for n in needles)),
                     S.UNKNOWN_KEY)
        return SignatureCheck(state, _ssh_message(state, envelope.approval.email, sig, path,
                                                  entries, said), sig.fingerprint)


def _ssh_message(state: SignatureState, email: str, sig: SshSignature, path: Path,
                 entries: Sequence[AllowedSigner], said: str) -> str:
    """Why ssh-keygen refused, in countersign's words, quoting ssh-keygen where it helps."""
    fpr = sig.fingerprint
    if state is S.UNKNOWN_KEY:
        others = principals_for(entries, sig.public_key)
        listed = f" (it is listed for {', '.join(others)})" if others else ""
        return f"key {fpr} is not listed for {email} in {path}{listed}"
    if state is S.KEY_NOT_VALID_AT_TIME:
        return f"key {fpr} of {email} was not valid when the approval was made: {said}"
    if state is S.BAD_SIGNATURE:
        return f"the signature by {fpr} does not match the record (tampered or re-signed)"
    if state is S.WRONG_NAMESPACE:
        return f"key {fpr} is not allowed to sign approvals ({said})"
    return f"ssh-keygen could not read the signature: {said}"


def _load_allowed_signers(path: Path | None) -> tuple[Path, tuple[AllowedSigner, ...]] | None:
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SigningError(f"allowed signers file {path} does not exist",
                           "create it (one 'EMAIL KEYTYPE KEY' line per reviewer) or fix "
                           "[signoff] allowed_signers in the policy") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SigningError(f"allowed signers file {path} cannot be read: {exc}") from None
    try:
        return path, parse_allowed_signers(text, str(path))
    except AllowedSignersError as exc:
        raise SigningError(f"allowed signers file {exc}",
                           "fix the line; the format is in `man ssh-keygen` "
                           "(ALLOWED SIGNERS)") from None


def _cache_key(envelope: Envelope) -> bytes:
    a = envelope.approval
    return hashlib.sha256(b"\0".join([
        a.method.encode(), a.email.encode(), str(a.approved_at).encode(),
        envelope.signature.sig, envelope.signed_bytes])).digest()

