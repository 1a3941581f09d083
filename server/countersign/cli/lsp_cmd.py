"""``countersign lsp``: the language server on stdio (``--tcp HOST:PORT`` for debugging)."""

from __future__ import annotations

import argparse
import logging
import sys

from countersign.cli.errors import UserError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("lsp", help="run the language server (stdio)")
    parser.add_argument("--tcp", metavar="HOST:PORT",
                        help="listen on TCP instead of stdio (for debugging)")
    parser.add_argument("--log-level", default="WARNING",
                        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                        help="level of the log written to stderr (default WARNING)")
    parser.set_defaults(func=run)


def _address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UserError(f"--tcp expects HOST:PORT, got {value!r}",
                        "countersign lsp --tcp 127.0.0.1:2087", 2)
    return host, int(port)


def run(args: argparse.Namespace) -> int:
    address = _address(args.tcp) if args.tcp else None
    try:
        from countersign.lsp.server import build
    except ImportError as exc:  # pragma: no cover - pygls is a dependency
        raise UserError(f"the language server needs pygls and lsprotocol: {exc}",
                        "pip install 'pygls>=2.1,<3' 'lsprotocol>=2025.0.0'") from exc
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format="countersign-lsp %(levelname)s %(name)s: %(message)s")
    logging.getLogger("countersign").setLevel(args.log_level)
    server = build()
    try:
        if address is not None:
            server.start_tcp(*address)
        else:
            server.start_io()
    finally:
        server.projects.close()
    return server.exit_status()
