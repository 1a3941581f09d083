"""The report's sign-off section (``countersign/signoff``) on a branch of 200 commits.

Builds a repository whose ``feature`` branch adds 200 commits over ``main`` (``git
fast-import``): migrations (DAT001, high), ``DROP TABLE`` migrations (critical) and Python
code, 12 added lines each, without provenance notes (so every line counts as AI and every
rule runs), each commit with two signed SSH approvals (ed25519, real ``ssh-keygen -Y sign``,
not timed) and a CODEOWNERS file on ``main``. Then, through a real language server on
stdio, as an editor asks:

- ``countersign/signoff`` for the newest 20 (the default), 50 and 200 commits of
  ``main..HEAD``, and with no upstream (HEAD and the 9 before it): wall time per request,
  the first one cold (the server has not read the repository yet);
- the keystroke path meanwhile: ``didChange`` -> ``publishDiagnostics`` on a 2,000-line
  file with 200 AI spans, idle and while a 200-commit request runs in its worker thread;
- the event loop's lag in this process while ``asyncio.to_thread`` runs the same judgement
  (what the server's loop can lose to the worker holding the GIL, without the machine's
  other load on the measurement);
- ``countersign verify main..HEAD`` over the same 200 commits in a new process, for scale;
- with an ``[autonomy]`` policy (``--autonomy``), on a ``main`` of 10,000 commits over 90
  days (``bench_incident.long_history``) and a branch of 20 AI commits over it: the report
  first (the AI tools' standing computed from main's history in the worker thread), then
  again (the standing kept by the server), after a note is added on the branch (kept) and
  on main (recomputed), the keys that decide whether it holds, the event loop's lag in
  process while the standing is computed in a worker thread, and ``verify`` of the same
  range.

Run: ./run bench   (or .venv/bin/python bench/bench_report_signoff.py [--commits N])
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from bench_incident import long_history
from bench_lsp import plain_converter
from bench_signoff import ENV, approvals, git, keys
from countersign.core.config import load_project
from countersign.lsp.signoff import SignoffInput
from countersign.lsp.signoff import signoff as signoff_of
from countersign.store.gitcli import Git
from countersign.store.standing_memo import history_key, quick_key
from countersign.store.workspace import find_workspace

SERVER = [sys.executable, "-m", "countersign.cli.main", "lsp"]
POLICY = """[reviewers]
senior = ["sam@example.com"]
owner = ["olga@example.com"]
[signoff]
allowed_signers = "allowed_signers"
"""
IDENTITY = ("-c", "user.name=Ada", "-c", "user.email=ada@example.com")
AUTONOMY = """
[[autonomy.tighten]]
tier = "high"
review = "senior+owner"
days = 30
[[autonomy.relax]]
tier = "medium"
review = "none"
min_lines = 500
days = 90
[autonomy.new_tool]
lines = 100
stricter = 1
"""


def content(i: int) -> tuple[str, bytes]:
    """The file commit ``i`` adds: a migration, a destructive migration, or code."""
    if i % 3 == 0:
        body = "".join(f"CREATE TABLE t{i}_{n} (id int);\n" for n in range(12))
        return f"migrations/{i:04}.sql", body.encode()
    if i % 3 == 1:
        body = "".join(f"DROP TABLE old_{i}_{n};\n" for n in range(12))
        return f"migrations/{i:04}_drop.sql", body.encode()
    body = "".join(f"def f{n}(x):\n    return x * {n}\n" for n in range(6))
    return f"app/m{i:04}.py", body.encode()


def branch(root: Path, commits: int) -> tuple[Path, list[str]]:
    """``main`` (README, CODEOWNERS) and ``feature`` with ``commits`` more, tracking main."""
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    owners = b"/migrations/ @olga\n* olga@example.com\n"
    stream = [b"commit refs/heads/main\nmark :1\n",
              b"committer Ada <ada@example.com> 1795000000 +0000\ndata 5\nbase\n",
              b"M 100644 inline README.md\ndata 8\nservice\n",
              f"M 100644 inline CODEOWNERS\ndata {len(owners)}\n".encode(), owners, b"\n"]
    for i in range(1, commits + 1):
        path, data = content(i)
        msg = f"change {i}\n".encode()
        stream += [b"commit refs/heads/feature\n", f"mark :{i + 1}\n".encode(),
                   f"committer Ada <ada@example.com> {1795000000 + i} +0000\n".encode(),
                   f"data {len(msg)}\n".encode(), msg, f"from :{i}\n".encode(),
                   f"M 100644 inline {path}\n".encode(), f"data {len(data)}\n".encode(),
                   data, b"\n"]
    marks = root / "marks"
    git(repo, "fast-import", "--quiet", f"--export-marks={marks}", data=b"".join(stream))
    git(repo, "checkout", "-q", "feature")
    git(repo, "branch", "-q", "--set-upstream-to=main")
    shas = [line.split()[1] for line in marks.read_text().splitlines()][1:]
    return repo, shas


ARRIVED: dict[tuple[str, int], asyncio.Future[float]] = {}
"""(uri, version) -> when its diagnostics arrived."""


def on_diagnostics(params: dict[str, Any]) -> None:
    future = ARRIVED.get((params["uri"], params.get("version") or -1))
    if future is not None and not future.done():
        future.set_result(time.perf_counter())


async def start(repo: Path, policy: Path) -> LanguageClient:
    client = LanguageClient("bench", "1", converter_factory=plain_converter)
    client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)(on_diagnostics)
    client.feature("countersign/provenance")(lambda params: None)
    await client.start_io(*SERVER, env={**ENV, "HOME": str(repo.parent)})
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=repo.as_uri(),
        initialization_options={"debounceMs": 0, "diagnosticMode": "push",
                                "policy": str(policy)}))
    client.initialized(types.InitializedParams())
    return client


async def signoff(client: LanguageClient, **params: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = await client.protocol.send_request_async("countersign/signoff", params)
    return (time.perf_counter() - start) * 1000, result


async def requests(client: LanguageClient, repo: Path) -> dict[str, list[float]]:
    """Milliseconds per request, five of each (the very first is cold)."""
    out: dict[str, list[float]] = {}
    for label, params in (("20 commits (default)", {}), ("50 commits", {"maxCommits": 50}),
                          ("200 commits", {"maxCommits": 200})):
        out[label] = []
        for _ in range(5):
            ms, result = await signoff(client, **params)
            out[label].append(ms)
        judged = len(result.commits)
        if judged != int(label.split()[0]) or result.omitted + judged != 200:
            raise SystemExit(f"{label}: judged {judged}, omitted {result.omitted}")
    git(repo, "branch", "-q", "--unset-upstream")
    out["no upstream (10 commits)"] = [(await signoff(client))[0] for _ in range(5)]
    git(repo, "branch", "-q", "--set-upstream-to=main")
    return out


async def keystrokes(client: LanguageClient, repo: Path, busy: int) -> list[float]:
    """didChange -> publishDiagnostics (ms) of 40 edits 50 ms apart, idle (``busy`` 0) or
    while requests for ``busy`` commits run back to back."""
    path = repo / "app" / f"typing_{busy}.py"
    text = "".join("cursor.execute('DROP TABLE users')\n" if i % 10 == 0 else f"v_{i} = {i}\n"
                   for i in range(2000))
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri, "python", 1, text)))
    client.protocol.notify("countersign/aiEdit", {
        "textDocument": {"uri": uri, "version": 1}, "tool": "copilot", "kind": "inline",
        "ranges": [{"start": {"line": i, "character": 0}, "end": {"line": i + 1, "character": 0}}
                   for i in range(0, 2000, 10)]})
    await asyncio.sleep(1)
    done = asyncio.Event()

    async def load() -> int:
        count = 0
        while not done.is_set():
            await signoff(client, maxCommits=busy)
            count += 1
        return count

    requests = asyncio.ensure_future(load()) if busy else None
    times = []
    for version in range(2, 42):
        arrived = ARRIVED[uri, version] = asyncio.get_running_loop().create_future()
        start = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version, uri),
            [types.TextDocumentContentChangePartial(
                types.Range(types.Position(0, 0), types.Position(0, 0)), " ")]))
        times.append((await asyncio.wait_for(arrived, 30) - start) * 1000)
        await asyncio.sleep(0.05)
    done.set()
    if requests is not None:
        print(f"  ({await requests} requests of {busy} commits ran during the edits)")
    return times


async def loop_lag(repo: Path, policy: Path, commits: int) -> list[float]:
    """How late a 1 ms sleep wakes (ms) while the request's work runs in a worker thread."""
    workspace = find_workspace(repo)
    loaded = load_project(repo, policy)
    source = SignoffInput(repo, workspace.git_dir, loaded.rules, loaded.config, policy, None,
                          commits)
    await asyncio.to_thread(signoff_of, source)  # warm, as the server is after one request
    lags: list[float] = []
    work = asyncio.ensure_future(asyncio.to_thread(signoff_of, source))
    while not work.done():
        start = time.perf_counter()
        await asyncio.sleep(0.001)
        lags.append((time.perf_counter() - start) * 1000 - 1)
    await work
    return lags


