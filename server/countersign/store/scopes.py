"""A persistent cache of which rule path scopes hold which files, for the commit hooks.

Judging a path against a rule's ``paths`` takes pathspec, whose import and pattern
compilation cost ~50 ms, more than half of what a commit hook may add. The answers depend
only on the pattern list and the path, and a commit mostly touches files committed
before, so they are kept in a small SQLite file under ``.git/countersign/cache/`` and
looked up for the changed paths only. The cache is best effort: any failure to read or
write it only means pathspec is asked again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from countersign import __version__
from countersign.core import rules

_SCHEMA = ("CREATE TABLE IF NOT EXISTS scope (patterns TEXT, path TEXT, hit INTEGER, "
           "PRIMARY KEY (patterns, path)) WITHOUT ROWID")
_BATCH = 500
"""Paths per lookup (SQLite allows 999 parameters in older builds)."""


def cache_file(git_dir: Path) -> Path:
    """Named by countersign's version: an upgrade (another pathspec) starts afresh."""
    return git_dir / "countersign" / "cache" / f"scopes-{__version__}.db"


@contextmanager
def known_scopes(git_dir: Path, paths: Sequence[str]) -> Iterator[None]:
    """Within the block the rules know the cached answers for ``paths``; the answers
    computed in it are saved afterwards."""
    path = cache_file(git_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=0.5, isolation_level=None)
    except (OSError, sqlite3.Error):
        yield
        return
    try:
        rules.seed_scopes(_load(db, [p for p in dict.fromkeys(paths) if _storable(p)]))
        rules.learn_scopes()
        yield
        _save(db, rules.learned_scopes())
    finally:
        rules.learned_scopes()
        db.close()


def _load(db: sqlite3.Connection, paths: list[str]) -> dict[tuple[tuple[str, ...], str], bool]:
    found: dict[tuple[tuple[str, ...], str], bool] = {}
    try:
        db.execute(_SCHEMA)
        for start in range(0, len(paths), _BATCH):
            batch = paths[start:start + _BATCH]
            marks = ",".join("?" * len(batch))
            for patterns, path, hit in db.execute(
                    f"SELECT patterns, path, hit FROM scope WHERE path IN ({marks})", batch):
                found[(tuple(patterns.split("\n")), path)] = bool(hit)
    except sqlite3.Error:
        return {}
    return found


def _save(db: sqlite3.Connection, learned: dict[tuple[tuple[str, ...], str], bool]) -> None:
    if not learned:
        return
    with suppress(sqlite3.Error):
        db.execute("BEGIN")  # one transaction: one sync to disk, not one per answer
        db.executemany("INSERT OR REPLACE INTO scope VALUES (?, ?, ?)",
                       [("\n".join(p), path, int(hit)) for (p, path), hit in learned.items()
                        if _storable(path) and all(_storable(x) for x in p)])
        db.execute("COMMIT")


def _storable(text: str) -> bool:
    """Text SQLite can hold as given and a pattern list can be joined by: no surrogate
    escape (a file name that is not UTF-8), no newline."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\n" not in text
