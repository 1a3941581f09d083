"""What ``verify`` and ``approve`` read from their command line besides the range: the policy
(possibly from the base revision) and forge reviews. How they are judged is
``store.judging``'s (``GateInputs``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from countersign.cli.errors import UserError
from countersign.core.forge import ForgeApproval, parse_spec, read_evidence
from countersign.store.policy_source import PolicySourceError, materialized, split_spec
from countersign.store.workspace import find_workspace


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
