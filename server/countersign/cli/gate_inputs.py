"""What ``verify`` and ``report`` judge commits against besides the commits: the policy
(possibly from the base revision), the code owners of the base, and forge reviews."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from countersign.cli.common import Context
from countersign.cli.errors import UserError
from countersign.core.forge import ForgeApproval, parse_spec, read_evidence
from countersign.store.commits import LoggedCommit
from countersign.store.evidence import Evidence, protected_paths
from countersign.store.gitcli import Git, GitError
from countersign.store.policy_source import PolicySourceError, materialized, split_spec
from countersign.store.signing import SigningError
from countersign.store.workspace import find_workspace


@dataclass(frozen=True)
class GateInputs:
    policy: Path | None = None
    """The policy file as read (a temporary copy when it came from a revision)."""
    base: str | None = None
    forge: tuple[tuple[str, Sequence[ForgeApproval]], ...] = ()
    """(forge name, approvals) per ``--forge-reviews`` file."""
    policy_path: str | None = None
    """The policy's path in the repository, when it came from a revision."""


@contextmanager
def policy_file(spec: str | None) -> Iterator[tuple[Path | None, str | None]]:
    """The policy to load and its repository path (``REV:PATH`` is read from ``REV``)."""
    if spec is None:
        yield None, None
        return
    repo = find_workspace(Path.cwd()).git()
    split = split_spec(spec, repo)
    if split is None:
        yield Path(spec), None
        return
    rev, path = split
    try:
        with materialized(repo, rev, path) as found:
            yield found, path
    except PolicySourceError as exc:
        raise UserError(f"cannot read the policy: {exc}",
                        f"pass a path that exists in {rev} (git ls-tree -r --name-only {rev})",
                        2) from None


def read_forge_reviews(specs: Sequence[str]) -> tuple[tuple[str, Sequence[ForgeApproval]], ...]:
    out = []
    for spec in specs:
        try:
            forge, path = parse_spec(spec)
            text = Path(path).read_text(encoding="utf-8")
        except (ValueError, OSError) as exc:
            raise UserError(f"cannot read --forge-reviews {spec}: {exc}",
                            "pass github:PATH or gitlab:PATH of the file the CI job wrote "
                            "(docs/ci/github-reviews.md)", 2) from None
        evidence = read_evidence(forge, text, path)
        if evidence.errors:
            raise UserError(f"the forge reviews in {path} cannot be counted:\n" +
                            "\n".join(f"  {e}" for e in evidence.errors),
                            "fix what is named above and record them again with the CI sample "
                            f"(docs/ci/{forge}-{'reviews' if forge == 'github' else 'approvals'}"
                            ".md)", 2)
        out.append((forge, tuple(evidence.approvals)))
    return tuple(out)


def gather_evidence(context: Context, repo: Git, revs: Sequence[str],
                    logged: Sequence[LoggedCommit], inputs: GateInputs) -> Evidence:
    """Approvals, owners and protected files for the commits of one run."""
    base = inputs.base or _base(repo, revs, logged)
    tip = logged[0].sha if logged else None
    forge = [a for _, approvals in inputs.forge for a in approvals]
    name = "+".join(f for f, _ in inputs.forge)
    protected = protected_paths(_policy_root(context, inputs), context.config, inputs.policy)
    evidence = Evidence(repo, context.config, base, forge, name, tip, protected)
    try:
        evidence.load([c.sha for c in logged])
    except SigningError as exc:
        raise UserError(f"cannot check approvals: {exc.message}", exc.hint, 2) from None
    return evidence


def _policy_root(context: Context, inputs: GateInputs) -> Path:
    """Where the policy's files are, as in the repository: the working tree, or the
    directory a policy read from a revision was copied to."""
    if inputs.policy is None or inputs.policy_path is None:
        return context.workspace.root
    depth = len(Path(inputs.policy_path).parts)
    return inputs.policy.resolve().parents[depth - 1]


def _base(repo: Git, revs: Sequence[str], logged: Sequence[LoggedCommit]) -> str | None:
    """The range's base: ``A`` of ``A..B`` or ``^A``, else the oldest commit's parent."""
    for rev in revs:
        if ".." in rev and not rev.startswith("-"):
            base = rev.split("..")[0].rstrip(".") or "HEAD"
            return _commit(repo, base)
        if rev.startswith("^"):
            return _commit(repo, rev[1:])
    if logged and logged[-1].parents:
        return logged[-1].parents[0]
    return None


def _commit(repo: Git, rev: str) -> str | None:
    try:
        return repo.text("rev-parse", "-q", "--verify", "--end-of-options", f"{rev}^{{commit}}")
    except GitError:
        return None
