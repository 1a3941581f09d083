"""What countersign's commit hook costs, and how fast ``verify`` reads a long history.

1. ``git commit`` of 1,000 changed lines across 100 files (half of them with AI lines in
   the ledger), once without hooks and once with countersign's prepare-commit-msg only,
   then with all countersign hooks; the median of several runs each, in one process.
   Targets (issue 17): prepare-commit-msg adds at most 80 ms, all hooks at most 100 ms,
   measured with bytecode caching as users have it (run without PYTHONDONTWRITEBYTECODE).
   The hooks run as installed: prepare-commit-msg is served by the hook daemon
   (``cli/hook_daemon.py``) once the first commit has started it; all hooks are timed
   again with the daemon off (``COUNTERSIGN_HOOK_DAEMON=0``: the in-process fallback).
   The first commit after an upgrade (no daemon, rule caches empty) and the one after it
   are reported separately.
   ``--autonomy``: the repository's policy has an ``[autonomy]`` section and the standing
   of the base commit is cached (``countersign record``), so the trailers read it; the
   background refresh is off. ``--refresh`` adds a row with it on: after each timed commit
   the bench waits (untimed) until the refresh has cached the new commit, and reports how
   long that took.
2. ``countersign verify`` over 1,000 generated commits, each with trailers and a note
   (made with ``git fast-import``). Target: at most 10 s.

Run: ./run bench   (or .venv/bin/python bench/bench_hook.py [--runs N] [--hooks-only])
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from countersign.core.origin import Origin
from countersign.core.provenance import build_record
from countersign.store.ledger import Ledger

FILES, LINES = 100, 10
AGENT = Origin("agent", "claude-code", "anthropic/claude-sonnet-4-5")
ENV = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
       "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
       "GIT_CONFIG_NOSYSTEM": "1"}


def git(repo: Path, *args: str, data: bytes | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=repo, env=ENV, input=data, check=True,
                          capture_output=True)
    return done.stdout.decode()


AUTONOMY = """\
[autonomy.new_tool]
lines = 100
[[autonomy.relax]]
tier = "medium"
review = "none"
min_lines = 50
days = 90
[[autonomy.tighten]]
tier = "high"
review = "senior+owner"
days = 30
"""
REFRESH = "COUNTERSIGN_STANDING_REFRESH"


def make_repo(root: Path, autonomy: bool = False) -> Path:
    repo = root / "hook-bench"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    if autonomy:
        (repo / ".countersign.toml").write_text(AUTONOMY)
    for i in range(FILES):
        path = repo / "src" / f"module_{i:03}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text("".join(f"value_{n} = {n}\n" for n in range(50)))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    return repo


def stage_change(repo: Path, ledger: Ledger, round_: int) -> None:
    """Change 10 lines in each of the 100 files; record half the files' lines as AI."""
    for i in range(FILES):
        rel = f"src/module_{i:03}.py"
        lines = [f"value_{n} = {n}\n" for n in range(50)]
        for n in range(LINES):
            lines[n * 5] = f"value_{n * 5} = compute({round_}, {n})  # changed\n"
        if i % 10 == 0:
            lines[5] = "    subprocess.run(cmd, shell=True)\n"
        text = "".join(lines)
        (repo / rel).write_text(text)
        if i % 2 == 0:
            ledger.save(rel, text, {n * 5: AGENT for n in range(LINES)})
    git(repo, "add", "-A")


