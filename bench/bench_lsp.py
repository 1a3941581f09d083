"""didChange -> publishDiagnostics latency: countersign next to a bare pygls 2 server.

Both servers run as subprocesses on stdio and get the same stream of one-character edits
to a 20,000-line Python file. countersign first gets 2,000 AI spans (one aiEdit) and runs
every built-in rule. Each edit is sent alone and timed until the publishDiagnostics for
its version arrives. Targets (issue 4): p50 within 1.5x, p99 within 2x of the bare server.

Run: ./run bench   (or .venv/bin/python bench/bench_lsp.py [--edits N])
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

HERE = Path(__file__).resolve().parent
LINES, SPANS = 20_000, 2_000
RISKY = ["cursor.execute('DROP TABLE users')", "requests.get(url, verify=False)",
         "os.system('rm -rf ' + path)", "subprocess.run(cmd, shell=True)"]


def document(rng: random.Random) -> str:
    out = []
    for i in range(LINES):
        out.append(rng.choice(RISKY) if i % 40 == 10 else f"value_{i} = compute(item_{i}, {i})")
    return "\n".join(out) + "\n"


async def measure(command: list[str], root: Path, text: str, edits: int, ai: bool) -> list[float]:
    client = LanguageClient("bench", "1")
    arrived: dict[int, asyncio.Future[float]] = {}

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        future = arrived.get(params.version or -1)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())

    await client.start_io(*command)
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=root.as_uri(),
        initialization_options={"debounceMs": 0, "diagnosticMode": "push"}))
    client.initialized(types.InitializedParams())
    path = root / "app" / "service.py"
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri, "python", 1, text)))
    if ai:
        ranges = [{"start": {"line": i * 10, "character": 0},
                   "end": {"line": i * 10 + 1, "character": 0}} for i in range(SPANS)]
        client.protocol.notify("countersign/aiEdit", {
            "textDocument": {"uri": uri, "version": 1}, "ranges": ranges,
            "tool": "copilot", "kind": "inline"})
    rng = random.Random(11)
    times = []
    for version in range(2, edits + 2):
        line = rng.randrange(LINES)
        arrived[version] = asyncio.get_running_loop().create_future()
        start = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version, uri),
            [types.TextDocumentContentChangePartial(
                types.Range(types.Position(line, 0), types.Position(line, 0)), "a")]))
        end = await asyncio.wait_for(arrived[version], 30)
        times.append((end - start) * 1000)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return times[max(1, edits // 20):]  # the first edits warm caches up


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def main_async(edits: int) -> dict[str, Any]:
    text = document(random.Random(3))
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        (root / "app").mkdir()
        (root / "app" / "service.py").write_text(text, encoding="utf-8")
        servers = {
            "bare pygls": ([sys.executable, str(HERE / "bare_server.py")], False),
            "countersign": ([sys.executable, "-m", "countersign.cli.main", "lsp"], True),
        }
        for name, (command, ai) in servers.items():
            times = await measure(command, root, text, edits, ai)
            results[name] = (pct(times, 50), pct(times, 99))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--edits", type=int, default=600)
    args = parser.parse_args()
    results = asyncio.run(main_async(args.edits))
    print(f"python {platform.python_version()} on {platform.machine()}, {LINES} lines, "
          f"{SPANS} AI spans, {args.edits} edits, didChange -> publishDiagnostics")
    for name, (p50, p99) in results.items():
        print(f"  {name:12s} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms")
    (b50, b99), (c50, c99) = results["bare pygls"], results["countersign"]
    ok50, ok99 = c50 <= 1.5 * b50, c99 <= 2 * b99
    print(f"ratio p50 {c50 / b50:.2f}x (target <= 1.50x): {'OK' if ok50 else 'MISSED'}")
    print(f"ratio p99 {c99 / b99:.2f}x (target <= 2.00x): {'OK' if ok99 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
