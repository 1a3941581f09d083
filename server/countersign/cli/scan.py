"""``countersign scan PATH...``: risk findings for files, as text, JSON or SARIF."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from countersign.cli.common import Context, load_context, report_problems
from countersign.cli.errors import UserError
from countersign.cli.files import MAX_BYTES, Progress, Skipped, expand, read_text
from countersign.core.lines import split_lines
from countersign.core.printable import printable
from countersign.core.rules import Finding
from countersign.core.sarif import finding_dict, sarif_log
from countersign.core.tiers import Tier


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("scan", help="report risk findings in files")
    parser.add_argument("paths", nargs="*", type=Path, default=[Path(".")],
                        help="files or directories (directories respect .gitignore)")
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    parser.add_argument("--ai-only", action="store_true",
                        help="only findings on lines the ledger attributes to AI "
                             "(plus rules that apply to any line)")
    parser.add_argument("--policy", type=Path, help="organisation policy TOML (authoritative)")
    parser.add_argument("--fail-on", choices=[t.label for t in Tier if t], default=None,
                        help="exit 1 when a finding of this tier or higher is active")
    parser.add_argument("--max-bytes", type=int, default=MAX_BYTES,
                        help=f"skip larger files (default {MAX_BYTES})")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        raise UserError(f"no such file or directory: {missing[0]}",
                        "check the path; `countersign scan .` scans the current repository")
    context = load_context(args.paths[0], args.policy)
    report_problems(context)
    files = expand(context.workspace, args.paths)
    findings: list[Finding] = []
    skipped: list[Skipped] = []
    lines_of: dict[str, list[str]] = {}
    ledger = context.reader() if args.ai_only else None
    for path in Progress(len(files), "scanning").iterate(files):
        text = read_text(path, args.max_bytes)
        rel = context.workspace.relative(path)
        if isinstance(text, Skipped):
            skipped.append(Skipped(rel, text.reason))
            continue
        ai = ledger.attributions(rel, text) if ledger is not None else None
        found = context.rules.scan_text(rel, text, ai)
        if found:
            findings.extend(found)
            lines_of[rel] = split_lines(text)
    if ledger is not None:
        ledger.close()
    _print(args.format, findings, skipped, len(files), context, lines_of)
    if args.fail_on and any(f.active and f.tier >= Tier.parse(args.fail_on) for f in findings):
        return 1
    return 0


def _print(fmt: str, findings: list[Finding], skipped: list[Skipped], total: int,
           context: Context, lines_of: dict[str, list[str]]) -> None:
    if fmt == "json":
        json.dump({"findings": [finding_dict(f) for f in findings],
                   "skipped": [{"path": s.path, "reason": s.reason} for s in skipped],
                   "files": total}, sys.stdout, indent=2)
        print()
    elif fmt == "sarif":
        used = sorted({f.rule.id for f in findings})
        rules = [context.rules.by_id()[i] for i in used]
        json.dump(sarif_log(findings, rules, lines_of), sys.stdout, indent=2)
        print()
    else:
        _print_text(findings, skipped, total)


def _print_text(findings: list[Finding], skipped: list[Skipped], total: int) -> None:
    for f in findings:
        who = f" [AI: {f.origin.label()}]" if f.origin is not None else ""
        note = f" (suppressed: {f.suppression.reason or 'no reason'})" if f.suppression else ""
        print(printable(f"{f.path}:{f.line + 1}:{f.start + 1}: {f.tier.label} {f.rule.id} "
                        f"{f.rule.title}{who}{note}"))
        print(f"    {f.rule.message}")
    for s in skipped:
        print(printable(f"note: skipped {s.path}: {s.reason}"), file=sys.stderr)
    by_tier = Counter(f.tier for f in findings if f.active)
    summary = ", ".join(f"{by_tier[t]} {t.label}" for t in sorted(by_tier, reverse=True))
    files_hit = len({f.path for f in findings})
    print(f"{len(findings)} finding{'s' * (len(findings) != 1)}"
          f"{f' ({summary})' if summary else ''} in {files_hit} of {total} files"
          f"{f'; {len(skipped)} skipped' if skipped else ''}")
