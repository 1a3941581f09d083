"""``countersign/commitPreview``: the trailers the commit hook would stamp for what is staged.

The same computation as ``countersign trailers --json`` (``store.stamping.Stamper``). It reads
git objects and the ledger, which can take a while in a large repository, so the server
runs it in a worker thread; the thread opens its own ledger connection (SQLite connections
belong to the thread that made them).
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from countersign.core.config import Config
from countersign.core.rules import RuleSet
from countersign.store import commits
from countersign.store.gitcli import Git, GitError
from countersign.store.ledger import Ledger, LedgerError, default_path
from countersign.store.stamping import Stamper
from countersign.store.standing_cache import with_review


class PreviewError(Exception):
    """Why there is nothing to preview (not a git repository, git failed)."""


@dataclass(frozen=True)
class PreviewInput:
    """What the worker thread needs, taken from the project on the event loop."""

    root: Path
    git_dir: Path | None
    rules: RuleSet
    config: Config


def commit_preview(source: PreviewInput) -> dict[str, Any]:
    """``{trailers: [{key, value}], tier, review, addedLines, aiLines}`` for the index."""
    if source.git_dir is None:
        raise PreviewError(f"{source.root} is not inside a git repository: there is no "
                           f"commit to preview (run git init, or open a repository)")
    try:
        repo = Git(source.root)
        with closing(Ledger.reading(default_path(source.git_dir))) as ledger:
            head = commits.head(repo)
            parents = [head] if head else []
            stamper = Stamper(repo, ledger, source.rules, source.config)
            stamp = with_review(stamper, stamper.staged(parents), parents)
    except (GitError, OSError) as exc:
        raise PreviewError(f"git failed in {source.root}: {exc}") from exc
    except LedgerError as exc:
        raise PreviewError(str(exc)) from exc
    figures = {_camel(k): v for k, v in stamp.to_dict().items()}
    return {"trailers": [{"key": k, "value": v}
                         for k, v in stamp.trailers(source.config.assisted_by)], **figures}


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)
