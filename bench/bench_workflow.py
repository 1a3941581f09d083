"""Provenance through the real git workflow: landing a squash merge, importing git-ai notes.

1. A pull request of 50 commits (each adds 20 lines to one of 10 files, all noted as AI,
   half Claude Code and half Copilot) is squash-merged onto a main that moved meanwhile;
   ``countersign ci land --head PR_HEAD`` is timed end to end (a new process each run).
2. 10,000 commits each carry a git-ai authorship log in ``refs/notes/ai``;
   ``countersign import git-ai`` is timed end to end.

Repositories are built with ``git fast-import`` (not timed). Targets (issue 18): both fast
enough for a CI step; we record what they take on the 2-core machine.

Run: .venv/bin/python bench/bench_workflow.py [--commits N] [--notes N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from countersign.core.origin import Origin
from countersign.core.provenance import build_record
from countersign.store.gitcli import Git
from countersign.store.notestore import note_bytes, write_notes

ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent",
       "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.com",
       "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@example.com"}
CLAUDE = Origin("agent", "claude-code", "anthropic/claude-sonnet-4-5")
COPILOT = Origin("inline", "copilot")


def git(repo: Path, *args: str, data: bytes | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=repo, env=ENV, input=data, check=True,
                          capture_output=True)
    return done.stdout.decode()


def _commit(branch: str, mark: int, parent: str | None, when: int, path: str,
            content: str) -> list[bytes]:
    """A fast-import commit setting ``path``; ``parent``: ``:MARK`` or a commit id."""
    msg, data = f"change {mark}\n".encode(), content.encode()
    return [f"commit refs/heads/{branch}\nmark :{mark}\n".encode(),
            f"committer Ada <ada@example.com> {when} +0000\n".encode(),
            f"data {len(msg)}\n".encode(), msg, b"\n",
            *([f"from {parent}\n".encode()] if parent else []),
            f"M 100644 inline {path}\ndata {len(data)}\n".encode(), data, b"\n"]


def pull_request(root: Path, commits: int) -> tuple[Path, str, int]:
    """main and a feature branch of ``commits`` noted AI commits, squash-merged on main."""
    repo = root / "land"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    files = {f"src/m{n}.py": [f"# module {n}"] for n in range(10)}
    for path, lines in files.items():
        (repo / path).parent.mkdir(exist_ok=True)
        (repo / path).write_text(lines[0] + "\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    base = git(repo, "rev-parse", "HEAD").strip()
    stream: list[bytes] = []
    ai = {}
    for i in range(1, commits + 1):
        path = f"src/m{i % 10}.py"
        start = len(files[path])
        files[path] += [f"value_{i}_{k} = {i * k}" for k in range(20)]
        stream += _commit("feature", i, base if i == 1 else f":{i - 1}", 1_795_000_100 + i,
                          path, "\n".join(files[path]) + "\n")
        ai[i] = (path, {n: CLAUDE if i % 2 else COPILOT for n in range(start, start + 20)})
    git(repo, "fast-import", "--quiet", data=b"".join(stream))
    shas = git(repo, "rev-list", "--reverse", f"{base}..feature").split()
    notes = {sha: note_bytes(build_record(sha, {ai[i + 1][0]: ai[i + 1][1]}, 1_795_000_000))
             for i, sha in enumerate(shas)}
    write_notes(Git(repo), "refs/notes/countersign", notes, "bench notes")
    (repo / "CHANGES.md").write_text("main moved on\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "meanwhile")
    git(repo, "merge", "--squash", "-q", "feature")
    git(repo, "commit", "-qm", "Feature (#1)")
    return repo, shas[-1], 20 * commits


def time_command(repo: Path, args: list[str], runs: int) -> tuple[float, str]:
    """Median wall time of ``countersign ARGS`` in a new process, and its last output."""
    times, out = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "countersign", *args], cwd=repo, env=ENV,
                              capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"countersign {' '.join(args)} failed: {done.stderr}")
        out = done.stdout
    return statistics.median(times), out


def git_ai_history(root: Path, count: int) -> Path:
    """``count`` commits, each with a git-ai authorship log (5 lines by a Claude session)."""
    repo = root / "import"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    stream: list[bytes] = []
    for i in range(1, count + 1):
        stream += _commit("main", i, f":{i - 1}" if i > 1 else None, 1_795_000_000 + i,
                          f"m{i % 100:02}.py", "".join(f"v{k} = {i}\n" for k in range(5)))
    git(repo, "fast-import", "--quiet", data=b"".join(stream))
    shas = git(repo, "rev-list", "--reverse", "main").split()
    meta = json.dumps({"schema_version": "authorship/3.0.0", "base_commit_sha": shas[0],
                       "prompts": {}, "sessions": {"s_c9883b05a2487d": {"agent_id": {
                           "tool": "claude", "id": "conv", "model": "claude-sonnet-4-5"}}}})
    notes = {sha: (f"m{(i + 1) % 100:02}.py\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-5\n---\n"
                   f"{meta}\n").encode() for i, sha in enumerate(shas)}
    write_notes(Git(repo), "refs/notes/ai", notes, "git-ai notes")
    return repo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=50)
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo, head, expected = pull_request(Path(tmp), args.commits)
        seconds, out = time_command(repo, ["ci", "land", "--head", head], args.runs)
        landed = json.loads(git(repo, "notes", "--ref", "countersign", "show", "HEAD"))
        lines = sum(r["end_line"] - r["start_line"] + 1 for f in landed["files"]
                    for c in f["conversations"] for r in c["ranges"])
        print(f"ci land, squash of {args.commits} commits ({expected} AI lines in 10 files), "
              f"median of {args.runs}: {seconds:.2f} s; landed note holds {lines} AI lines")
        print("  " + out.strip().splitlines()[1])
        repo = git_ai_history(Path(tmp), args.notes)
        seconds, out = time_command(repo, ["import", "git-ai"], 1)
        print(f"import git-ai, {args.notes} notes: {seconds:.2f} s; {out.strip()}")


if __name__ == "__main__":
    main()