def time_commit(repo: Path, runs: int, ledger: Ledger, env: dict[str, str] | None = None,
                refreshes: list[float] | None = None) -> tuple[list[float], list[float]]:
    """Wall time of each commit, and the CPU time (user + system) of git and its hooks,
    the hook daemon's included.

    The CPU time hardly changes when other work shares the machine; the wall time does.
    ``refreshes``: wait (untimed) for the background refresh of each commit, and add how
    long it took after the commit.
    """
    times, cpu = [], []
    for r in range(runs):
        stage_change(repo, ledger, r)
        before, served_before = os.times(), daemon_cpu(repo)
        start = time.perf_counter()
        subprocess.run(["git", "commit", "-q", "-m", f"change {r}"], cwd=repo,
                       env=env or ENV, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
        after, served_after = os.times(), daemon_cpu(repo)
        cpu.append(after.children_user + after.children_system
                   - before.children_user - before.children_system
                   + served_after - served_before)
        if refreshes is not None:
            refreshes.append(wait_for_refresh(repo))
        git(repo, "reset", "-q", "--hard", "HEAD~1")
    return times, cpu


def wait_for_refresh(repo: Path) -> float:
    """Seconds until the standing of HEAD is cached (by the hook's background refresh)."""
    from countersign.cli.common import load_context
    from countersign.store import standing_cache

    context = load_context(repo)
    key = standing_cache.policy_key(context.config, context.rules)
    head = git(repo, "rev-parse", "HEAD").strip()
    start = time.perf_counter()
    while head not in standing_cache.load(repo / ".git", key)[0]:
        if time.perf_counter() - start > 120:
            raise SystemExit("the background refresh did not cache HEAD within 120 s")
        time.sleep(0.02)
    return time.perf_counter() - start


def daemon_pid(repo: Path) -> int | None:
    """The hook daemon serving ``repo``, if one runs."""
    wanted = f"hook\0daemon\0{repo / '.git'}\0".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if wanted in (entry / "cmdline").read_bytes():
                    return int(entry.name)
            except OSError:
                continue
    return None


def daemon_cpu(repo: Path) -> float:
    """CPU seconds the hook daemon has used so far (0 without one)."""
    pid = daemon_pid(repo)
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_daemon(repo: Path) -> None:
    """Stop the hook daemon (an upgrade replaces it); nothing on a tree without one."""
    pid = daemon_pid(repo)
    subprocess.run([sys.executable, "-m", "countersign", "hook", "daemon", "--stop"], cwd=repo,
                   env=ENV, check=False, capture_output=True)
    for _ in range(200):
        if pid is None or not Path(f"/proc/{pid}").exists():
            return
        time.sleep(0.05)


def await_daemon(repo: Path) -> None:
    """Wait until the daemon the first commit started answers (when the shims have one)."""
    shim = (repo / ".git" / "hooks" / "prepare-commit-msg")
    if not shim.exists() or "hook_client" not in shim.read_text():
        return
    for _ in range(600):
        if (repo / ".git" / "countersign" / "daemon" / "socket").exists():
            return
        time.sleep(0.05)


def hook_bench(root: Path, runs: int, autonomy: bool = False, refresh: bool = False) -> None:
    repo = make_repo(root, autonomy)
    ENV[REFRESH] = "off"
    if autonomy:  # the standing of the base commit, as `record` or a refresh leaves it
        subprocess.run([sys.executable, "-m", "countersign", "record"], cwd=repo, env=ENV,
                       check=True, capture_output=True)
    hooks_dir = repo / ".git" / "hooks"
    ledger = Ledger(repo / ".git" / "countersign" / "ledger.db")
    subprocess.run([sys.executable, "-m", "countersign", "hook", "install"], cwd=repo,
                   env=ENV, check=True, capture_output=True)
    installed = {p.name: p.read_text() for p in hooks_dir.iterdir() if p.is_file()
                 and "countersign-managed-hook" in p.read_text()}

    def only(*names: str) -> None:
        for name, text in installed.items():
            path = hooks_dir / name
            if name in names:
                path.write_text(text)
                path.chmod(0o755)
            elif path.exists():
                path.unlink()

    results, cpu, first, second = {}, {}, 0.0, 0.0
    in_process = {**ENV, "COUNTERSIGN_HOOK_DAEMON": "0"}
    rows = [("git commit, no hooks", (), ENV),
            ("with prepare-commit-msg", ("prepare-commit-msg",), ENV),
            ("with all countersign hooks", tuple(installed), ENV),
            ("all hooks, daemon off", tuple(installed), in_process)]
    if refresh:
        rows.append(("all hooks, background refresh", tuple(installed), {**ENV, REFRESH: "on"}))
    refreshes: list[float] = []
    for label, names, env in rows:
        only(*names)
        if label == "with all countersign hooks":
            stop_daemon(repo)  # as after an upgrade: no daemon, caches empty
            shutil.rmtree(repo / ".git" / "countersign" / "cache", ignore_errors=True)
            first = time_commit(repo, 1, ledger)[0][0]
            second = time_commit(repo, 1, ledger)[0][0]
        waits = refreshes if env.get(REFRESH) == "on" else None
        time_commit(repo, 1, ledger, env, waits)  # warm caches, start the daemon
        await_daemon(repo)
        refreshes.clear()
        walls, cpus = time_commit(repo, runs, ledger, env, waits)
        results[label], cpu[label] = statistics.median(walls), statistics.median(cpus)
        results[label + " spread"] = max(walls) - min(walls)
    stop_daemon(repo)
    base, base_cpu = results["git commit, no hooks"], cpu["git commit, no hooks"]
    print(f"commit of {FILES * LINES} changed lines in {FILES} files (median of {runs}; "
          f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}, "
          f"load average {os.getloadavg()[0]:.2f}):")
    for label, value in results.items():
        if label.endswith(" spread"):
            continue
        extra = "" if label.endswith("no hooks") else (
            f"  (+{(value - base) * 1000:.0f} ms; CPU +{(cpu[label] - base_cpu) * 1000:.0f} ms)")
        print(f"  {label:28} {value * 1000:7.0f} ms{extra}  "
              f"[spread {results[label + ' spread'] * 1000:.0f} ms]")
    print(f"  first commit after an upgrade (no daemon, rule caches empty, all hooks): "
          f"{first * 1000:.0f} ms (+{(first - base) * 1000:.0f} ms); the one after it "
          f"{second * 1000:.0f} ms (+{(second - base) * 1000:.0f} ms)")
    if refreshes:
        print(f"  background refresh: the commit's standing cached "
              f"{statistics.median(refreshes):.2f} s after the commit (median; max "
              f"{max(refreshes):.2f} s)")
    if autonomy:
        stage_change(repo, ledger, 99)
        print(f"  [autonomy] in the hook, in-process: {autonomy_cost(repo)}")
        git(repo, "reset", "-q", "--hard", "HEAD")
    for label, target in (("with prepare-commit-msg", 80), ("with all countersign hooks", 100)):
        added = (results[label] - base) * 1000
        print(f"{label.removeprefix('with ')} adds {added:.0f} ms (target <= {target} ms): "
              f"{'OK' if added <= target else 'MISSED'}")


