"""``countersign sync [REMOTE] [--push]``: share provenance and approval notes safely.

Configures REMOTE (default ``origin``) so its notes are fetched beside the local ones,
fetches them, merges them into ``refs/notes/countersign`` and
``refs/notes/countersign-approvals`` (local notes are never overwritten; see
``store.sync``), and with ``--push`` pushes the merged notes back. The ``pre-push`` hook
does the push part whenever the user pushes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from countersign.cli.common import require_repository
from countersign.cli.errors import UserError
from countersign.store import sync
from countersign.store.gitcli import Git
from countersign.store.workspace import find_workspace


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("sync", help="fetch, merge (and push) countersign's notes "
                                         "without overwriting any")
    parser.add_argument("remote", nargs="?", metavar="REMOTE",
                        help="the remote to share with (default: origin)")
    parser.add_argument("--push", action="store_true",
                        help="also push the merged notes (CI after `countersign ci land`)")
    parser.set_defaults(func=run)


def _remote(repo: Git, name: str | None) -> str:
    known = sync.remotes(repo)
    remote = name or ("origin" if "origin" in known or not known else known[0])
    if remote not in known:
        raise UserError(f"this repository has no remote {remote!r}"
                        + (f" (it has: {', '.join(known)})" if known else ""),
                        "name one: `countersign sync REMOTE`, or add it with "
                        "`git remote add origin URL`", 2)
    return remote


def run(args: argparse.Namespace) -> int:
    workspace = require_repository(find_workspace(Path.cwd()),
                                   "run it in the clone whose notes to share")
    repo = workspace.git()
    remote = _remote(repo, args.remote)
    for line in sync.configure(repo, remote):
        print(line)
    try:
        sync.fetch(repo, remote)
        for merged in sync.merge(repo, remote):
            print(f"{merged.ref}: {merged.how}")
        if args.push:
            for pushed in sync.push(repo, remote):
                print(f"{pushed.ref} -> {remote}: {pushed.how}")
    except sync.SyncError as exc:
        raise UserError(str(exc), f"check that `git fetch {remote}` works here, then run "
                        f"`countersign sync {remote}{' --push' if args.push else ''}` again") \
            from None
    if not args.push:
        print(f"Your notes reach {remote} with your next `git push` (the pre-push hook), or "
              f"now with `countersign sync {remote} --push`.")
    return 0
