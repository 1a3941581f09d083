"""Cost per edit of SpanTracker as the document grows from 2,000 to 20,000 lines.

Applies 100,000 random edits (inserts, deletes, replaces; one in fifty from an AI) to a
document holding 2,000 AI spans, at two document sizes, and prints microseconds per edit.
Target (issue "Foundation"): the cost per edit rises at most 2x from 2,000 to 20,000 lines.
Only the span structure is timed; the language server keeps the text separately.

Run: ./run bench   (or .venv/bin/python bench/bench_spans.py [--edits N])
"""

from __future__ import annotations

import argparse
import platform
import random
import time

from countersign.core.origin import HUMAN, Origin
from countersign.core.spans import SpanTracker

LINE_CHARS = 40
AI_TOOLS = [Origin("inline", "copilot", at=float(i)) for i in range(8)]


def document(lines: int, spans: int, rng: random.Random) -> SpanTracker:
    """A tracker for ``lines`` lines of 40 characters with ``spans`` AI spans spread evenly."""
    length = lines * LINE_CHARS
    tracker = SpanTracker(length, seed=1)
    stride = length // spans
    for i in range(spans):
        start = i * stride + rng.randrange(stride // 2)
        tracker.set_origin(start, start + rng.randint(5, stride // 2), rng.choice(AI_TOOLS))
    return tracker


def run(lines: int, edits: int, seed: int = 7) -> tuple[float, int]:
    rng = random.Random(seed)
    tracker = document(lines, 2000, rng)
    plan = []
    length = len(tracker)
    for _ in range(edits):
        start = rng.randrange(length + 1)
        end = min(length, start + rng.choice((0, 0, 1, 3, 12)))
        inserted = rng.choice((0, 1, 1, 1, 4, 30))
        origin = rng.choice(AI_TOOLS) if rng.random() < 0.02 else HUMAN
        plan.append((start, end, inserted, origin))
        length += inserted - (end - start)
    began = time.perf_counter()
    for start, end, inserted, origin in plan:
        tracker.apply_edit(start, end, inserted, origin)
    elapsed = time.perf_counter() - began
    return elapsed / edits * 1e6, len(tracker.spans())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=100_000)
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {args.edits} edits each")
    results = {}
    for lines in (2_000, 20_000):
        per_edit, spans_after = run(lines, args.edits)
        results[lines] = per_edit
        print(f"{lines:>6} lines, 2000 AI spans at start ({spans_after} after): "
              f"{per_edit:6.1f} us/edit")
    ratio = results[20_000] / results[2_000]
    print(f"ratio 20,000 / 2,000 lines: {ratio:.2f}x (target <= 2.00x): "
          f"{'OK' if ratio <= 2 else 'OVER TARGET'}")


if __name__ == "__main__":
    main()
