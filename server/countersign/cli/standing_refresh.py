"""The background refresh of the cached standing (``store.standing_cache``), after a commit.

The commit hook starts ``python -m countersign.cli.standing_refresh PID PARENT`` detached
when the policy has ``[autonomy]``: it waits for the git process PID (the commit) to end and
HEAD to move past PARENT, then computes the track record of the new HEAD at low priority
and caches its standing, so the next commit's trailers find it fresh. At most one refresh
runs and one waits (``refresh_turn``); a failure leaves the cache as it was (the next
trailers then say the record is stale) and is logged.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from countersign.store.gitcli import Git

WAIT = 0.2
"""Seconds between looks at the commit process and HEAD."""
PATIENCE = 3600
"""Seconds to wait for a commit (an editor left open) before giving up."""


# The rest is imported once the commit is made: while it is being made, this process
# should take as little of the machine as it can.


def main(argv: Sequence[str]) -> int:
    pid, parent = int(argv[0]), argv[1] if len(argv) > 1 else ""
    repo = Git(Path.cwd())
    if not _committed(repo, pid, parent):
        return 0
    try:
        os.nice(10)
        refresh(repo)
    except Exception:  # nobody is there to read it: logged, the trailers say "stale"
        from countersign.cli.errors import log_crash

        log_crash()
    return 0


def _committed(repo: Git, pid: int, parent: str) -> bool:
    """Wait until the process ``pid`` has ended; whether HEAD then moved past ``parent``
    (not when the commit was abandoned)."""
    from countersign.store import commits

    deadline = time.monotonic() + PATIENCE
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(WAIT)
    head = commits.head(repo)
    return head is not None and head != parent


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def refresh(repo: Git) -> None:
    """Cache the standing of HEAD unless it is cached already (``cli.record.standing_at``
    writes it), taking turns with other refreshes."""
    from countersign.cli.common import load_context
    from countersign.cli.record import standing_at
    from countersign.store import commits, standing_cache

    context = load_context(Path.cwd())
    git_dir = context.workspace.git_dir
    if git_dir is None or not context.config.autonomy.active:
        return
    with standing_cache.refresh_turn(git_dir) as mine:
        if not mine:
            return
        git = context.workspace.git()
        head = commits.head(git)
        key = standing_cache.policy_key(context.config, context.rules)
        if head is not None and head not in standing_cache.load(git_dir, key)[0]:
            standing_at(context, git, head)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
