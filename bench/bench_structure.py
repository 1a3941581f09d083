"""Keystroke -> structural finding published, in the real language server on stdio.

Issue 16: structural findings present within 200 ms of the last keystroke. Three files,
each with every line AI-written (one aiEdit):

- ``python``: the 20,000-line file of ``bench_lsp.py``; each edit appends
  ``or requests.get(u, verify=False, timeout=3)`` to a different line, and the time is
  taken until a publishDiagnostics carries SEC005 on that line (a structural rule, one
  top-level statement re-parsed);
- ``terraform``: 600 ``aws_db_instance`` blocks of 33 lines (~20,000 lines); each edit
  deletes the ``storage_encrypted = true`` line of a different block, until INF016 (a
  missing attribute) is published on its header line;
- ``huge unit``: the same edit in one ``aws_db_instance`` block of 3,000 lines, longer than
  what the server re-parses on a keystroke: the finding comes when typing pauses
  (``SETTLE_MS``) and the whole file is parsed again.

Run: .venv/bin/python bench/bench_structure.py [--edits N]
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_lsp import COUNTERSIGN, document, plain_converter

BLOCK = 'resource "aws_db_instance" "db{n}" {{\n  engine = "postgres"\n' \
    '  storage_encrypted = true\n  deletion_protection = true\n{body}}}\n\n'


def terraform(blocks: int, lines: int) -> str:
    body = "".join(f"  tag_{i} = \"v{i}\"\n" for i in range(lines))
    return "".join(BLOCK.format(n=n, body=body) for n in range(blocks))


async def measure(text: str, name: str, edits: list[tuple[int, int, int, int, str]],
                  wanted: Callable[[int], tuple[str, int, bool]]) -> list[float]:
    """Milliseconds from each edit to the publish that carries (or, with False, no longer
    carries) ``wanted(i)``: (rule, line, present)."""
    client = LanguageClient("bench", "1", converter_factory=plain_converter)
    latest: dict[str, Any] = {}
    changed = asyncio.Event()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: dict[str, Any]) -> None:
        latest["diagnostics"] = params["diagnostics"]
        changed.set()

    @client.feature("countersign/provenance")
    def on_provenance(params: Any) -> None:
        pass

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        (root / name).parent.mkdir(parents=True)
        (root / name).write_text(text, encoding="utf-8")
        await client.start_io(*COUNTERSIGN)
        await client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=root.as_uri(),
            initialization_options={"debounceMs": 0, "diagnosticMode": "push"}))
        client.initialized(types.InitializedParams())
        uri = (root / name).as_uri()
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri, "plaintext", 1, text)))
        last = text.count("\n")
        client.protocol.notify("countersign/aiEdit", {
            "textDocument": {"uri": uri, "version": 1},
            "ranges": [{"start": {"line": 0, "character": 0},
                        "end": {"line": last, "character": 0}}],
            "tool": "copilot", "kind": "inline"})
        while not latest.get("diagnostics"):  # the AI lines' findings: opening is done
            await asyncio.wait_for(changed.wait(), 60)
            changed.clear()
        await asyncio.sleep(1)
        times = []
        for version, (sl, sc, el, ec, new) in enumerate(edits, start=2):
            rule, line, present = wanted(version - 2)
            changed.clear()
            start = time.perf_counter()
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version, uri),
                [types.TextDocumentContentChangePartial(
                    types.Range(types.Position(sl, sc), types.Position(el, ec)), new)]))
            while present != any(d["code"] == rule and d["range"]["start"]["line"] == line
                                 for d in latest.get("diagnostics", [])):
                await asyncio.wait_for(changed.wait(), 30)
                changed.clear()
            times.append((time.perf_counter() - start) * 1000)
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    return times


Case = tuple[str, list[Any], Callable[[int], tuple[str, int, bool]]]


def python_case(count: int) -> Case:
    text = document(random.Random(3))
    lines = text.split("\n")
    rng = random.Random(5)
    chosen = rng.sample([n for n in range(len(lines) - 1) if n % 40 != 10], count)
    tail = " or requests.get(u, verify=False, timeout=3)"
    edits = [(n, len(lines[n]), n, len(lines[n]), tail) for n in chosen]
    return text, edits, lambda i: ("SEC005", chosen[i], True)


def terraform_case(count: int, blocks: int, size: int) -> Case:
    text = terraform(blocks, size)
    height = BLOCK.format(n=0, body="x\n" * size).count("\n")
    chosen = random.Random(7).sample(range(blocks), count) if blocks > 1 else [0] * count
    edits, headers = [], []
    for i, b in enumerate(chosen):
        header = b * height - (sum(1 for c in chosen[:i] if c < b) if blocks > 1 else 0)
        if blocks == 1 and i:  # the one block: put the line back, then take it out again
            edits.append((header + 2, 0, header + 2, 0, "  storage_encrypted = true\n"))
            headers.append(("INF016", header, False))
        edits.append((header + 2, 0, header + 3, 0, ""))
        headers.append(("INF016", header, True))
    return text, edits, lambda i: headers[i]


def report(name: str, times: list[float]) -> None:
    print(f"  {name:<10} median {statistics.median(times):8.1f} ms   max {max(times):8.1f} ms"
          f"   ({len(times)} edits; target < 200 ms)")


async def main_async(count: int) -> None:
    text, edits, wanted = python_case(count)
    report("python", await measure(text, "app/service.py", edits, wanted))
    text, edits, wanted = terraform_case(count, 600, 29)
    report("terraform", await measure(text, "infra/main.tf", edits, wanted))
    text, edits, wanted = terraform_case(max(2, count // 4), 1, 3000)
    report("huge unit", await measure(text, "infra/huge.tf", edits, wanted))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edits", type=int, default=40)
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, keystroke -> "
          "structural finding published")
    asyncio.run(main_async(args.edits))
    return 0


if __name__ == "__main__":
    sys.exit(main())
