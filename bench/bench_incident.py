"""How long ``countersign incident`` and ``countersign record`` take on large histories.

1. ``incident`` over a fix that changes 200 lines in 10 files, each written by its own
   AI commit with a provenance note, among 500 commits. Target (issue 19): a few seconds.
2. ``record`` over 10,000 commits in 90 days (made with ``git fast-import``): one in
   fifty a merge of a two-commit feature branch, lines rewritten as history goes, an
   incident fix every 500 commits, four in five with a note. Target: a few seconds.
3. The background refresh of the cached standing the commit trailers read (``[autonomy]``,
   ``store.standing_cache``) after a commit on that history: what each commit costs the
   machine after the commit, in the background (wall and CPU time).

Each command runs as a user runs it (a new process), median of ``--runs``.

Run: ./run bench   (or .venv/bin/python bench/bench_incident.py [--runs N] [--commits N])
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from countersign.core.origin import Origin
from countersign.core.provenance import build_record

TOOLS = [Origin("agent", "claude-code", "anthropic/claude-sonnet-4-5"),
         Origin("inline", "copilot"), Origin("agent", "codex", "openai/gpt-5-codex")]
ENV = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
       "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
       "GIT_CONFIG_NOSYSTEM": "1"}
START = 1_790_000_000
FILES = 40


def git(repo: Path, *args: str, data: bytes | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=repo, env=ENV, input=data, check=True,
                          capture_output=True)
    return done.stdout.decode()


class Stream:
    """A ``git fast-import`` stream of commits, and the notes to attach afterwards."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.notes: list[tuple[int, dict[str, dict[int, Origin]]]] = []
        self.mark = 0

    def commit(self, branch: str, when: int, message: str, files: dict[str, str],
               parents: tuple[int, ...] = (), ai: dict[str, dict[int, Origin]] | None = None,
               ) -> int:
        self.mark += 1
        msg = message.encode()
        self.parts += [f"commit refs/heads/{branch}\nmark :{self.mark}\n".encode(),
                       f"author Bench <bench@example.com> {when} +0000\n".encode(),
                       f"committer Bench <bench@example.com> {when} +0000\n".encode(),
                       f"data {len(msg)}\n".encode(), msg, b"\n"]
        if parents:
            self.parts.append(f"from :{parents[0]}\n".encode())
            self.parts += [f"merge :{p}\n".encode() for p in parents[1:]]
        for path, text in files.items():
            body = text.encode()
            self.parts += [f"M 100644 inline {path}\ndata {len(body)}\n".encode(), body,
                           b"\n"]
        if ai is not None:
            self.notes.append((self.mark, ai))
        return self.mark

    def load(self, repo: Path) -> None:
        marks = repo.parent / f"{repo.name}.marks"
        git(repo, "fast-import", "--quiet", f"--export-marks={marks}",
            data=b"".join(self.parts))
        sha = dict(line.split() for line in marks.read_text().splitlines())
        notes: list[bytes] = []
        for mark, lines in self.notes:
            commit = sha[f":{mark}"]
            record = json.dumps(build_record(commit, lines, 0.0)).encode()
            notes += [b"commit refs/notes/countersign\n",
                      f"committer Bench <bench@example.com> {START} +0000\n".encode(),
                      b"data 2\nn\n", f"N inline {commit}\n".encode(),
                      f"data {len(record)}\n".encode(), record, b"\n"]
        git(repo, "fast-import", "--quiet", data=b"".join(notes))
        git(repo, "reset", "-q", "--hard", "main")


def fix_history(repo: Path) -> None:
    """500 commits; the last one rewrites 20 AI lines in each of 10 files."""
    stream, texts = Stream(), {f"src/m{i}.py": "" for i in range(FILES)}
    head = 0
    for n in range(500):
        path = f"src/m{n % FILES}.py"
        old = texts[path].count("\n")
        texts[path] += "".join(f"value_{n}_{k} = compute({n}, {k})\n" for k in range(5))
        ai = {path: {old + k: TOOLS[n % 3] for k in range(5)}}
        head = stream.commit("main", START + n * 600, f"change {n}\n", {path: texts[path]},
                             (head,) if head else (), ai)
    fixed = {}
    for i in range(10):
        path = f"src/m{i}.py"
        lines = texts[path].splitlines(keepends=True)
        lines[:20] = [line.replace("compute(", "compute_checked(") for line in lines[:20]]
        fixed[path] = "".join(lines)
    stream.commit("main", START + 500 * 600, "Check inputs\n\nIncident: SEV2-1\n", fixed,
                  (head,))
    stream.load(repo)


