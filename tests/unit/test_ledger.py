"""The SQLite ledger: WAL, re-anchoring on read, acknowledgements, several processes at once."""

from __future__ import annotations

import multiprocessing
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from countersign.core.origin import Origin
from countersign.store.ledger import Ledger, LedgerError

AI = Origin("agent", "claude-code", "anthropic/claude-sonnet-4-5", at=1.5)
COPILOT = Origin("inline", "copilot")


def test_wal_mode_and_round_trip(tmp_path: Path) -> None:
    db = tmp_path / "git" / "countersign" / "ledger.db"
    with Ledger(db) as ledger:
        ledger.save("a.py", "x = 1\ny = 2\n", {1: AI})
        assert ledger.load("a.py").lines == {1: AI}  # type: ignore[union-attr]
    mode = sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_a_file_name_that_is_not_utf8_is_its_own_key(tmp_path: Path) -> None:
    raw = os.fsdecode(b"caf\xe9.py")  # "caf\udce9.py"; its look-alike in text is another file
    with Ledger(tmp_path / "l.db") as ledger:
        ledger.save(raw, "x\n", {0: AI})
        ledger.save("caf\\udce9.py", "y\n", {0: COPILOT})
        assert sorted(ledger.paths()) == sorted([raw, "caf\\udce9.py"])
        assert ledger.attributions(raw, "x\n") == {0: AI}
        assert ledger.acknowledge(raw, "x\n", [0], "Ada") == 1
        ledger.forget(raw)
        assert ledger.paths() == ["caf\\udce9.py"]


def test_attributions_reanchor_when_content_changed(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        ledger.save("a.py", "a\nDROP TABLE t;\nb\n", {1: AI})
        assert ledger.attributions("a.py", "new\na\nDROP TABLE t;\nb\n") == {2: AI}
        assert ledger.attributions("a.py", "a\nb\n") == {}
        assert ledger.attributions("missing.py", "") == {}


def test_acknowledgement_is_stored_and_survives_reopen(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    text = "a\nb\nc\n"
    with Ledger(db) as ledger:
        ledger.save("a.py", text, {0: AI, 2: COPILOT})
        assert ledger.acknowledge("a.py", text, [0, 1], "rev@example.com") == 1
    with Ledger(db) as ledger:
        lines = ledger.attributions("a.py", text)
    assert lines[0].acknowledged_by == "rev@example.com" and lines[0].tool == "claude-code"
    assert lines[2] == COPILOT
    rows = sqlite3.connect(db).execute("SELECT path, line, text, who FROM acknowledgements")
    assert rows.fetchall() == [("a.py", 0, "a", "rev@example.com")]


def _writer(db: str, worker: int, count: int) -> None:
    with Ledger(Path(db)) as ledger:
        for i in range(count):
            origin = Origin("agent", f"tool-{worker}", at=float(i))
            ledger.save(f"w{worker}/f{i}.py", f"line {i}\n", {0: origin})


def test_several_processes_write_at_once(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    Ledger(db).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(db), w, 40)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    with Ledger(db) as ledger:
        assert len(ledger.paths()) == 160
        assert ledger.load("w3/f39.py").lines == {0: Origin("agent", "tool-3", at=39.0)}  # type: ignore[union-attr]


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(LedgerError, match=r"cannot open ledger .*\nhint: move it aside"):
        Ledger(db)
    assert db.read_bytes() == b"this is not sqlite" * 100


def test_every_write_has_its_own_stamp(tmp_path: Path) -> None:
    """A writer knows its own record by ``updated_at``: two writes never share one, even
    in one tick of the clock."""
    with Ledger(tmp_path / "l.db") as ledger:
        assert ledger.written("a.py") is None
        stamps = [ledger.update_stamped("a.py", "x\n", lambda _: {0: AI})[1] for _ in range(50)]
        assert stamps == sorted(set(stamps))
        assert ledger.written("a.py") == stamps[-1] == ledger.load("a.py").updated_at  # type: ignore[union-attr]


def test_reading_a_ledger_that_is_not_there_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "git" / "countersign" / "ledger.db"
    with Ledger.reading(path) as ledger:
        assert ledger.paths() == [] and ledger.attributions("a.py", "x\n") == {}
    assert not path.parent.exists()


WRITER = """
import sys
import time
from pathlib import Path
from countersign.core.origin import Origin
from countersign.store.ledger import Ledger

db, worker, first, last = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
content = "".join(f"line {n}\\n" for n in range(64))
with Ledger(db) as ledger:
    for i in range(first, last):
        line = worker * 4 + i % 4
        ledger.update("shared.py", content, lambda record: {
            **(record.lines if record else {}), line: Origin("agent", f"w{worker}", at=float(i))})
        print("update", i, flush=True)
        if i % 3 == 0:
            ledger.acknowledge("shared.py", content, [line], f"rev{worker}")
            print("ack", i, flush=True)
        ledger.save(f"w{worker}/f{i}.py", f"x = {i}\\n", {0: Origin("chat", f"w{worker}")})
        print("save", i, flush=True)
        time.sleep(0.002)  # other writers take turns: kills land mid-run
"""


def _acked(out: bytes) -> list[tuple[str, int]]:
    """What a writer was told it wrote (the last line may be cut by the kill)."""
    return [(kind, int(i)) for kind, i in
            (line.split() for line in out.decode().splitlines() if len(line.split()) == 2)]


def test_writers_killed_at_random_lose_no_acknowledged_write(tmp_path: Path) -> None:
    """Issue 15: 16 concurrent writers and 79 ``kill -9`` lost nothing. Bounded here: 8
    writers of 120 rounds sharing one file's record (each writes its own lines, read and
    written in one transaction) and files of their own, 32 kills at seeded random moments,
    each killed writer restarted after its last acknowledged round. Every write a writer
    was told happened must be there, and no writer's lines may erase another's."""
    db = tmp_path / "ledger.db"
    Ledger(db).close()
    rng = random.Random(15)
    rounds, writers, kills = 120, 8, 32
    told: dict[int, list[tuple[str, int]]] = {w: [] for w in range(writers)}

    def start(w: int) -> subprocess.Popen[bytes]:
        first = max((i for kind, i in told[w] if kind == "save"), default=-1) + 1
        return subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(w), str(first),
                                 str(rounds)], stdout=subprocess.PIPE)

    running = {w: start(w) for w in range(writers)}
    for _ in range(kills):
        time.sleep(rng.uniform(0.02, 0.1))
        w = rng.randrange(writers)
        running[w].kill()
        out, _ = running[w].communicate(timeout=60)
        told[w] += _acked(out)
        running[w] = start(w)
    for w, process in running.items():
        out, _ = process.communicate(timeout=120)
        assert process.returncode == 0
        told[w] += _acked(out)
    with Ledger(db) as ledger:
        shared = ledger.load("shared.py")
        assert shared is not None
        for w in range(writers):
            assert {i for kind, i in told[w] if kind == "save"} == set(range(rounds))
            for i in range(rounds):
                assert ledger.attributions(f"w{w}/f{i}.py", f"x = {i}\n") == {
                    0: Origin("chat", f"w{w}")}
            for line in range(w * 4, w * 4 + 4):
                last = max(i for kind, i in told[w] if kind == "update" and
                           w * 4 + i % 4 == line)
                origin = shared.lines[line]
                assert origin.tool == f"w{w}" and origin.at >= last
                if origin.at == last and ("ack", last) in told[w]:
                    assert origin.acknowledged_by == f"rev{w}"
