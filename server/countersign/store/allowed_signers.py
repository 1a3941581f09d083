"""SSH approval signatures, checked against the policy's allowed-signers file.

ed25519 and RSA signatures are checked in this process: the ``sshsig`` package does the
cryptography (``sshsig.check_signature``, about 0.1 ms) and ``core/sshsig.py`` the rest
of what ``ssh-keygen -Y verify -I EMAIL -n countersign-approval -Overify-time=T``
decides, in ssh-keygen's order, so each check ends in the state ssh-keygen would give
(a differential test holds the two together). Keys the package does not implement
(ECDSA, FIDO security keys, certificates under a ``cert-authority`` line) are checked by
``ssh-keygen -Y verify`` itself, one process each (about 4 ms, mostly start-up).

The packages are imported when the first check runs, not when this module is, so the
commit hooks never load ``cryptography``.
"""

from __future__ import annotations

import time
from pathlib import Path

from countersign.core.attestation import Envelope, SignatureCheck, SignatureState
from countersign.core.sshsig import (
    KEY_TYPES,
    AllowedSigner,
    AllowedSignersError,
    SignerMatch,
    SshFormatError,
    SshSignature,
    key_problem,
    match_signer,
    parse_allowed_signers,
    parse_sshsig,
    principals_for,
    signature_problem,
)
from countersign.store.signing import NAMESPACE, SigningError, run_tool

S = SignatureState
_SSH_KEYGEN_SAYS = (  # ssh-keygen's stderr -> state; the first that appears decides
    (("Couldn't parse signature", "parse signature object", "larger than supported version",
      "invalid format", "trailing data", "unsupported hash", "not supported",
      "unsupported RSA signature algorithm", "unable to get signature type",
      "key type does not match", "unexpected bytes remain", "incomplete message",
      "string is too large"), S.MALFORMED),
    (("namespace does not match", "not permitted for use in signature namespace"),
     S.WRONG_NAMESPACE),
    (("incorrect signature", "error in libcrypto"), S.BAD_SIGNATURE),
    (("key has expired", "key is not yet valid", "Certificate invalid: expired",
      "Certificate invalid: not yet valid"), S.KEY_NOT_VALID_AT_TIME),
)


