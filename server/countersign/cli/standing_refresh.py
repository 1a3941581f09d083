"""The background refresh of the cached standing (``store.standing_cache``), after a commit.

The commit hook starts it detached when the policy has ``[autonomy]``
(``store.standing_cache.spawn_refresh``): a shell waits for the git process PID making the
commit, then runs ``python -m countersign.cli.standing_refresh PID PARENT``. Unless HEAD is
still PARENT (the commit was abandoned), it computes the track record of the new HEAD at
low priority and caches its standing, so the next commit's trailers find it fresh. At most
one refresh runs and one waits (``refresh_turn``); a failure leaves the cache as it was
(the next trailers then say the record is stale) and is logged.
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


# The rest is imported once this refresh has its turn: in a burst of commits most
# refreshes find another waiting and end at once.


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
    from countersign.store.standing_cache import alive

    deadline = time.monotonic() + PATIENCE  # the hook's shell waited already, usually
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(WAIT)
    head = commits.head(repo)
    return head is not None and head != parent


def refresh(repo: Git) -> None:
    """Cache the standing of HEAD unless it is cached already (``store.track.standing_at``
    writes it), taking turns with other refreshes."""
    from countersign.store import commits, standing_cache

    git_dir = repo.git_dir
    with standing_cache.refresh_turn(git_dir) as mine:
        if not mine:
            return
        standing_cache.forget_waits(git_dir)
        from countersign.cli.common import load_context
        from countersign.store.track import standing_at

        context = load_context(Path.cwd())
        if not context.config.autonomy.active:
            return
        head = commits.head(repo)
        key = standing_cache.policy_key(context.config, context.rules)
        if head is not None and head not in standing_cache.load(git_dir, key)[0]:
            standing_at(repo, context.config, context.rules, head)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
