"""Checking approval signatures against the policy's signer lists, many at a time.

SSH signatures are checked against the policy's allowed-signers file for the claimed
reviewer's email as principal, in the namespace ``countersign-approval``, as of the
approval's time (as git does for commit signatures), with the rules of
``ssh-keygen -Y verify``: principals, ``namespaces=``, ``valid-after`` and
``valid-before`` (``store/allowed_signers.py``). ed25519 and RSA signatures are checked in
this process with the ``sshsig`` package; other key types by ssh-keygen. A key that is
compromised must be removed from the allowed-signers file: ``valid-before`` only limits
when a signature may claim to have been made, and the signer chooses that time.
OpenPGP signatures are checked by ``gpg`` in a throw-away GNUPGHOME holding only the
policy's public keys, and the signing key's user ids must include the reviewer's email.

Identical checks (the same record copied to several commits) run once. Checks that need a
process (gpg, ssh-keygen) run on a small thread pool: each is about 2-4 ms, almost all
start-up.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from countersign.core.attestation import Envelope, SignatureCheck, SignatureState
from countersign.store.allowed_signers import AllowedSigners
from countersign.store.openpgp import Keyring
from countersign.store.signing import missing_tool

S = SignatureState

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
        self._ssh = (AllowedSigners(signers.allowed_signers, ssh_program)
                     if signers.allowed_signers else None)
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
        processes: dict[bytes, Envelope] = {}
        for key, envelope in todo.items():
            check = self._in_process(envelope)
            if check is None:
                processes[key] = envelope
            else:
                self._cache[key] = check
        if processes:
            self._preflight(processes.values())
            with ThreadPoolExecutor(self.workers) as pool:
                for key, check in zip(processes, pool.map(self._by_process, processes.items()),
                                      strict=True):
                    self._cache[key] = check
        return [self._cache[k] for k in keys]

    def _in_process(self, envelope: Envelope) -> SignatureCheck | None:
        """The check when no process is needed; ``None`` when gpg or ssh-keygen must run."""
        if envelope.approval.method == "ssh":
            if self._ssh is None:
                return SignatureCheck(S.UNKNOWN_KEY, "the policy lists no SSH signers "
                                      "([signoff] allowed_signers), so no SSH approval counts")
            return self._ssh.check(envelope)
        if self._keyring is None:
            return SignatureCheck(S.UNKNOWN_KEY, "the policy lists no OpenPGP keys "
                                  "([signoff] openpgp_keys), so no OpenPGP approval counts")
        return None

    def _preflight(self, envelopes: Iterable[Envelope]) -> None:
        """A missing program fails once, up front, rather than once per signature."""
        methods = {e.approval.method for e in envelopes}
        if "ssh" in methods and not shutil.which(self.ssh_program):
            raise missing_tool(self.ssh_program)
        if "openpgp" in methods and self._keyring is not None:
            self._keyring.load()

    def _by_process(self, job: tuple[bytes, Envelope]) -> SignatureCheck:
        """Check one envelope with gpg or ssh-keygen; its signature goes to a file named by
        the check's own key (two checks may share signature bytes, e.g. a record and a
        tampered copy)."""
        key, envelope = job
        sig_file = Path(self._tmp.name) / key.hex()
        if envelope.approval.method == "ssh":
            assert self._ssh is not None
            return self._ssh.check_with_ssh_keygen(envelope, sig_file)
        assert self._keyring is not None
        return self._keyring.verify(envelope, sig_file)


def _cache_key(envelope: Envelope) -> bytes:
    a = envelope.approval
    return hashlib.sha256(b"\0".join([
        a.method.encode(), a.email.encode(), str(a.approved_at).encode(),
        envelope.signature.sig, envelope.signed_bytes])).digest()

