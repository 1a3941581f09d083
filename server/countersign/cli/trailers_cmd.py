"""``countersign trailers``: the trailers the hook would stamp for what is staged now."""

from __future__ import annotations

import argparse
import json
import sys

from countersign.cli.common import repository_context
from countersign.core.sarif import finding_dict
from countersign.store import commits
from countersign.store.stamping import Stamper
from countersign.store.standing_cache import with_review


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("trailers", help="preview the trailers for what is staged now")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    context = repository_context("run it in the repository you are committing to")
    repo = context.workspace.git()
    head = commits.head(repo)
    parents = [head] if head else []
    with context.reader() as ledger:
        stamper = Stamper(repo, ledger, context.rules, context.config)
        stamp = with_review(stamper, stamper.staged(parents), parents)
    trailers = stamp.trailers(context.config.assisted_by)
    if args.json:
        json.dump({"trailers": [{"key": k, "value": v} for k, v in trailers],
                   **stamp.to_dict(), "findings": [finding_dict(f) for f in stamp.findings]},
                  sys.stdout, indent=2)
        print()
    else:
        print("\n".join(f"{k}: {v}" for k, v in trailers))
    return 0
