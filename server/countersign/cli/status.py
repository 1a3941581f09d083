"""``countersign status``: AI-attributed lines and their tiers in the working tree."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from countersign.cli.common import Context, load_context, report_problems
from countersign.cli.files import Skipped, read_text
from countersign.core.lines import line_count
from countersign.core.printable import printable
from countersign.core.rules import Finding, highest_tier
from countersign.core.tiers import Tier


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("status", help="AI-attributed lines and tiers in the working tree")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--policy", type=Path, help="organisation policy TOML (authoritative)")
    parser.set_defaults(func=run)


@dataclass
class FileStatus:
    path: str
    ai_lines: int
    acknowledged: int
    total_lines: int
    tools: list[str]
    findings: list[Finding]

    @property
    def tier(self) -> Tier:
        return highest_tier(self.findings)


def collect(context: Context) -> list[FileStatus]:
    """One status per file the ledger knows that still has AI lines."""
    out = []
    with context.reader() as ledger:
        for rel in ledger.paths():
            text = read_text(context.workspace.root / rel)
            if isinstance(text, Skipped):
                continue
            ai = ledger.attributions(rel, text)
            if not ai:
                continue
            tools = sorted({o.label() for o in ai.values()})
            acknowledged = sum(1 for o in ai.values() if o.acknowledged_by)
            out.append(FileStatus(rel, len(ai), acknowledged, line_count(text), tools,
                                  context.rules.scan_text(rel, text, ai)))
    return out


def run(args: argparse.Namespace) -> int:
    context = load_context(Path.cwd(), args.policy)
    report_problems(context)
    statuses = collect(context)
    tier = max((s.tier for s in statuses), default=Tier.NONE)
    review = context.config.required_review(tier)
    if args.format == "json":
        json.dump(_as_json(statuses, tier, review.label), sys.stdout, indent=2)
        print()
        return 0
    if not statuses:
        print("No AI-attributed lines in the working tree.")
        return 0
    for s in statuses:
        rules = ", ".join(sorted({f.rule.id for f in s.findings if f.active})) or "-"
        ack = f", {s.acknowledged} acknowledged" if s.acknowledged else ""
        print(printable(f"{s.path}: {s.ai_lines}/{s.total_lines} AI lines{ack}; tier "
                        f"{s.tier.label}; rules {rules}; by {', '.join(s.tools)}"))
    total = sum(s.ai_lines for s in statuses)
    print(f"{total} AI lines in {len(statuses)} files; tier {tier.label}; "
          f"required review: {review.label}")
    return 0


def _as_json(statuses: list[FileStatus], tier: Tier, review: str) -> dict[str, Any]:
    return {
        "tier": tier.label, "review": review,
        "files": [{"path": s.path, "ai_lines": s.ai_lines, "acknowledged": s.acknowledged,
                   "lines": s.total_lines, "tier": s.tier.label, "tools": s.tools,
                   "rules": sorted({f.rule.id for f in s.findings if f.active})}
                  for s in statuses],
    }
