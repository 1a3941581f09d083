"""Peak memory of the language server next to a bare pygls server holding the same documents.

Issue 17. Two workloads, each on a fresh server process (stdio), peak RSS read from
``/proc/PID/status`` (``VmHWM``) before shutdown:

- ``large``: 5 open files of 20,000 lines; countersign gets 2,000 AI lines reported in
  each (one ``countersign/aiEdit``); then 300 keystrokes spread over the files, each
  followed by a pull for that file's diagnostics (``textDocument/diagnostic``).
- ``many``: 50 open files of 500 lines, 50 AI lines each, 300 keystrokes likewise.

The bare server (``bare_server.py``) keeps the documents in pygls's workspace and answers
every pull with an empty list. Targets: countersign at most 2x the bare server on
``large``, at most 1.5x on ``many``. The keystroke latency is reported too (median and
p99 of didChange + pull round trips).

Run: .venv/bin/python bench/bench_lsp_memory.py [--keystrokes N] [--tracemalloc PREFIX]
[--env VAR=VALUE]; ``BENCH_SMAPS=1`` also prints resident memory per mapping and phase.
``--tracemalloc PREFIX`` runs countersign under ``traced_server.py``, which writes its
largest allocation sites to ``PREFIX-large.txt`` / ``PREFIX-many.txt`` at exit (RSS is then
inflated by tracemalloc's own bookkeeping: read the sites, not the ratio).
"""

from __future__ import annotations

import argparse
import asyncio
import os
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

from bench_lsp import BARE, RISKY, plain_converter

COUNTERSIGN = [sys.executable, "-m", "countersign", "lsp"]


def document(lines: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join((rng.choice(RISKY) if i % 40 == 10 else f"value_{i} = compute(item_{i}, {i})")
                   + "\n" for i in range(lines))


def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def rss_by_mapping(pid: int, top: int = 8) -> str:
    """The mappings holding most resident memory (file name, or [heap], or anonymous)."""
    sizes: dict[str, int] = {}
    name = ""
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        fields = line.split()
        if len(fields) >= 5 and "-" in fields[0]:
            name = Path(fields[5]).name if len(fields) > 5 else "[anon]"
        elif fields and fields[0] == "Rss:":
            sizes[name] = sizes.get(name, 0) + int(fields[1])
    return ", ".join(f"{k} {v / 1024:.1f}M" for k, v in
                     sorted(sizes.items(), key=lambda kv: -kv[1])[:top])


async def measure(command: list[str], root: Path, files: dict[str, str], ai_every: int,
                  keystrokes: int, options: dict[str, Any]) -> tuple[int, list[float]]:
    client = LanguageClient("bench", "1", converter_factory=plain_converter)

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: Any) -> None:
        pass

    @client.feature("countersign/provenance")
    def on_provenance(params: Any) -> None:
        pass

    await client.start_io(*command)
    caps = types.ClientCapabilities(text_document=types.TextDocumentClientCapabilities(
        diagnostic=types.DiagnosticClientCapabilities()))
    await client.initialize_async(types.InitializeParams(
        capabilities=caps, root_uri=root.as_uri(), initialization_options=options))
    client.initialized(types.InitializedParams())
    uris = []
    for rel, text in files.items():
        uri = (root / rel).as_uri()
        uris.append(uri)
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri, "python", 1, text)))
        lines = text.count("\n")
        ranges = [{"start": {"line": i, "character": 0}, "end": {"line": i + 1, "character": 0}}
                  for i in range(0, lines, ai_every)]
        client.protocol.notify("countersign/aiEdit", {
            "textDocument": {"uri": uri, "version": 1}, "ranges": ranges,
            "tool": "copilot", "kind": "inline"})
    await asyncio.sleep(1)
    phases = [peak_rss_kib(client._server.pid)] if client._server else []
    for uri in uris:  # every file analysed once before typing
        await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            types.TextDocumentIdentifier(uri)))
    phases += [peak_rss_kib(client._server.pid)] if client._server else []
    rng = random.Random(5)
    versions = dict.fromkeys(uris, 1)
    times = []
    for _ in range(keystrokes):
        uri = rng.choice(uris)
        versions[uri] += 1
        line = rng.randrange(files[uri.rsplit("/", 2)[-2] + "/" + uri.rsplit("/", 1)[-1]]
                             .count("\n"))
        start = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(versions[uri], uri),
            [types.TextDocumentContentChangePartial(
                types.Range(types.Position(line, 0), types.Position(line, 0)), "x")]))
        await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            types.TextDocumentIdentifier(uri)))
        times.append((time.perf_counter() - start) * 1000)
    assert client._server is not None
    peak = peak_rss_kib(client._server.pid)
    if os.environ.get("BENCH_SMAPS"):
        print(f"  {command[-1]}: peak after opening {phases[0] / 1024:.0f}M, after the first "
              f"pulls {phases[1] / 1024:.0f}M; now {rss_by_mapping(client._server.pid)}")
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return peak, times


def workload(name: str) -> tuple[dict[str, str], int]:
    if name == "large":
        return {f"app/big_{i}.py": document(20_000, i) for i in range(5)}, 10
    count = int(os.environ.get("BENCH_SMALL_FILES", "50"))
    return {f"app/small_{i:02}.py": document(500, i) for i in range(count)}, 10


async def main_async(keystrokes: int, tracemalloc: str | None, env: list[str]) -> None:
    print(f"python {platform.python_version()} on {platform.machine()}, {keystrokes} "
          f"keystrokes, each followed by a pull of that file's diagnostics")
    for name, target in (("large", 2.0), ("many", 1.5)):
        files, ai_every = workload(name)
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            subprocess.run(["git", "init", "-q", str(root)], check=True)
            (root / "app").mkdir()
            for rel, text in files.items():
                (root / rel).write_text(text, encoding="utf-8")
            ours_cmd = ["env", *env, *COUNTERSIGN] if not tracemalloc else [
                sys.executable, str(Path(__file__).with_name("traced_server.py")),
                f"{tracemalloc}-{name}.txt"]
            ours, ours_t = await measure(ours_cmd, root, files, ai_every, keystrokes,
                                         {"debounceMs": 0, "diagnosticMode": "pull"})
            bare, bare_t = await measure(BARE, root, files, ai_every, keystrokes, {})
        ratio = ours / bare
        print(f"{name}: {len(files)} files x {next(iter(files.values())).count(chr(10))} lines")
        for label, peak, times in (("countersign", ours, ours_t), ("bare pygls", bare, bare_t)):
            q = statistics.quantiles(times, n=100, method="inclusive")
            print(f"  {label:12} peak RSS {peak / 1024:7.1f} MiB   keystroke p50 "
                  f"{q[49]:6.2f} ms  p99 {q[98]:6.2f} ms")
        print(f"  ratio {ratio:.2f}x (target <= {target:.1f}x): "
              f"{'OK' if ratio <= target else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keystrokes", type=int, default=300)
    parser.add_argument("--tracemalloc", metavar="PREFIX", default=None)
    parser.add_argument("--env", metavar="VAR=VALUE", action="append", default=[],
                        help="environment of the countersign server (MALLOC_ARENA_MAX=1, ...)")
    args = parser.parse_args()
    asyncio.run(main_async(args.keystrokes, args.tracemalloc, args.env))


if __name__ == "__main__":
    main()
