"""The README's first command: countersign on a throwaway copy of examples/sample-service.

Makes a real git repository from the sample service, scans it, then records two AI edits
in the ledger (an agent adding a DROP TABLE migration, an inline completion in the
payments code) the way the editor and agent integrations do, and shows what countersign
reports about AI-written lines.

    ./run demo [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from countersign.core.lines import ai_lines
from countersign.core.origin import Origin
from countersign.core.spans import SpanTracker
from countersign.store.git import find_workspace
from countersign.store.ledger import Ledger, default_path

SAMPLE = Path(__file__).resolve().parent / "sample-service"
MIGRATION = """\
-- Replace the legacy orders table.
DROP TABLE orders;
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, amount_cents INTEGER);
"""


def block(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 70 - len(title)))


def countersign(repo: Path, *args: str) -> None:
    print(f"$ countersign {' '.join(args)}")
    sys.stdout.flush()
    subprocess.run([sys.executable, "-m", "countersign.cli.main", *args], cwd=repo, check=False)


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, stdout=subprocess.DEVNULL)


def make_repo(repo: Path) -> None:
    shutil.copytree(SAMPLE, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=Dee Human", "-c", "user.email=dee@example.com",
        "commit", "-q", "-m", "Sample payments service")


def record_ai_edit(repo: Path, rel: str, before: str, after: str, origin: Origin) -> None:
    """Write ``after`` and record the characters that differ from ``before`` as ``origin``."""
    # character-wise on purpose: the edit is the stretch between common prefix and suffix
    prefix = len(os.path.commonprefix([before, after]))  # noqa: RUF071
    limit = min(len(before), len(after)) - prefix
    suffix = len(os.path.commonprefix([before[::-1], after[::-1]]))  # noqa: RUF071
    suffix = min(suffix, limit)
    tracker = SpanTracker(len(before))
    tracker.apply_edit(prefix, len(before) - suffix, len(after) - suffix - prefix, origin)
    (repo / rel).write_text(after, encoding="utf-8")
    with Ledger(default_path(find_workspace(repo).git_dir)) as ledger:
        ledger.save(rel, after, ai_lines(after, tracker.spans()))


def main() -> int:
    parser = argparse.ArgumentParser(description="countersign demo")
    parser.add_argument("--keep", action="store_true", help="keep the demo repository")
    args = parser.parse_args()
    began = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="countersign-demo-"))
    repo = workdir / "sample-service"
    try:
        block("1. A real git repository with a small payments service")
        make_repo(repo)
        print(f"created {repo} (Python API, Terraform, SQL migrations), one human commit")

        block("2. Risk scan of everything, whoever wrote it")
        countersign(repo, "scan", ".")

        block("3. AI tools edit the code")
        rel = "db/migrations/0002_replace_orders.sql"
        record_ai_edit(repo, rel, "", MIGRATION,
                       Origin("agent", "claude-code", "anthropic/claude-sonnet-4-5", time.time()))
        print(f"claude-code (agent) wrote {rel}")
        payments = (repo / "app/payments.py").read_text(encoding="utf-8")
        completed = payments.replace(
            "    return response.json()\n",
            "    if response.status_code >= 500:\n"
            "        stripe.Refund.create(payment_intent=order_id, amount=int(total * 100))\n"
            "    return response.json()\n")
        record_ai_edit(repo, "app/payments.py", payments, completed,
                       Origin("inline", "copilot", "openai/gpt-4.1", time.time()))
        print("copilot (inline) completed a fallback refund in app/payments.py")

        block("4. Findings on AI-written lines only")
        countersign(repo, "scan", "--ai-only", ".")

        block("5. What the working tree holds, and who must sign off")
        countersign(repo, "status")
    finally:
        if args.keep:
            print(f"\nkept {repo}")
        else:
            shutil.rmtree(workdir)
    print(f"\ndemo finished in {time.monotonic() - began:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
