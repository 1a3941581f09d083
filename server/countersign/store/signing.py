"""Signing an approval with the key git already signs commits with.

``gpg.format = ssh`` signs through ``ssh-keygen -Y sign`` in the namespace
``countersign-approval`` (so the signature can never pass for a commit or tag signature,
which use ``git``), with ``user.signingKey`` read the way git reads it: a private key
file, a ``.pub`` file whose private half is in ssh-agent, or a ``key::ssh-...`` literal
(in the agent). ``gpg.format = openpgp`` (git's default) makes a detached binary
signature with ``gpg``, using ``user.signingKey`` or else the key of ``user.email``.
``gpg.ssh.program`` and ``gpg.program`` / ``gpg.openpgp.program`` are honoured.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from countersign.core.attestation import PAYLOAD_TYPE, Approval, Method, envelope, pae, payload
from countersign.core.sshsig import KEY_TYPES, SshFormatError, dearmor, parse_sshsig
from countersign.store.gitcli import Git, GitError

NAMESPACE = "countersign-approval"
"""The ssh-keygen namespace of approval signatures (git's own signatures use ``git``)."""

SETUP_HINT = ("git config --global gpg.format ssh && "
              "git config --global user.signingKey ~/.ssh/id_ed25519.pub")
_PACKAGES = {"ssh-keygen": "openssh-client", "gpg": "gnupg"}


class SigningError(Exception):
    """Signing or verifying cannot run; ``hint`` is the exact command that fixes it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message + (f"\nhint: {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class SigningKey:
    """The key and program git is configured to sign with."""

    method: Method
    program: str
    key: str | None
    """ssh: a key file path or a literal public key; openpgp: a key id, ``None`` = default."""
    literal: bool = False
    """ssh: ``key`` is a public key whose private half is in ssh-agent."""

    def describe(self) -> str:
        if self.method == "ssh":
            return f"SSH key {self.key}" if not self.literal else "SSH key in ssh-agent"
        return f"OpenPGP key {self.key}" if self.key else "default OpenPGP key"


def signing_key(git: Git) -> SigningKey:
    """The signing key of git's configuration; ``SigningError`` with a fix when there is none."""
    config = _config(git)
    fmt = config.get("gpg.format", "openpgp")
    if fmt == "ssh":
        return _ssh_key(git, config)
    if fmt == "openpgp":
        program = config.get("gpg.openpgp.program") or config.get("gpg.program") or "gpg"
        email = config.get("user.email")
        key = config.get("user.signingkey") or (f"<{email}>" if email else None)
        return SigningKey("openpgp", program, key)
    raise SigningError(f"gpg.format is {fmt!r}; countersign signs with ssh or openpgp",
                       SETUP_HINT)


def sign(key: SigningKey, data: bytes) -> tuple[bytes, str]:
    """Raw signature bytes over ``data`` and the signer's key id (fingerprint)."""
    if key.method == "ssh":
        return _sign_ssh(key, data)
    return _sign_gpg(key, data)


def sign_approval(key: SigningKey, approval: Approval) -> bytes:
    """The approval as a signed DSSE envelope: one line of JSON, ready to store."""
    if approval.method != key.method:
        raise ValueError(f"approval says {approval.method}, key is {key.method}")
    body = payload(approval)
    sig, keyid = sign(key, pae(PAYLOAD_TYPE, body))
    return envelope(body, sig, keyid)


def run_tool(argv: Sequence[str], data: bytes, *, env: dict[str, str] | None = None,
             setting: str | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ssh-keygen or gpg; a missing program becomes a ``SigningError`` saying how to
    install it (or which git setting names it)."""
    try:
        return subprocess.run(list(argv), input=data, capture_output=True, check=False,
                              env=env)
    except FileNotFoundError:
        raise missing_tool(argv[0], setting) from None


def missing_tool(program: str, setting: str | None = None) -> SigningError:
    name = Path(program).name
    package = _PACKAGES.get(name, "openssh-client" if "ssh" in name else "gnupg")
    where = f" (set by {setting})" if setting else ""
    return SigningError(f"{program} was not found on PATH{where}",
                        f"sudo apt-get install {package}")


def _config(git: Git) -> dict[str, str]:
    """The ``gpg.*`` and ``user.*`` settings, names lower-cased as git prints them."""
    try:
        out = git.run("config", "-z", "--get-regexp", r"^(gpg|user)\.")
    except GitError:
        return {}  # nothing set (exit code 1)
    config: dict[str, str] = {}
    for item in out.split(b"\0"):
        name, _, value = item.decode("utf-8", "replace").partition("\n")
        if name:
            config[name] = value
    return config


def _ssh_key(git: Git, config: dict[str, str]) -> SigningKey:
    program = config.get("gpg.ssh.program") or "ssh-keygen"
    value = config.get("user.signingkey") or _default_ssh_key(config)
    if not value:
        raise SigningError("gpg.format is ssh but user.signingKey is not set: there is no "
                           "key to sign the approval with", SETUP_HINT)
    if value.startswith("key::") or value.startswith("ssh-"):
        literal = value.removeprefix("key::").strip()
        key_type = literal.split(" ", 1)[0]
        if key_type not in KEY_TYPES:
            raise SigningError(f"user.signingKey has an unknown SSH key type {key_type!r}",
                               SETUP_HINT)
        return SigningKey("ssh", program, literal, literal=True)
    path = Path(value).expanduser()
    path = path if path.is_absolute() else git.root / path
    if not path.is_file():
        raise SigningError(f"user.signingKey names {path}, which does not exist", SETUP_HINT)
    return SigningKey("ssh", program, str(path))


def _default_ssh_key(config: dict[str, str]) -> str | None:
    """The first line of ``gpg.ssh.defaultKeyCommand``'s output, as git uses it."""
    command = config.get("gpg.ssh.defaultkeycommand")
    if not command:
        return None
    done = run_tool(command.split(), b"", setting="gpg.ssh.defaultKeyCommand")
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    return lines[0] if done.returncode == 0 and lines else None


def _sign_ssh(key: SigningKey, data: bytes) -> tuple[bytes, str]:
    assert key.key is not None
    with tempfile.TemporaryDirectory(prefix="countersign-sign-") as tmp:
        keyfile = key.key
        extra = []
        if key.literal:
            keyfile = os.path.join(tmp, "key.pub")
            Path(keyfile).write_text(key.key + "\n", encoding="ascii")
            extra = ["-U"]
        done = run_tool([key.program, "-Y", "sign", "-n", NAMESPACE, "-f", keyfile, *extra],
                        data, setting="gpg.ssh.program")
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip()
        raise SigningError(f"{key.program} could not sign with {key.describe()}: {said}",
                           _ssh_sign_hint(said))
    try:
        blob = dearmor(done.stdout)
        return blob, parse_sshsig(blob).fingerprint
    except SshFormatError as exc:
        raise SigningError(f"{key.program} printed no SSH signature ({exc})") from None


def _ssh_sign_hint(said: str) -> str:
    if "agent" in said.lower():
        return "add the key to ssh-agent: ssh-add ~/.ssh/id_ed25519"
    return SETUP_HINT


def _sign_gpg(key: SigningKey, data: bytes) -> tuple[bytes, str]:
    user = ["--local-user", key.key] if key.key else []
    done = run_tool([key.program, "--status-fd=2", "--detach-sign", *user], data,
                    setting="gpg.program")
    status = done.stderr.decode("utf-8", "replace")
    created = [ln.split() for ln in status.splitlines() if ln.startswith("[GNUPG:] SIG_CREATED")]
    if done.returncode != 0 or not created:
        said = " ".join(ln for ln in status.splitlines() if not ln.startswith("[GNUPG:]"))
        raise SigningError(f"{key.program} could not sign with {key.describe()}: "
                           f"{said.strip() or 'no signature made'}",
                           f"{SETUP_HINT}  (or create an OpenPGP key: gpg --quick-gen-key "
                           "'Your Name <you@example.com>')")
    return done.stdout, created[0][-1]
