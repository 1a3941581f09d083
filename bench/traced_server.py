"""countersign's language server under tracemalloc: at exit, the largest allocation sites.

Used by ``bench_lsp_memory.py --tracemalloc PREFIX`` (what each open document holds).
Run: python bench/traced_server.py OUTFILE   (then speaks LSP on stdio)
"""

from __future__ import annotations

import atexit
import sys
import tracemalloc
from pathlib import Path


def _dump(out: Path) -> None:
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, tracemalloc.__file__)])
    current, peak = tracemalloc.get_traced_memory()
    lines = [f"traced now {current / 2**20:.1f} MiB, peak {peak / 2**20:.1f} MiB"]
    for key in ("filename", "lineno"):
        lines.append(f"-- by {key}")
        lines += [str(s) for s in snapshot.statistics(key)[:25]]
    out.write_text("\n".join(lines) + "\n")


def main() -> None:
    out = Path(sys.argv[1])
    tracemalloc.start(1)
    atexit.register(_dump, out)
    from countersign.cli.main import run

    sys.argv = ["countersign", "lsp"]
    run()


if __name__ == "__main__":
    main()
