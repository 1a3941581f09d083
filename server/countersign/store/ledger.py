"""The ledger: a SQLite database of who wrote which lines, shared by every countersign process.

It lives at ``$(git rev-parse --git-dir)/countersign/ledger.db`` (under the user data dir
outside a repository) in WAL mode, so the language server, the commit hooks and agent
hooks can read and write it at once. Every write is one ``BEGIN IMMEDIATE`` transaction,
so a process killed mid-write leaves the previous state, never half of a new one.

Attributions are stored with the exact content they describe; reading them back for
different content re-anchors them by a line diff (``core.lines.reanchor``).
"""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from countersign.core.lines import reanchor, split_lines
from countersign.core.origin import Origin

if TYPE_CHECKING:
    from tempfile import TemporaryDirectory

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS origins (
    id INTEGER PRIMARY KEY,
    record TEXT NOT NULL UNIQUE            -- canonical JSON of an Origin
);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,                 -- repository-relative POSIX path
    content TEXT NOT NULL,                 -- the content the line attributions describe
    sha256 TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS lines (
    path TEXT NOT NULL REFERENCES files(path) ON DELETE CASCADE,
    line INTEGER NOT NULL,                 -- 0-based
    origin_id INTEGER NOT NULL REFERENCES origins(id),
    PRIMARY KEY (path, line)
);
CREATE TABLE IF NOT EXISTS acknowledgements (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    line INTEGER NOT NULL,
    text TEXT NOT NULL,                    -- the line as it was when acknowledged
    who TEXT NOT NULL,
    at REAL NOT NULL
);
"""


class LedgerError(Exception):
    """The ledger cannot be opened or is not a countersign ledger."""


class LedgerUnwritable(LedgerError):
    """This user cannot write the ledger (or its directory): it can still be read."""


class _NewerSchema(sqlite3.DatabaseError):
    pass


@dataclass(frozen=True)
class FileRecord:
    path: str
    content: str
    lines: dict[int, Origin]
    updated_at: float

    def at(self, content: str) -> dict[int, Origin]:
        """The AI lines as they fall in ``content``: re-anchored if it is not the stored one."""
        if content == self.content:
            return dict(self.lines)
        return reanchor(split_lines(self.content), self.lines, split_lines(content))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _key(path: str) -> str | bytes:
    """How ``path`` is stored: as text, or as its bytes when the file name is not UTF-8
    (SQLite cannot take such a name as text, and keeps a BLOB apart from every TEXT)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(path)
    return path


def _unwritable(exc: BaseException) -> bool:
    """Whether ``exc`` says the ledger or its directory may not be written (as opposed to
    a file that is not a ledger)."""
    if isinstance(exc, OSError):
        return exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
    name = getattr(exc, "sqlite_errorname", "")
    return name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")) or any(
        text in str(exc) for text in ("readonly database", "unable to open database file"))


def _open_error(path: Path, exc: BaseException) -> LedgerError:
    """What to tell the user: never to move aside a ledger that only needs permissions."""
    if isinstance(exc, _NewerSchema):
        return LedgerError(f"cannot read ledger {path}: {exc}\nhint: upgrade countersign "
                           f"(pip install -U countersign)")
    if _unwritable(exc):
        return LedgerUnwritable(
            f"cannot write the ledger {path}: {exc}\nhint: give yourself write access to "
            f"{path.parent} and the files in it (or run countersign as the user who owns the "
            f"repository); do not move the ledger aside: it holds the AI attributions")
    return LedgerError(f"cannot open ledger {path}: {exc}\nhint: move it aside "
                       f"(mv {path} {path}.broken) and countersign starts a new one")


def default_path(git_dir: Path | None) -> Path:
    if git_dir is not None:
        return git_dir / "countersign" / "ledger.db"
    import platformdirs  # only outside a repository: spared on the commit path

    return Path(platformdirs.user_data_dir("countersign")) / "ledger.db"


