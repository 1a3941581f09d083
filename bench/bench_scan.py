"""``countersign scan`` throughput on a repository of ~3,000 source files.

Issue 16: report files/s before and after structural rules. The repository is generated
(seeded): 3,000 files of ~100 lines, half Python, the rest Terraform, YAML, SQL and
JavaScript, one risky line in twenty. Runs ``countersign scan --format json .`` as a
subprocess (start-up included) and reports the median of ``--runs`` runs. Put another
checkout's ``server/`` first on ``PYTHONPATH`` to measure it the same way.

Run: .venv/bin/python bench/bench_scan.py [--files N] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KINDS = [("py", 50), ("tf", 15), ("yaml", 15), ("sql", 10), ("js", 10)]
PLAIN = {
    "py": "value_{i} = compute(item_{i}, {i})",
    "tf": '  tag_{i} = "v{i}"',
    "yaml": "  key_{i}: value-{i}",
    "sql": "SELECT {i} FROM t_{i} WHERE id = {i};",
    "js": "const value{i} = compute(item{i}, {i});",
}
RISKY = {
    "py": ["requests.get(url, verify=False)", "subprocess.run(cmd, shell=True)",
           "eval(expr)"],
    "tf": ['  cidr_blocks = ["0.0.0.0/0"]', '  acl = "public-read"'],
    "yaml": ["  privileged: true", "  Action: '*'"],
    "sql": ["DELETE FROM sessions;", "DROP TABLE legacy;"],
    "js": ["el.innerHTML = userInput;", "eval(code);"],
}


def content(kind: str, rng: random.Random, lines: int) -> str:
    body = [rng.choice(RISKY[kind]) if rng.random() < 0.05 else PLAIN[kind].format(i=i)
            for i in range(lines)]
    if kind == "tf":
        return 'resource "aws_instance" "web" {\n' + "\n".join(body) + "\n}\n"
    if kind == "yaml":
        return "spec:\n" + "\n".join(body) + "\n"
    return "\n".join(body) + "\n"


def make_repo(root: Path, files: int) -> Path:
    rng = random.Random(16)
    repo = root / "scan-bench"
    repo.mkdir()
    kinds = [k for k, weight in KINDS for _ in range(weight)]
    for n in range(files):
        kind = kinds[n % len(kinds)]
        path = repo / f"pkg{n % 40:02}" / f"file_{n:04}.{kind}"
        path.parent.mkdir(exist_ok=True)
        path.write_text(content(kind, rng, 100), encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_NAME": "B", "GIT_AUTHOR_EMAIL": "b@example.com",
           "GIT_COMMITTER_NAME": "B", "GIT_COMMITTER_EMAIL": "b@example.com"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "files"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    return repo


def scan(repo: Path) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "countersign", "scan", "--format", "json",
                           "."], cwd=repo, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise RuntimeError(done.stderr)
    return elapsed, len(json.loads(done.stdout)["findings"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp), args.files)
        results = [scan(repo) for _ in range(args.runs)]
    median = statistics.median(t for t, _ in results)
    print(f"python {platform.python_version()} on {platform.machine()}: scan of "
          f"{args.files} files (~100 lines each), median of {args.runs}: {median:.2f} s, "
          f"{args.files / median:.0f} files/s, {results[0][1]} findings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
