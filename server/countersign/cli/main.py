"""Entry point: builds the parser and dispatches to one module per subcommand.

Expected failures (``UserError``) print ``error:`` and a ``hint:`` and exit 1 (2 for
usage); anything unexpected is logged with its traceback and exits 3.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from countersign import __version__
from countersign.cli import (
    agent_hook,
    approve,
    blame,
    ci_cmd,
    demo,
    export,
    hook,
    import_cmd,
    integrate,
    lsp_cmd,
    mark,
    report_cmd,
    rules_cmd,
    scan,
    status,
    sync_cmd,
    trailers_cmd,
    verify,
    version,
)
from countersign.cli.errors import UserError, log_crash
from countersign.store.ledger import LedgerError

COMMANDS = (scan, status, lsp_cmd, hook, trailers_cmd, verify, approve, blame, mark,
            agent_hook, integrate, import_cmd, ci_cmd, sync_cmd, export, report_cmd, demo,
            rules_cmd, version)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="countersign",
        description="Know which lines an AI wrote, where they are dangerous, and who must "
                    "sign off.",
    )
    parser.add_argument("--version", action="version", version=f"countersign {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