def autonomy_cost(repo: Path, rounds: int = 500) -> str:
    """What applying the cached standing to the staged stamp costs the hook (median), the
    part of the commit's time too small for the commit timings to show."""
    try:
        from countersign.store.standing_cache import with_autonomy
    except ImportError:
        return "not in this version"
    from countersign.cli.common import load_context
    from countersign.store.gitcli import Git
    from countersign.store.stamping import Stamper

    context = load_context(repo)
    head = git(repo, "rev-parse", "HEAD").strip()
    stamper = Stamper(Git(repo), context.ledger(), context.rules, context.config)
    stamp = stamper.staged([head])
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        decided = with_autonomy(stamper, stamp, [head])
        times.append(time.perf_counter() - start)
    return (f"{statistics.median(times) * 1e6:.0f} us a commit (reads the cache, decides; "
            f"Review-Required {stamp.review.label} -> {decided.review.label})")


def history(root: Path, commits: int) -> Path:
    """A repository of ``commits`` commits with trailers and notes, via git fast-import."""
    repo = root / "verify-bench"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    stream: list[bytes] = []
    files: dict[int, list[str]] = {}
    for i in range(1, commits + 1):
        n = i % 50
        lines = files.setdefault(n, [])
        lines += [f"row_{i}_{k} = {k}\n" for k in range(5)]
        if i % 25 == 0:
            lines.append("DROP TABLE audit_old;\n")
        content = "".join(lines).encode()
        tier = "critical" if i % 25 == 0 else "none"
        review = "senior+owner" if tier == "critical" else "none"
        msg = (f"change {i}\n\nAI-Assisted: claude-code (agent)\nAI-Lines: 5/5\n"
               f"Review-Tier: {tier}\nReview-Required: {review}\n").encode()
        stream += [b"commit refs/heads/main\n", f"mark :{i}\n".encode(),
                   f"committer Bench <bench@example.com> {1795000000 + i} +0000\n".encode(),
                   f"data {len(msg)}\n".encode(), msg,
                   *([f"from :{i - 1}\n".encode()] if i > 1 else []),
                   f"M 100644 inline db/m{n:02}.sql\n".encode(),
                   f"data {len(content)}\n".encode(), content, b"\n"]
    marks = root / "marks"
    git(repo, "fast-import", "--quiet", f"--export-marks={marks}", data=b"".join(stream))
    sha = dict(line.split() for line in marks.read_text().splitlines())
    notes: list[bytes] = []
    for i in range(1, commits + 1):
        total = sum(5 + (k % 25 == 0) for k in range(i % 50 or 50, i + 1, 50))
        ai = {total - 1 - k: AGENT for k in range(5)}
        note = json.dumps(build_record(sha[f":{i}"], {f"db/m{i % 50:02}.sql": ai},
                                       0.0)).encode()
        notes += [b"commit refs/notes/countersign\n",
                  f"committer Bench <bench@example.com> {1795000000 + i} +0000\n".encode(),
                  b"data 5\nnote\n", f"N inline {sha[f':{i}']}\n".encode(),
                  f"data {len(note)}\n".encode(), note, b"\n"]
    git(repo, "fast-import", "--quiet", data=b"".join(notes))
    git(repo, "reset", "-q", "--hard", "main")
    return repo


def verify_bench(root: Path, commits: int) -> None:
    repo = history(root, commits)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "countersign", "verify", "--format", "json",
                           "HEAD"], cwd=repo, env=ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    data = json.loads(done.stdout)
    print(f"verify over {len(data['commits'])} commits: {elapsed:.2f} s "
          f"({data['passed']} passed, {data['failed']} failed; exit {done.returncode}) "
          f"(target <= 10 s): {'OK' if elapsed <= 10 else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--hooks-only", action="store_true", help="skip the verify benchmark")
    parser.add_argument("--autonomy", action="store_true",
                        help="a policy with [autonomy] and a cached standing")
    parser.add_argument("--refresh", action="store_true",
                        help="with --autonomy: also time commits with the background refresh")
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{subprocess.run(['git', '--version'], capture_output=True, text=True).stdout.strip()}")
    root = Path(tempfile.mkdtemp(prefix="countersign-bench-"))
    try:
        hook_bench(root, args.runs, args.autonomy, args.refresh and args.autonomy)
        if not args.hooks_only:
            verify_bench(root, args.commits)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