def verify(repo: Path, policy: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "countersign", "verify", "main..HEAD",
                           "--policy", str(policy), "--format", "json"], cwd=repo, env=ENV,
                          capture_output=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr.decode())
    return (time.perf_counter() - start) * 1000


def summary(values: list[float]) -> str:
    rest = values[1:] or values
    return (f"first {values[0]:.0f} ms, then median {statistics.median(rest):.0f} ms "
            f"(max {max(rest):.0f} ms)")


def spread(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return (f"{len(values)} edits: p50 {statistics.median(values):.1f} ms, p99 {p99:.1f} ms, "
            f"max {ordered[-1]:.1f} ms")


async def main_async(commits: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="countersign-bench-report-"))
    try:
        repo, shas = branch(root, commits)
        key_files, _ = keys(root)  # the policy names the allowed-signers file it writes
        signed = approvals(repo, shas, key_files)
        policy = root / "policy.toml"
        policy.write_text(POLICY)
        print(f"feature adds {len(shas)} commits over main, {signed} signed SSH approvals")
        client = await start(repo, policy)
        try:
            for label, values in (await requests(client, repo)).items():
                print(f"  countersign/signoff, {label:>24}: {summary(values)}")
            for busy in (0, 20, 200):
                during = f"during {busy}-commit requests" if busy else "idle"
                print(f"  keystrokes, {during:>28}: "
                      f"{spread(await keystrokes(client, repo, busy))}")
        finally:
            await client.shutdown_async(None)
            client.exit(None)
            await client.stop()
        for commits in (20, 200):
            lag = sorted(await loop_lag(repo, policy, commits))
            print(f"  event loop lag in process, {commits:>3} commits: {len(lag)} wake-ups, "
                  f"p50 {statistics.median(lag):.1f} ms, p99 "
                  f"{lag[int(0.99 * (len(lag) - 1))]:.1f} ms, max {lag[-1]:.1f} ms")
        print(f"  countersign verify main..HEAD ({len(shas)} commits, new process): "
              f"{verify(repo, policy):.0f} ms; load average now {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def autonomy(root: Path, history: int) -> None:
    """The report under ``[autonomy]`` on a long history (module docstring)."""
    repo = root / "long"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    long_history(repo, history)
    git(repo, "checkout", "-q", "-b", "feature")
    for i in range(20):
        (repo / "src" / f"new{i}.py").write_text("".join(
            f"def g{i}_{n}(x):\n    return x + {n}\n" for n in range(6)))
        git(repo, "add", "-A")
        git(repo, *IDENTITY, "commit", "-qm", f"feature {i}")
    git(repo, "branch", "-q", "--set-upstream-to=main")
    policy = root / "autonomy.toml"
    policy.write_text(AUTONOMY)
    print(f"[autonomy]: main has {history} commits over 90 days, feature adds 20")
    client = await start(repo, policy)
    try:
        times, result = [], None
        for _ in range(5):
            ms, result = await signoff(client)
            times.append(ms)
        reviews = sorted({c.review for c in result.commits}) if result else []
        print(f"  countersign/signoff, 20 commits: {summary(times)}; reviews {reviews}")
        for where, rev in (("the branch's HEAD (standing kept)", "HEAD"),
                           ("a commit of main (standing recomputed)", "main~100")):
            git(repo, *IDENTITY, "notes", "--ref", "countersign", "add", "-f", "-m", "{}", rev)
            print(f"  after a note is added to {where}: {(await signoff(client))[0]:.0f} ms")
    finally:
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    plain = root / "plain.toml"
    plain.write_text("")
    client = await start(repo, plain)
    try:
        times = [(await signoff(client))[0] for _ in range(5)]
        print(f"  the same without [autonomy]: {summary(times)}")
    finally:
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    loaded = load_project(repo, policy)
    main = git(repo, "rev-parse", "main").strip()
    keys: dict[str, list[float]] = {"quick": [], "history": []}
    for _ in range(5):
        for name, key in (("quick", quick_key), ("history", history_key)):
            begin = time.perf_counter()
            key(Git(repo), loaded.config, loaded.rules, main)
            keys[name].append((time.perf_counter() - begin) * 1000)
    print("  whether a kept standing holds: " + ", ".join(
        f"{name} key median {statistics.median(ms):.0f} ms" for name, ms in keys.items()))
    lag = sorted(await standing_lag(repo, policy))
    print(f"  event loop lag in process while the standing is computed: {len(lag)} wake-ups, "
          f"p50 {statistics.median(lag):.1f} ms, p99 {lag[int(0.99 * (len(lag) - 1))]:.1f} "
          f"ms, max {lag[-1]:.1f} ms")
    print(f"  countersign verify main..HEAD (new process): {verify(repo, policy):.0f} ms")


async def standing_lag(repo: Path, policy: Path) -> list[float]:
    """How late a 1 ms sleep wakes (ms) while a first report computes the standing in a
    worker thread (this process has kept none yet)."""
    loaded = load_project(repo, policy)
    source = SignoffInput(repo, find_workspace(repo).git_dir, loaded.rules, loaded.config,
                          policy, None, 20)
    lags: list[float] = []
    work = asyncio.ensure_future(asyncio.to_thread(signoff_of, source))
    while not work.done():
        begin = time.perf_counter()
        await asyncio.sleep(0.001)
        lags.append((time.perf_counter() - begin) * 1000 - 1)
    await work
    return lags


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=200)
    parser.add_argument("--autonomy", type=int, metavar="HISTORY", default=0,
                        help="only the [autonomy] part, on a main of HISTORY commits")
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    if args.autonomy:
        root = Path(tempfile.mkdtemp(prefix="countersign-bench-autonomy-"))
        try:
            asyncio.run(autonomy(root, args.autonomy))
        finally:
            shutil.rmtree(root, ignore_errors=True)
        return
    asyncio.run(main_async(args.commits))


if __name__ == "__main__":
    main()
