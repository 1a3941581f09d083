"""What the hooks do to share notes: merge after ``git pull``, push with ``git push``.

Both report on stderr and never fail the user's command (``hook_run`` catches the rest).
"""

from __future__ import annotations

import sys

from countersign.store import sync
from countersign.store.gitcli import Git


def after_pull(repo: Git) -> None:
    """``post-merge``: merge notes that ``git pull`` fetched beside the local ones."""
    try:
        merged = sync.merge_fetched(repo)
    except sync.SyncError as exc:
        print(f"countersign: {exc}\nhint: run `countersign sync`", file=sys.stderr)
        return
    for m in merged:
        print(f"countersign: {m.ref}: {m.how} with the fetched notes", file=sys.stderr)


def with_push(repo: Git, remote: str) -> None:
    """``pre-push``: push the local notes to ``remote`` when sharing is configured there."""
    if not sync.pushes_notes(repo, remote):
        return
    try:
        pushed = sync.push(repo, remote)
    except sync.SyncError as exc:
        print(f"countersign: notes were not pushed: {exc}\nhint: run `countersign sync "
              f"{remote} --push`", file=sys.stderr)
        return
    for p in pushed:
        if p.how == "pushed":
            print(f"countersign: pushed {p.ref} to {remote}", file=sys.stderr)
