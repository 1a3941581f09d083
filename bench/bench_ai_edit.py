"""An ``aiEdit`` with many ranges: time until the server has placed, stored and shown it.

The server runs on stdio and gets a document of N lines, then one ``countersign/aiEdit``
with N ranges (one per line), then a ``countersign/summary`` request. The time runs from
sending the report until both the summary's answer and the ``countersign/provenance``
notification with N spans have arrived (``provenanceDebounceMs`` is 0, so nothing waits).
The client reads frames with ``json.loads`` alone: a pygls client spends most of the time
turning the 100,000-span notification into namedtuples, which is not the server's cost.

Issue 15 item 10: 10,000 ranges took 3.6 s and 100,000 took 42 s through a pygls client;
the target is near-linear growth.

Run: .venv/bin/python bench/bench_ai_edit.py [--sizes 10000 100000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

SERVER = [sys.executable, "-m", "countersign.cli.main", "lsp"]


class Stdio:
    """Just enough of a JSON-RPC client: frames out, frames in."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.ids = 0

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        stdin: IO[bytes] = self.process.stdin  # type: ignore[assignment]
        stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        stdin.flush()

    def read(self) -> dict[str, Any]:
        stdout: IO[bytes] = self.process.stdout  # type: ignore[assignment]
        length = 0
        while (line := stdout.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        message: dict[str, Any] = json.loads(stdout.read(length))
        if "method" in message and "id" in message:  # the server asks: answer null
            self.send({"id": message["id"], "result": None})
        return message

    def request(self, method: str, params: Any) -> int:
        self.ids += 1
        self.send({"id": self.ids, "method": method, "params": params})
        return self.ids

    def answer(self, msg_id: int) -> dict[str, Any]:
        while (message := self.read()).get("id") != msg_id or "method" in message:
            pass
        return message

    def until_answered_and_shown(self, asked: int, shown: Callable[[dict[str, Any]], bool]) -> None:
        """Read until ``asked`` is answered and a ``countersign/provenance`` matches ``shown``."""
        answered = seen = False
        while not (answered and seen):
            message = self.read()
            answered = answered or (message.get("id") == asked and "method" not in message)
            seen = seen or (message.get("method") == "countersign/provenance"
                            and shown(message["params"]))

    def close(self) -> None:
        """Shut the server down as a client would and wait for it to exit."""
        self.answer(self.request("shutdown", None))
        self.send({"method": "exit"})
        self.process.stdin.close()  # type: ignore[union-attr]
        self.process.wait()


def run(size: int) -> float:
    root = Path(tempfile.mkdtemp())
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    client = Stdio()
    client.answer(client.request("initialize", {
        "processId": None, "rootUri": root.as_uri(), "capabilities": {},
        "initializationOptions": {"provenanceDebounceMs": 0}}))
    client.send({"method": "initialized", "params": {}})
    path = root / "big.py"
    text = "".join(f"value_{i} = compute(item_{i}, {i})\n" for i in range(size))
    path.write_text(text, encoding="utf-8")
    doc = {"uri": path.as_uri()}
    client.send({"method": "textDocument/didOpen", "params": {"textDocument": {
        **doc, "languageId": "python", "version": 1, "text": text}}})
    client.answer(client.request("countersign/summary", {"textDocument": doc}))
    ranges = [{"start": {"line": n, "character": 0}, "end": {"line": n, "character": 8}}
              for n in range(size)]
    start = time.perf_counter()
    client.send({"method": "countersign/aiEdit", "params": {
        "textDocument": {**doc, "version": 1}, "ranges": ranges, "tool": "copilot",
        "kind": "chat"}})
    asked = client.request("countersign/summary", {"textDocument": doc})
    client.until_answered_and_shown(asked, lambda params: len(params["spans"]) == size)
    elapsed = time.perf_counter() - start
    client.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    results = {size: run(size) for size in args.sizes}
    for size, seconds in results.items():
        print(f"{size:>8,} ranges: {seconds:6.2f} s ({seconds / size * 1e6:5.1f} us per range)")


if __name__ == "__main__":
    main()
