"""Real keys and repositories for the signing tests: ssh-keygen keys, a gpg home, commits."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from countersign.core.attestation import Approval, Role, SignatureCheck
from countersign.core.tiers import Review, Tier
from countersign.store.approvals import append_approval, content_digest, read_approvals
from countersign.store.gitcli import Git
from countersign.store.signing import sign_approval, signing_key
from countersign.store.verification import Signers, Verifier
from tests.helpers import git, write

AT = 1795435200  # 2026-11-23T12:00:00Z, the approval time of every test record
SAM = "Sam Senior <sam@example.com>"


def ssh_key(directory: Path, name: str, kind: str = "ed25519") -> Path:
    """A new key pair (ed25519 unless ``kind`` says otherwise) without passphrase; returns
    the private key's path."""
    path = directory / name
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", name, "-f",
                    str(path)], check=True)
    return path


def public(key: Path) -> str:
    return key.with_name(key.name + ".pub").read_text().strip()


def allowed_signers(path: Path, *lines: str) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


def gpg(home: Path, *args: str, data: bytes = b"") -> str:
    done = subprocess.run(["gpg", "--homedir", str(home), "--batch", *args], input=data,
                          capture_output=True, check=True)
    return done.stdout.decode()


def gpg_key(home: Path, uid: str) -> str:
    """A new ed25519 signing key without passphrase; returns its fingerprint."""
    gpg(home, "--passphrase", "", "--quick-gen-key", uid, "ed25519", "sign", "never")
    email = uid.split("<")[1].rstrip(">")
    fprs = [ln.split(":")[9] for ln in gpg(home, "--with-colons", "--list-keys",
                                           f"<{email}>").splitlines() if ln.startswith("fpr")]
    return fprs[0]


def two_commits(repo: Path) -> str:
    """A base commit and a change to app/db.py on top; returns the change's id."""
    write(repo, "app/db.py", "def connect():\n    return None\n")
    write(repo, "README.md", "service\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    write(repo, "app/db.py", "def connect():\n    return open_pool(size=4)\n")
    git(repo, "commit", "-qam", "pool")
    return head(repo)


def head(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "rev-parse", rev).strip()


def approve(repo: Path, reviewer: str = SAM, rev: str = "HEAD", at: int = AT,
            role: Role = "senior") -> bytes:
    """Sign an approval of ``rev`` as ``role`` with the repository's configured key and store
    it."""
    runner = Git(repo)
    sha = head(repo, rev)
    digest, files = content_digest(runner, sha)
    key = signing_key(runner)
    record = sign_approval(key, Approval(reviewer, role, sha, digest, files, Tier.HIGH,
                                         Review.SENIOR, ("DAT002",), at, key.method))
    append_approval(runner, sha, record)
    return record


def verify(repo: Path, signers: Signers) -> list[SignatureCheck]:
    stored = read_approvals(Git(repo))
    with Verifier(signers) as verifier:
        return verifier.verify([s.envelope for s in stored.all()])


def states(checks: Sequence[SignatureCheck]) -> list[str]:
    return [c.state.value for c in checks]
