"""Standings kept in a long-running process (the language server) while they still hold.

The AI tools' standing at a base commit (``store.track.base_standing``) takes seconds over a
long history, and the editor's report asks for it again and again on the same base. A kept
standing is reused only when nothing it was read from has changed, so the report applies
exactly what ``verify`` computes:

- ``quick_key`` (a few ms): the base commit, the notes and approvals refs, where a shallow
  clone cuts history, the policy, rules and configuration. Equal: the same standing.
- ``history_key`` (tens of ms over 10,000 commits: a ``rev-list`` and the notes lists),
  asked when the quick key changed: the same, but with only the notes and approvals of
  the base's own history. A commit on the branch adds a note, which changes the refs but
  not this key, so the standing is still reused.

Not ``store.standing_cache``: its tables are keyed by commit and policy alone (the commit
trailers say when they may be stale, and ``verify`` decides), so a table there can differ
from what ``verify`` computes, e.g. after notes were fetched or removed.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence

from countersign.core.config import Config
from countersign.core.rules import RuleSet
from countersign.core.standing import Standing
from countersign.store import commits, standing_cache
from countersign.store.gitcli import Git
from countersign.store.lineage import shallow_boundary
from countersign.store.track import HistoryError, base_standing

REFS = (commits.NOTES_REF, commits.APPROVALS_REF)


class StandingMemo:
    """The last ``keep`` standings by ``history_key``, each with its last ``quick_key``."""

    def __init__(self, keep: int = 4) -> None:
        self.keep = keep
        self._kept: dict[str, tuple[str, Standing]] = {}
        self._lock = threading.Lock()

    def standing(self, repo: Git, config: Config, rules: RuleSet,
                 base: str | None) -> Standing:
        """``base_standing(repo, config, rules, base)``, reused while it holds."""
        tip = _commit(repo, base)
        quick = quick_key(repo, config, rules, tip)
        with self._lock:
            found = next((s for q, s in self._kept.values() if q == quick), None)
        if found is not None:
            return found
        full = history_key(repo, config, rules, tip)
        with self._lock:
            kept = self._kept.get(full)
        standing = kept[1] if kept is not None else base_standing(repo, config, rules, tip)
        with self._lock:
            self._kept.pop(full, None)
            self._kept[full] = (quick, standing)
            for old in list(self._kept)[:-self.keep]:
                del self._kept[old]
        return standing


def quick_key(repo: Git, config: Config, rules: RuleSet, tip: str | None) -> str:
    """What the standing at ``tip`` is read from, coarsely: any note added changes it."""
    refs = [commits.resolve_commit(repo, ref) or "" for ref in REFS] if tip else []
    return _digest([_policy(config, rules), tip or "", *refs, *_shallow(repo, tip)])


def history_key(repo: Git, config: Config, rules: RuleSet, tip: str | None) -> str:
    """What the standing at ``tip`` is read from, exactly: equal keys, equal standings."""
    parts = [_policy(config, rules), tip or ""]
    if tip is not None:
        history = repo.text("rev-list", tip, "--").split()
        for ref in REFS:
            table = commits.all_notes(repo, ref)
            parts.append(",".join(f"{c}:{table[c]}" for c in history if c in table))
        parts += _shallow(repo, tip)
    return _digest(parts)


def _commit(repo: Git, base: str | None) -> str | None:
    if base is None:
        return None
    tip = commits.resolve_commit(repo, base)
    if tip is None:
        raise HistoryError(f"{base!r} is not a commit in this repository",
                           "pass a commit or branch (`git log --oneline` lists them)")
    return tip


def _policy(config: Config, rules: RuleSet) -> str:
    return standing_cache.policy_key(config, rules) + repr(config)


def _shallow(repo: Git, tip: str | None) -> list[str]:
    return sorted(shallow_boundary(repo)) if tip else []


def _digest(parts: Sequence[str]) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