class Ledger:
    """One connection to the ledger; open one per process (or thread)."""

    def __init__(self, path: Path, timeout: float = 10.0) -> None:
        self.path = path
        self._scratch: TemporaryDirectory[str] | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA synchronous=NORMAL")
            with self._write():
                for statement in _SCHEMA.split(";"):
                    self._db.execute(statement)
                self._check_version()
        except (OSError, sqlite3.DatabaseError) as exc:
            raise _open_error(path, exc) from exc

    @classmethod
    def reading(cls, path: Path) -> Ledger:
        """The ledger at ``path`` for a command that only reads it.

        None there yet: an empty one in memory (nothing is created on disk). One this user
        cannot write (a read-only ``.git``): read as it is, without writing anything.
        """
        if not path.exists():
            ledger = cls._attached(path, sqlite3.connect(":memory:", isolation_level=None))
            for statement in _SCHEMA.split(";"):
                ledger._db.execute(statement)
            return ledger
        try:
            return cls(path)
        except LedgerUnwritable:
            pass
        try:
            ledger = cls._read_only(path)
            ledger._check_version()
        except (OSError, sqlite3.DatabaseError) as exc:
            raise _open_error(path, exc) from exc
        return ledger

    @classmethod
    def _read_only(cls, path: Path) -> Ledger:
        """A connection that writes nothing next to ``path``. Without a write-ahead log
        to apply, the file is opened as immutable; with one, a copy of both is read (SQLite
        applies the log, and it cannot in a directory it may not write)."""
        import shutil  # only here: a read-only .git is rare, the commit path is not
        import tempfile

        wal = path.with_name(path.name + "-wal")
        if not wal.exists() or wal.stat().st_size == 0:
            uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
            return cls._attached(path, sqlite3.connect(uri, uri=True, isolation_level=None))
        scratch = tempfile.TemporaryDirectory(prefix="countersign-ledger-")
        copy = Path(scratch.name) / "ledger.db"
        shutil.copyfile(path, copy)
        shutil.copyfile(wal, copy.with_name("ledger.db-wal"))
        ledger = cls._attached(path, sqlite3.connect(copy, isolation_level=None))
        ledger._scratch = scratch
        return ledger

    @classmethod
    def _attached(cls, path: Path, db: sqlite3.Connection) -> Ledger:
        ledger = cls.__new__(cls)
        ledger.path, ledger._db, ledger._scratch = path, db, None
        return ledger

    def _check_version(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) > SCHEMA_VERSION:
            raise _NewerSchema(f"ledger schema {row[0]} is newer than this countersign "
                               f"understands ({SCHEMA_VERSION})")

    @contextmanager
    def _write(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()
        if self._scratch is not None:
            self._scratch.cleanup()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _origin_id(self, origin: Origin) -> int:
        record = json.dumps(origin.to_dict(), sort_keys=True)
        self._db.execute("INSERT OR IGNORE INTO origins (record) VALUES (?)", (record,))
        row = self._db.execute("SELECT id FROM origins WHERE record = ?", (record,)).fetchone()
        return int(row[0])

    def save(self, path: str, content: str, lines: Mapping[int, Origin]) -> None:
        """Replace what is known about ``path``: its content and its AI lines."""
        with self._write():
            self._store(path, content, lines)

    def _store(self, path: str, content: str, lines: Mapping[int, Origin]) -> float:
        """Write the record; returns its ``updated_at`` (a later ``written`` tells it apart
        from a record another process stored since)."""
        row = self._db.execute("SELECT updated_at FROM files WHERE path = ?",
                               (_key(path),)).fetchone()
        now = time.time()
        if row is not None and now <= row[0]:  # a clock that went back, or the same tick
            now = math.nextafter(row[0], math.inf)
        self._db.execute(
                "INSERT INTO files VALUES (?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET "
                "content=excluded.content, sha256=excluded.sha256, updated_at=excluded.updated_at",
            (_key(path), content, sha256(content), now),
        )
        self._db.execute("DELETE FROM lines WHERE path = ?", (_key(path),))
        ids = {o: self._origin_id(o) for o in set(lines.values()) if o.is_ai}
        self._db.executemany(
            "INSERT INTO lines VALUES (?, ?, ?)",
            [(_key(path), line, ids[o]) for line, o in sorted(lines.items()) if o.is_ai],
        )
        return now

    def written(self, path: str) -> float | None:
        """When ``path``'s record was last stored (None: no record), without reading it."""
        row = self._db.execute("SELECT updated_at FROM files WHERE path = ?",
                               (_key(path),)).fetchone()
        return float(row[0]) if row is not None else None

    def load(self, path: str) -> FileRecord | None:
        """The stored record for ``path`` exactly as saved, or None."""
        row = self._db.execute(
            "SELECT content, updated_at FROM files WHERE path = ?", (_key(path),)
        ).fetchone()
        if row is None:
            return None
        lines = {
            line: Origin.from_dict(json.loads(record))
            for line, record in self._db.execute(
                "SELECT line, record FROM lines JOIN origins ON origins.id = origin_id "
                "WHERE path = ? ORDER BY line", (_key(path),))
        }
        return FileRecord(path, row[0], lines, row[1])

    def attributions(self, path: str, content: str) -> dict[int, Origin]:
        """AI lines of ``path`` as it is now, re-anchored if it changed since it was saved."""
        record = self.load(path)
        return record.at(content) if record is not None else {}

    def acknowledge(self, path: str, content: str, lines: list[int], who: str) -> int:
        """Mark AI lines as reviewed by ``who``; returns how many were AI lines.

        Reads and writes in one transaction, so a concurrent save is never overwritten
        with stale attributions.
        """
        with self._write():
            current = self.attributions(path, content)
            done = [n for n in lines if n in current]
            if done:
                self._log_acknowledgements(path, content, done, who)
                acked = {n: current[n].acknowledge(who) for n in done}
                self._store(path, content, {**current, **acked})
        return len(done)

    def log_acknowledgements(self, path: str, content: str, lines: list[int], who: str) -> None:
        """Record that ``who`` acknowledged ``lines`` of ``content`` (the audit trail only:
        a writer that stores the acknowledged origins itself, like the language server)."""
        with self._write():
            self._log_acknowledgements(path, content, lines, who)

    def _log_acknowledgements(self, path: str, content: str, lines: list[int],
                              who: str) -> None:
        text = split_lines(content)
        now = time.time()
        self._db.executemany(
            "INSERT INTO acknowledgements (path, line, text, who, at) VALUES (?, ?, ?, ?, ?)",
            [(_key(path), n, text[n] if n < len(text) else "", who, now) for n in lines],
        )

    def update(
        self, path: str, content: str,
        change: Callable[[FileRecord | None], Mapping[int, Origin]],
    ) -> dict[int, Origin]:
        """Store ``content`` with the AI lines ``change`` computes from the stored record.

        Read and write happen in one transaction: an agent hook and the language server
        writing the same file at once never lose each other's attributions.
        """
        return self.update_stamped(path, content, change)[0]

    def update_stamped(
        self, path: str, content: str,
        change: Callable[[FileRecord | None], Mapping[int, Origin]],
    ) -> tuple[dict[int, Origin], float]:
        """``update``, and the ``updated_at`` it stored (see ``written``)."""
        with self._write():
            lines = dict(change(self.load(path)))
            stamp = self._store(path, content, lines)
        return lines, stamp

    def paths(self) -> list[str]:
        rows = self._db.execute("SELECT path FROM files ORDER BY path")
        return [os.fsdecode(r[0]) if isinstance(r[0], bytes) else r[0] for r in rows]

    def forget(self, path: str) -> None:
        with self._write():
            self._db.execute("DELETE FROM files WHERE path = ?", (_key(path),))
