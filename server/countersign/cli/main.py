"""Entry point: builds the parser and dispatches to one module per subcommand.

Expected failures (``UserError``) print ``error:`` and a ``hint:`` and exit 1 (2 for
usage); anything unexpected is logged with its traceback and exits 3.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from countersign import __version__
from countersign.cli.errors import UserError, log_crash
from countersign.store.ledger import LedgerError

MODULES = {"scan": "scan", "status": "status", "lsp": "lsp_cmd", "hook": "hook",
           "trailers": "trailers_cmd", "verify": "verify", "approve": "approve",
           "blame": "blame", "mark": "mark", "checkpoint": "mark", "agent-hook": "agent_hook",
           "integrate": "integrate", "import": "import_cmd", "ci": "ci_cmd", "sync": "sync_cmd",
           "export": "export", "report": "report_cmd", "incident": "incident",
           "record": "record", "demo": "demo", "rules": "rules_cmd", "version": "version"}
"""Subcommand -> the module of ``countersign.cli`` that defines it (in ``--help`` order)."""


def _commands(only: str | None) -> list[ModuleType]:
    """The subcommand modules to build the parser from: only the one named, when it is one
    (importing every subcommand cost ~100 ms of each start), else all of them."""
    names = [MODULES[only]] if only in MODULES else list(dict.fromkeys(MODULES.values()))
    return [importlib.import_module(f"countersign.cli.{name}") for name in names]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="countersign",
        description="Know which lines an AI wrote, where they are dangerous, and who must "
                    "sign off.",
    )
    parser.add_argument("--version", action="version", version=f"countersign {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in _commands(only):
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(argv[0] if argv else None).parse_args(argv)
    _escape_undecodable_names()
    try:
        code: int = args.func(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except LedgerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `countersign ... | head`: the reader left; not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception:
        log = log_crash()
        print(f"error: countersign {args.command} failed unexpectedly; details in {log}\n"
              f"hint: please report it with that log", file=sys.stderr)
        return 3
    return code


def _escape_undecodable_names() -> None:
    """A file name that is not UTF-8 prints as ``caf\\udce9.py`` instead of crashing."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", "") == "strict":
            reconfigure(errors="backslashreplace")


def run() -> None:
    raise SystemExit(main())


if __name__ == "__main__":
    run()