class AllowedSigners:
    """The policy's allowed-signers file, read and checked once; checks signatures."""

    def __init__(self, path: Path, program: str = "ssh-keygen") -> None:
        self.path = path
        self.program = program
        self.entries = _load(path)

    def check(self, envelope: Envelope) -> SignatureCheck | None:
        """Check one SSH approval in process; ``None`` if its key type needs ssh-keygen."""
        try:
            sig = parse_sshsig(envelope.signature.sig)
            if not _implemented(sig):
                return None
            problem = signature_problem(sig)
        except SshFormatError as exc:
            return SignatureCheck(S.MALFORMED, f"the signature is not an SSH signature: {exc}")
        fpr = sig.fingerprint
        if problem:
            return SignatureCheck(S.MALFORMED, f"the signature is not a valid SSH signature: "
                                  f"{problem}", fpr)
        if sig.namespace != NAMESPACE:
            return SignatureCheck(S.WRONG_NAMESPACE, f"signed in namespace {sig.namespace!r}, "
                                  f"not {NAMESPACE!r}", fpr)
        if not _signature_holds(envelope):
            return self._verdict(S.BAD_SIGNATURE, envelope.approval.email, sig)
        approval = envelope.approval
        match = match_signer(self.entries, sig.public_key, approval.email, NAMESPACE,
                             approval.approved_at)
        return self._judge(match, approval.email, sig)

    def check_with_ssh_keygen(self, envelope: Envelope, sig_file: Path) -> SignatureCheck:
        """Check one SSH approval with ``ssh-keygen -Y verify`` (its signature is written to
        ``sig_file``), for key types the ``sshsig`` package does not implement."""
        from sshsig.sshsig import ssh_enarmor_sshsig

        try:
            sig = parse_sshsig(envelope.signature.sig)
        except SshFormatError as exc:
            return SignatureCheck(S.MALFORMED, f"the signature is not an SSH signature: {exc}")
        sig_file.write_text(ssh_enarmor_sshsig(envelope.signature.sig), encoding="ascii")
        when = time.strftime("%Y%m%d%H%M%SZ", time.gmtime(envelope.approval.approved_at))
        done = run_tool([self.program, "-Y", "verify", "-f", str(self.path), "-I",
                         envelope.approval.email, "-n", NAMESPACE, "-s", str(sig_file),
                         f"-Overify-time={when}"], envelope.signed_bytes)
        said = done.stderr.decode("utf-8", "replace").strip()
        if done.returncode == 0 and done.stdout.startswith(b"Good "):
            return self._verdict(S.VALID, envelope.approval.email, sig)
        state = next((s for needles, s in _SSH_KEYGEN_SAYS if any(n in said for n in needles)),
                     S.UNKNOWN_KEY)
        return self._verdict(state, envelope.approval.email, sig, said)

    def _judge(self, match: SignerMatch, email: str, sig: SshSignature) -> SignatureCheck:
        """The state of a signature that checked out, from what the lines decided: a
        namespace refusal names the problem before a time refusal, as the table of
        ssh-keygen's words does."""
        if match.line is not None:
            return self._verdict(S.VALID, email, sig)
        for kind, state in (("namespace", S.WRONG_NAMESPACE),
                            ("time", S.KEY_NOT_VALID_AT_TIME)):
            refusal = next((r for r in match.refusals if r.kind == kind), None)
            if refusal is not None:
                return self._verdict(state, email, sig,
                                     f"{self.path}:{refusal.line}: {refusal.reason}")
        return self._verdict(S.UNKNOWN_KEY, email, sig)

    def _verdict(self, state: SignatureState, email: str, sig: SshSignature,
                 said: str = "") -> SignatureCheck:
        """The check in countersign's words, quoting the rule that refused it (``said``)."""
        fpr = sig.fingerprint
        if state is S.VALID:
            message = f"good signature by {email} ({sig.key_type} key {fpr})"
        elif state is S.UNKNOWN_KEY:
            others = principals_for(self.entries, sig.public_key)
            listed = f" (it is listed for {', '.join(others)})" if others else ""
            message = f"key {fpr} is not listed for {email} in {self.path}{listed}"
        elif state is S.KEY_NOT_VALID_AT_TIME:
            message = f"key {fpr} of {email} was not valid when the approval was made: {said}"
        elif state is S.BAD_SIGNATURE:
            message = (f"the signature by {fpr} does not match the record (tampered or "
                       "re-signed)")
        elif state is S.WRONG_NAMESPACE:
            message = f"key {fpr} is not allowed to sign approvals ({said})"
        else:
            message = f"ssh-keygen could not read the signature: {said}"
        return SignatureCheck(state, message, fpr)


def _implemented(sig: SshSignature) -> bool:
    """Whether the ``sshsig`` package has code for the signature's key type; a key of no
    type ssh-keygen signs with, or one that cannot be read, is ``SshFormatError``."""
    from sshsig import PublicKey

    if sig.key_type not in KEY_TYPES:
        raise SshFormatError(f"{sig.key_type!r} is not a key type ssh-keygen signs with")
    try:
        PublicKey.from_ssh_encoding(sig.public_key)
    except NotImplementedError:
        return False
    except ValueError as exc:
        raise SshFormatError(f"its {sig.key_type} key cannot be read ({exc})") from None
    problem = key_problem(sig.public_key)
    if problem:
        raise SshFormatError(f"its {sig.key_type} key cannot be read ({problem})")
    return True


def _signature_holds(envelope: Envelope) -> bool:
    """Whether the signature is the embedded key's over the record, in the namespace."""
    from sshsig import InvalidSignature, check_signature
    from sshsig.sshsig import ssh_enarmor_sshsig

    blob = envelope.signature.sig
    # ssh-keygen reads versions 0 and 1, the package only 1; the version is not signed
    armored = ssh_enarmor_sshsig(blob[:6] + b"\0\0\0\1" + blob[10:])
    try:
        check_signature(envelope.signed_bytes, armored, NAMESPACE)
    except (InvalidSignature, ValueError):  # ValueError: bytes the package cannot decode
        return False
    return True


def _load(path: Path) -> tuple[AllowedSigner, ...]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SigningError(f"allowed signers file {path} does not exist",
                           "create it (one 'EMAIL KEYTYPE KEY' line per reviewer) or fix "
                           "[signoff] allowed_signers in the policy") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SigningError(f"allowed signers file {path} cannot be read: {exc}") from None
    try:
        return parse_allowed_signers(text, str(path))
    except AllowedSignersError as exc:
        raise SigningError(f"allowed signers file {exc}",
                           "fix the line; the format is in `man ssh-keygen` "
                           "(ALLOWED SIGNERS)") from None
