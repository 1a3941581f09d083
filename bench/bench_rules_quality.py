"""Rule quality on labeled cases from other tools' test suites: recall on the bad cases and
false alarms on the good ones, per area, for the tuning and the held-out set.

Issue 16's targets: recall >= 85% and false alarms <= 10% per area. A case counts as
flagged when a plain ``scan`` of its snippet (at a path of its kind: ``infra/main.tf``,
``cloudformation/template.yaml``, a workflow, a migration) reports one of its area's rules.
The cases are made by ``bench/labeled_cases.py`` from snapshots of the other projects (see
``tests/data/labeled/README.md``); ``--regex-only`` measures the rules as they were before
structural matching (every rule judged by its regex alone, line by line).

Run: .venv/bin/python bench/bench_rules_quality.py [--data build/labeled] [--regex-only]
     [--misses]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from countersign.core.config import Config, build_ruleset
from countersign.core.lines import split_lines
from countersign.core.rules import RuleSet

RECALL, FALSE_ALARMS = 0.85, 0.10


def load(data: Path) -> list[dict[str, Any]]:
    files = sorted(data.glob("*.jsonl"))
    if not files:
        raise SystemExit(f"no cases in {data}: run bench/labeled_cases.py --out {data} first")
    return [json.loads(line) for f in files for line in f.read_text().splitlines() if line]


def flagged(rules: RuleSet, item: dict[str, Any], regex_only: bool) -> bool:
    if regex_only:
        found = {r.id for line in split_lines(item["code"])
                 for r, _, _ in rules.match_line(item["path"], line, structured=False)}
    else:
        found = {f.rule.id for f in rules.scan_text(item["path"], item["code"])}
    return bool(found & set(item["rules"]))


def measure(rules: RuleSet, cases: list[dict[str, Any]], regex_only: bool,
            misses: bool, sets: tuple[str, ...]) -> bool:
    table: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for item in cases:
        if item["set"] not in sets:
            continue
        hit = flagged(rules, item, regex_only)
        row = table[(item["set"], item["area"])]
        if item["label"] == "bad":
            row[0] += 1
            row[1] += hit
        else:
            row[2] += 1
            row[3] += hit
        if misses and hit != (item["label"] == "bad") and item["set"] == "tuning":
            print(f"--- {'missed' if hit is False else 'false alarm'} ({item['area']}, "
                  f"{item['group']}, {item['source']['path']}):\n{item['code']}\n")
    ok = True
    for split in sets:
        print(f"{split} set:")
        for (which, area), (bad, caught, good, alarms) in sorted(table.items()):
            if which != split:
                continue
            recall = caught / bad if bad else 1.0
            false = alarms / good if good else 0.0
            met = recall >= RECALL and false <= FALSE_ALARMS
            ok &= met or split == "tuning"
            print(f"  {area:<20} recall {caught:>3}/{bad:<3} {recall:6.1%}   false alarms "
                  f"{alarms:>3}/{good:<3} {false:6.1%}   {'OK' if met else 'MISSED'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("build/labeled"))
    parser.add_argument("--regex-only", action="store_true")
    parser.add_argument("--misses", action="store_true", help="print the tuning set's misses")
    parser.add_argument("--set", choices=("tuning", "heldout", "both"), default="both",
                        help="which cases to measure (tune with --set tuning)")
    args = parser.parse_args()
    rules, _ = build_ruleset(Config())
    if args.regex_only:
        rules = RuleSet([replace(r, structure=None, sql=None, language=())
                         for r in rules.rules if r.regex is not None or r.is_baseline])
    if not sorted(args.data.glob("*.jsonl")):  # the cases are not in the repository
        print(f"no labeled cases in {args.data}: make them with bench/labeled_cases.py "
              "(see tests/data/labeled/README.md)")
        return 0
    cases = load(args.data)
    print(f"{len(cases)} cases ({sum(c['set'] == 'heldout' for c in cases)} held out), "
          f"targets: recall >= {RECALL:.0%}, false alarms <= {FALSE_ALARMS:.0%}"
          + (" [regex only]" if args.regex_only else ""))
    sets = ("tuning", "heldout") if args.set == "both" else (args.set,)
    return 0 if measure(rules, cases, args.regex_only, args.misses, sets) else 1


if __name__ == "__main__":
    sys.exit(main())
