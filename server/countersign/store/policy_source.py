"""Reading the policy from a revision (``--policy origin/main:policy.toml``).

The gate must judge a change by the base branch's policy, never by a policy the change
itself edits: a pull request that adds its author to the seniors, or its key to the
allowed signers, must not pass by doing so. With ``REV:PATH`` the policy file and the files
it names (signer lists, rule packs) are read from ``REV`` into a temporary directory that
keeps their relative layout, and the gate reads them from there.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from countersign.core.rulepack import toml_module
from countersign.store.gitcli import Git, GitError


class PolicySourceError(Exception):
    """The policy cannot be read from the revision named."""


def split_spec(spec: str, repo: Git) -> tuple[str, str] | None:
    """``(rev, path)`` when ``spec`` names a file in a revision, else ``None`` (a plain path)."""
    rev, sep, path = spec.partition(":")
    if not sep or not rev or not path or Path(spec).exists():
        return None
    try:
        repo.text("rev-parse", "-q", "--verify", "--end-of-options", f"{rev}^{{commit}}")
    except GitError:
        return None
    return rev, path


@contextmanager
def materialized(repo: Git, rev: str, path: str) -> Iterator[Path]:
    """The policy ``path`` of ``rev`` and the files it names, as files on disk."""
    with tempfile.TemporaryDirectory(prefix="countersign-policy-") as tmp:
        root = Path(tmp)
        text = _write(repo, rev, PurePosixPath(path), root)
        try:
            data = toml_module().loads(text)
        except toml_module().TOMLDecodeError:
            data = {}  # the loader reports the TOML error with its line
        for named in _named_files(data):
            target = PurePosixPath(path).parent / named
            if ".." in target.parts:
                continue  # outside the repository: cannot come from the revision
            try:
                _write(repo, rev, target, root)
            except PolicySourceError:
                continue  # the loader reports the missing file by name
        yield root / path


def _write(repo: Git, rev: str, path: PurePosixPath, root: Path) -> str:
    data = repo.blob(rev, path.as_posix())
    if data is None:
        raise PolicySourceError(f"{path} does not exist in {rev}")
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return data.decode("utf-8", "replace")


def _named_files(data: dict[str, Any]) -> list[str]:
    signoff = data.get("signoff", {}) if isinstance(data.get("signoff"), dict) else {}
    rules = data.get("rules", {}) if isinstance(data.get("rules"), dict) else {}
    named = [signoff.get("allowed_signers"), signoff.get("gpg_keys")]
    packs = rules.get("packs", [])
    named += packs if isinstance(packs, list) else []
    return [n for n in named if isinstance(n, str) and n]
