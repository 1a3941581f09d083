"""``countersign version``: the version of countersign and what it runs on."""

from __future__ import annotations

import argparse
import platform

from countersign import __version__
from countersign.core.rulepack import builtin_rules_dir, load_builtin


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub.add_parser("version", help="print the version").set_defaults(func=run)


def run(_: argparse.Namespace) -> int:
    rules, _errors = load_builtin()
    print(f"countersign {__version__}")
    print(f"python {platform.python_version()} ({platform.python_implementation()})")
    print(f"built-in rules: {len(rules)} from {builtin_rules_dir()}")
    return 0
