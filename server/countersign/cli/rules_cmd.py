"""``countersign rules list|test``: show the enabled rules, run every rule's examples."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from countersign.cli.common import load_context
from countersign.core.examples import check_examples


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("rules", help="list the rules, or test their examples")
    actions = parser.add_subparsers(dest="action", required=True, metavar="{list,test}")
    listing = actions.add_parser("list", help="the enabled rules with tier and category")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.add_argument("--policy", type=Path)
    listing.set_defaults(func=run_list)
    test = actions.add_parser("test", help="run every rule's fire/ok examples")
    test.add_argument("--policy", type=Path)
    test.set_defaults(func=run_test)


def run_list(args: argparse.Namespace) -> int:
    context = load_context(Path.cwd(), args.policy)
    rules = sorted(context.rules.rules, key=lambda r: r.id)
    if args.format == "json":
        json.dump([{"id": r.id, "tier": r.tier.label, "category": r.category, "title": r.title,
                    "applies_to": r.applies_to, "paths": list(r.include), "cwe": list(r.cwe),
                    "languages": list(r.language), "region": r.region is not None,
                    "source": r.source} for r in rules], sys.stdout, indent=2)
        print()
        return 0
    for r in rules:
        scope = f"  [{', '.join(r.include)}]" if r.include else ""
        parsed = f"  ({'region, ' if r.region is not None else ''}{', '.join(r.language)})" \
            if r.language else ""
        print(f"{r.id}  {r.tier.label:<8}  {r.category:<11}  {r.title}{parsed}{scope}")
    print(f"{len(rules)} rules enabled")
    return 0


def run_test(args: argparse.Namespace) -> int:
    context = load_context(Path.cwd(), args.policy)
    for error in context.errors:
        print(f"error: {error}")
    failures = [f for rule in context.rules.rules for f in check_examples(rule)]
    for failure in failures:
        print(f"FAIL {failure}")
    examples = sum(len(r.fire) + len(r.ok) for r in context.rules.rules)
    failed = len(failures) + len(context.errors)
    print(f"{len(context.rules.rules)} rules, {examples} examples: "
          f"{examples - len(failures)} passed, {failed} failed")
    return 1 if failed else 0
