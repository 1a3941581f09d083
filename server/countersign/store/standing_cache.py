"""The commit trailers under ``[autonomy]``: the cached standing they apply, and its upkeep.

The review a change needs depends on its tools' track record, which takes seconds to
compute over a long history: too slow for a commit hook (issue 17: all hooks together add
at most 100 ms). So the decisions are computed elsewhere and cached in
``.git/countersign/autonomy-standing.json`` as tables (``core.standing_table``), one per
commit they were computed at and per policy (``policy_key``): by ``countersign record``,
by ``verify`` (at the base of its range), and by a background refresh the commit hook
starts after each commit (``cli.standing_refresh``). The hook reads the file once, and only
when the policy has an ``[autonomy]`` section.

A change building on commit P takes the table of P (``fresh``: what ``verify P..`` decides).
Without it the trailers never claim more than they know: a table of another commit
(``stale``) applies its tightenings but no relaxation, no usable table applies nothing, and
a ``Review-Autonomy`` trailer says which. ``verify`` recomputes the record and ignores the
declared ``Review-Required``, so no trailer can lower what it requires.

The file is checked (``HEADER`` and a SHA-256 of the rest): a garbled or hand-edited file is
refused whole and counts as missing. That catches corruption and edits, not a user bent on
forging it (who could as well rewrite the hook); the gate does not read it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from countersign import __version__
from countersign.core.config import Config
from countersign.core.rules import RuleSet
from countersign.core.tiers import Review, Tier
from countersign.core.trailers import Stamp, email_of, review_needed
from countersign.store import commits
from countersign.store.stamping import Stamper

if TYPE_CHECKING:  # imported where used: a commit without [autonomy] never needs them
    from countersign.core.standing_table import Decision, StandingTable

CACHE = "countersign/autonomy-standing.json"
"""Under the git directory."""
HEADER = b"countersign-standing 1 "
"""Line 1: this, then the SHA-256 (hex) of line 2, the tables as JSON."""
KEEP = 8
"""Tables kept, newest last: a few commits back (an amend builds on HEAD's parent)."""
REFRESH = "COUNTERSIGN_STANDING_REFRESH"
"""``off`` stops the commit hook starting the background refresh."""


def with_review(stamper: Stamper, stamp: Stamp, parents: Sequence[str],
                hook: int | None = None) -> Stamp:
    """``stamp`` (of the staged change on top of ``parents``) with the review ``verify``
    decides for it (``core.trailers.review_needed``): at the author's level, with what
    ``[autonomy]`` gives its AI tools (and why, ``Stamp.autonomy``), and the policy's
    reviews regardless of provenance. ``hook``: the process id of the commit hook's shim;
    the background refresh then starts for the commit its git process makes."""
    config = stamper.config
    autonomy = None
    if config.autonomy.active:
        if hook is not None:
            spawn_refresh(stamper.repo.root, Path(stamper.repo.git_dir),
                          parents[0] if parents else "", _parent_of(hook))
        tools = sorted({str(o.tool) for lines in stamp.ai_lines.values()
                        for o in lines.values()})
        if tools:
            key = policy_key(config, stamper.rules)

            def autonomy(base: Review) -> tuple[Review, tuple[str, ...]]:
                decision = decide(Path(stamper.repo.git_dir), key, config, tools, stamp.tier,
                                  base, parents)
                return decision.review, decision.reasons

    ident = stamper.repo.identity("AUTHOR") if config.signoff.review_by_author else None
    author = email_of(ident) if ident is not None else None
    everything = (stamper.all_lines_tier(commits.staged_changes(stamper.repo, parents))
                  if config.signoff.regardless else None)
    review, reasons = review_needed(config, stamp.tier, author, autonomy, everything,
                                    bool(stamp.suppressed_ids()))
    return replace(stamp, review=review, autonomy=reasons)


def decide(git_dir: Path, key: str, config: Config, tools: Sequence[str], tier: Tier,
           base: Review, parents: Sequence[str]) -> Decision:
    """The review for ``tools`` at ``tier`` on top of ``parents`` from the cached tables,
    with the reasons and what the trailers could not know."""
    from countersign.core.standing_table import Decision

    if not parents:  # the first commit builds on no history: verify's empty record
        from countersign.core.standing import Standing  # ~5 ms, only on a first commit
        from countersign.core.track_record import TrackRecord

        policy = config.autonomy
        empty = TrackRecord(0, policy.days_needed, policy.survival_days)
        return Standing(policy, empty).review(tools, tier, base)
    tables, problem = load(git_dir, key)
    mine = [tables.get(p) for p in parents]
    found = [t for t in mine if t is not None]
    if found and len(found) == len(mine):  # verify builds on the newest parent
        return max(found, key=lambda t: t.as_of).decide(tools, tier, base)
    if tables:
        newest = max(reversed(tables.values()), key=lambda t: t.as_of)  # ties: the last made
        strict = newest.decide(tools, tier, base, strict=True)
        return Decision(strict.review, (
            *strict.reasons,
            f"stale track record (of {newest.commit[:10]}, not {parents[0][:10]}): "
            "relaxations not applied, later incidents not known; verify decides"))
    return Decision(base, (
        f"{problem or 'no cached track record'} for {parents[0][:10]}: autonomy not "
        "applied (`countersign record` caches it); verify decides",))


def policy_key(config: Config, rules: RuleSet) -> str:
    """What a standing depends on besides history: the version, ``[autonomy]``, how
    provenance counts, and the rules that give lines their tiers."""
    parts = [__version__, repr(config.autonomy), str(config.unknown_provenance),
             repr(config.provenance)]
    parts += [f"{r.id}\1{r.tier}\1{r.regex}\1{r.not_regex}\1{r.applies_to}\1{r.include}"
              f"\1{r.exclude}\1{r.structure}\1{r.sql}" for r in rules.rules]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def load(git_dir: Path, key: str) -> tuple[dict[str, StandingTable], str | None]:
    """Commit -> its cached table for policy ``key``, and why there is none when the file
    is unusable (``None`` when it is simply absent)."""
    from countersign.core.standing_table import table_from_json

    try:
        data = (git_dir / CACHE).read_bytes()
    except OSError:
        return {}, None
    entries = _verified(data)
    if entries is None:
        return {}, "cached track record refused (failed its check)"
    try:
        return {t.commit: t for k, t in ((e["key"], table_from_json(e)) for e in entries)
                if k == key}, None
    except (KeyError, TypeError, ValueError):
        return {}, "cached track record refused (malformed)"


def _verified(data: bytes) -> list[Any] | None:
    head, _, body = data.partition(b"\n")
    if not head.startswith(HEADER) or not body:
        return None
    if head[len(HEADER):].decode("ascii", "replace") != hashlib.sha256(body).hexdigest():
        return None
    try:
        entries = json.loads(body)
    except ValueError:
        return None
    return entries if isinstance(entries, list) else None


def save(git_dir: Path, key: str, table: StandingTable) -> None:
    """Cache ``table`` for policy ``key``; a cache that cannot be written is left as it is
    (a read-only ``.git``, a repository removed meanwhile)."""
    path = git_dir / CACHE
    try:
        old = _verified(path.read_bytes()) or []
    except OSError:
        old = []
    kept = [e for e in old if isinstance(e, dict)
            and (e.get("key"), e.get("commit")) != (key, table.commit)]
    body = json.dumps([*kept[-(KEEP - 1):], {"key": key, **table.to_json()}],
                      separators=(",", ":"), sort_keys=True).encode()
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(exist_ok=True)  # not parents: never recreate a removed .git
        tmp.write_bytes(HEADER + hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


_WAIT_THEN_REFRESH = (
    'n=0\n'
    'while [ "$n" -lt 18000 ] && kill -0 "$1" 2>/dev/null; do n=$((n + 1)); sleep 0.2; done\n'
    'rm -f "$4"\n'
    'exec "$2" -m countersign.cli.standing_refresh "$1" "$3"\n')
"""Waits (at most an hour) for the commit process in a shell: Python starts only after it,
so the refresh takes no CPU from the commit (Python's start-up alone is ~30 ms of CPU)."""
MARKER = "standing-refresh."
"""Under ``countersign/``, then the id of the git process a refresh waits for."""


def spawn_refresh(root: Path, git_dir: Path, parent: str, pid: int) -> None:
    """Start ``cli.standing_refresh`` detached once the git process ``pid`` has made its
    commit on top of ``parent``: it caches the standing of the new HEAD for the next commit.
    Costs the hook one fork (<1 ms); none when a refresh already waits for the same git
    process (a cherry-pick of many commits). In the hook daemon the shell is the daemon's
    child; ``subprocess`` reaps it at a later command."""
    if os.environ.get(REFRESH, "").lower() in ("off", "0", "false", "no"):
        return
    marker = git_dir / "countersign" / f"{MARKER}{pid}"
    try:
        marker.parent.mkdir(exist_ok=True)
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except OSError:  # one is waiting already, or .git cannot take the cache anyway
        return
    env = {k: v for k, v in os.environ.items() if k != "GIT_INDEX_FILE"}
    try:
        subprocess.Popen(
            ["/bin/sh", "-c", _WAIT_THEN_REFRESH, "countersign-refresh", str(pid),
             sys.executable, parent, str(marker)], cwd=root, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
    except OSError:
        marker.unlink(missing_ok=True)


def forget_waits(git_dir: Path) -> None:
    """Remove the markers of refreshes that no longer wait (killed with their shell), so a
    later git process with a reused id is not taken for one that has a refresh."""
    for marker in (git_dir / "countersign").glob(f"{MARKER}*"):
        pid = marker.name.removeprefix(MARKER)
        if pid.isdigit() and not alive(int(pid)):
            marker.unlink(missing_ok=True)


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's: it exists
        return True
    return True


def _parent_of(pid: int) -> int:
    """The parent of process ``pid`` (the git process that runs a hook shim), from
    ``/proc``, else ``ps`` (a few ms); ``pid`` itself when neither tells."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        pass
    try:
        done = subprocess.run(["ps", "-o", "ppid=", "-p", str(pid)], capture_output=True,
                              text=True, check=False)
        return int(done.stdout.strip())
    except (OSError, ValueError):
        return pid


@contextlib.contextmanager
def refresh_turn(git_dir: Path) -> Iterator[bool]:
    """Whether this refresh should run: at most one runs and one waits behind it; a third
    has nothing to add (the waiting one reads HEAD after the running one ends)."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): every refresh runs
        yield True
        return
    folder = git_dir / "countersign"
    try:
        folder.mkdir(exist_ok=True)
        waiting = open(folder / "standing-refresh.waiting", "a")  # noqa: SIM115
        running = open(folder / "standing-refresh.running", "a")  # noqa: SIM115
    except OSError:
        yield False
        return
    with waiting, running:
        try:
            fcntl.flock(waiting, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        fcntl.flock(running, fcntl.LOCK_EX)
        fcntl.flock(waiting, fcntl.LOCK_UN)
        yield True