def long_history(repo: Path, commits: int) -> None:
    """``commits`` commits over 90 days with merges, rewrites, incidents, missing notes."""
    stream, texts = Stream(), {f"src/m{i}.py": "" for i in range(FILES)}
    step = 90 * 86400 // commits
    head = side = 0
    side_text = ""
    for n in range(commits):
        when = START + n * step
        if n % 50 == 25 and side:  # merge the side branch
            head = stream.commit("main", when, f"Merge side {n}\n", {"src/side.py": side_text},
                                 (head, side), {})
            continue
        if n % 50 in (10, 11):  # a feature branch from main, merged 15 commits later
            side_text += "".join(f"side_{n}_{k} = {k}\n" for k in range(3))
            old = side_text.count("\n") - 3
            side = stream.commit("side", when, f"side {n}\n", {"src/side.py": side_text},
                                 (side if n % 50 == 11 else head,),
                                 {"src/side.py": {old + k: TOOLS[n % 3] for k in range(3)}})
            continue
        path = f"src/m{n % FILES}.py"
        lines = texts[path].splitlines(keepends=True)
        if n % 500 == 499:  # an incident: the last three lines written to this file go
            texts[path] = "".join(lines[:-3])
            head = stream.commit("main", when, f"Roll back {path}\n\nIncident: SEV3-{n}\n",
                                 {path: texts[path]}, (head,), {})
            continue
        if n % 7 == 0 and len(lines) > 4:  # a person rewrites an older line
            lines[len(lines) // 2] = f"rewritten_{n} = {n}\n"
        texts[path] = "".join(lines + [f"value_{n}_{k} = {k}\n" for k in range(3)])
        ai = {path: {len(lines) + k: TOOLS[n % 3] for k in range(3)}} if n % 5 else None
        head = stream.commit("main", when, f"change {n}\n", {path: texts[path]},
                             (head,) if head else (), ai)
    stream.load(repo)


def timed(repo: Path, runs: int, *args: str) -> tuple[float, str]:
    times, out = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "countersign", *args], cwd=repo, env=ENV,
                              capture_output=True, text=True, check=True)
        times.append(time.perf_counter() - start)
        out = done.stdout
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--commits", type=int, default=10_000)
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, median of "
          f"{args.runs} runs")
    with tempfile.TemporaryDirectory(prefix="countersign-bench-") as tmp:
        fix = Path(tmp) / "fix"
        fix.mkdir()
        git(fix, "init", "-q", "-b", "main")
        fix_history(fix)
        seconds, out = timed(fix, args.runs, "incident", "HEAD", "--format", "json")
        [found] = json.loads(out)["incidents"]
        print(f"  incident, fix of {len(found['lines'])} lines in 10 files, "
              f"{len(found['origins'])} origin commits: {seconds:6.2f} s")
        history = Path(tmp) / "history"
        history.mkdir()
        git(history, "init", "-q", "-b", "main")
        long_history(history, args.commits)
        count = git(history, "rev-list", "--count", "HEAD").strip()
        seconds, out = timed(history, args.runs, "record", "--format", "json")
        data = json.loads(out)
        shipped = sum(t["lines_shipped"] for t in data["tools"])
        print(f"  record, {count} commits ({data['history']['without_notes']} without "
              f"notes), {shipped} AI lines followed, {len(data['incidents'])} incidents: "
              f"{seconds:6.2f} s")
        wall, cpu = refresh(history, args.runs)
        print(f"  background refresh of the cached standing after a commit on it: "
              f"{wall:6.2f} s (CPU {cpu:.2f} s)")


def refresh(repo: Path, runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``cli.standing_refresh`` caching HEAD's standing."""
    (repo / ".countersign.toml").write_text(
        '[[autonomy.tighten]]\ntier = "high"\nreview = "senior+owner"\ndays = 30\n'
        '[[autonomy.relax]]\ntier = "medium"\nreview = "none"\nmin_lines = 500\n'
        'days = 90\n')
    ended = subprocess.Popen(["true"])
    ended.wait()
    parent = git(repo, "rev-parse", "HEAD~1").strip()
    walls, cpus = [], []
    for _ in range(runs):
        (repo / ".git" / "countersign" / "autonomy-standing.json").unlink(missing_ok=True)
        before, start = os.times(), time.perf_counter()
        subprocess.run([sys.executable, "-m", "countersign.cli.standing_refresh",
                        str(ended.pid), parent], cwd=repo, env=ENV, check=True)
        after = os.times()
        walls.append(time.perf_counter() - start)
        cpus.append(after.children_user + after.children_system
                    - before.children_user - before.children_system)
        if not (repo / ".git" / "countersign" / "autonomy-standing.json").exists():
            raise SystemExit("the refresh cached nothing")
    return statistics.median(walls), statistics.median(cpus)


if __name__ == "__main__":
    main()
