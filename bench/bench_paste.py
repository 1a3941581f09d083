"""A paste that takes a document past ``maxFileBytes``: time until the server answers again.

The server runs on stdio with a 200-line document open, gets one ``didChange`` inserting
MB megabytes (past the default 10,000,000-byte limit), then a ``countersign/summary``
request; the time runs from the change until both the summary's answer and the
``countersign/provenance`` notification for the new version have arrived (the server is
done with the paste). Issue 15 item 10: a 12 MB
paste stalled the server 11.7 s and 50 MB 72 s while it tracked, matched and guessed at
every line; it now stops tracking the document before applying the paste.

Run: .venv/bin/python bench/bench_paste.py [--mb 12 50]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from bench_ai_edit import Stdio


def run(megabytes: int) -> float:
    root = Path(tempfile.mkdtemp())
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    client = Stdio()
    client.answer(client.request("initialize", {
        "processId": None, "rootUri": root.as_uri(), "capabilities": {}}))
    client.send({"method": "initialized", "params": {}})
    path = root / "app.py"
    text = "".join(f"value_{i} = compute({i})\n" for i in range(200))
    path.write_text(text, encoding="utf-8")
    doc = {"uri": path.as_uri()}
    client.send({"method": "textDocument/didOpen", "params": {"textDocument": {
        **doc, "languageId": "python", "version": 1, "text": text}}})
    client.answer(client.request("countersign/summary", {"textDocument": doc}))
    paste = "x = os.system(cmd)  # pasted\n" * (megabytes * 1_000_000 // 29)
    start = time.perf_counter()
    client.send({"method": "textDocument/didChange", "params": {
        "textDocument": {**doc, "version": 2}, "contentChanges": [{
            "range": {"start": {"line": 100, "character": 0},
                      "end": {"line": 100, "character": 0}}, "text": paste}]}})
    asked = client.request("countersign/summary", {"textDocument": doc})
    client.until_answered_and_shown(asked, lambda params: params["version"] == 2)
    elapsed = time.perf_counter() - start
    client.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, nargs="+", default=[12, 50])
    args = parser.parse_args()
    for megabytes in args.mb:
        print(f"{megabytes:>4} MB pasted: done with it after {run(megabytes):6.2f} s")


if __name__ == "__main__":
    main()
