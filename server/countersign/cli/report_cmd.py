"""``countersign report [REV-RANGE] --html OUT.html | --format json``: the manager's view.

AI share of added lines over time, AI lines by tool, commits by tier, the riskiest
AI-written files, the commits missing sign-off, and the track record of each AI tool as of
the range's tip (``countersign record``). Computed with the same gate as ``verify`` (same
policy, same numbers).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from countersign.cli.common import repository_context
from countersign.cli.files import Progress
from countersign.cli.record import compute_record
from countersign.cli.verify import evaluate
from countersign.core.printable import printable_lines
from countersign.core.report import build
from countersign.core.report_html import render


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("report", help="a report of AI-written code, risk and sign-off")
    parser.add_argument("range", nargs="*", metavar="REV-RANGE",
                        help="commits (git rev-list syntax; default HEAD's history)")
    parser.add_argument("--html", type=Path, metavar="OUT.html",
                        help="write a self-contained HTML page with charts")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--policy", type=Path, help="organisation policy TOML (authoritative)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    context = repository_context("run it in a clone (with notes fetched)", args.policy)
    revs = args.range or ["HEAD"]

    before: list[str] = []
    verdicts = list(evaluate(context, context.workspace.git(), revs,
                             lambda items: Progress(len(items), "countersign report",
                                                    threshold=100).iterate(items),
                             before=before))
    report = build(verdicts)
    report.track_record = compute_record(context, context.workspace.git(), tip(revs)).to_json()
    if args.html:
        title = f"{context.workspace.root.name}: {' '.join(revs)}"
        # a file name that is not UTF-8 shows as caf\udce9.py rather than stopping the report
        args.html.write_text(render(report, title), encoding="utf-8", errors="backslashreplace")
        print(f"Wrote {args.html} ({report.commits} commits)", file=sys.stderr)
    if args.format == "json":
        json.dump({**report.to_json(), "before_countersign": len(before)}, sys.stdout,
                  indent=2)
        print()
    elif not args.html:
        print(printable_lines(_text(report.to_json(), len(before),
                                    context.config.provenance.baseline)))
    return 0


def tip(revs: list[str]) -> str:
    """The commit a range ends at: ``B`` of ``A..B``, else the last positive revision."""
    for rev in reversed(revs):
        if rev.startswith(("-", "^")):
            continue
        if ".." in rev:
            return rev.split("..")[-1].lstrip(".") or "HEAD"
        return rev
    return "HEAD"


def _text(data: dict[str, Any], before: int, baseline: str | None) -> str:
    """The report as a few lines for a terminal (tool names and paths as they are)."""
    lines = [f"{data['commits']} commits, {data['added_lines']} added lines, "
             f"{data['ai_lines']} by AI ({data['ai_share']:.0%}); "
             f"{data['failed']} missing sign-off"]
    if before:
        lines.append(f"  {before} commits before countersign (baseline {baseline}), "
                     "not counted")
    s = data["signoffs"]
    lines.append(f"  sign-offs: {s['valid']} valid, {s['missing']} commits missing one, "
                 f"{s['forged']} forged or refused, {s['stale']} stale")
    lines += [f"  {tool}: {count} AI lines" for tool, count in data["by_tool"].items()]
    lines += [f"  {f['tier']:8} {f['path']} ({f['ai_lines']} AI lines)"
              for f in data["riskiest_files"][:5]]
    return "\n".join(lines)
