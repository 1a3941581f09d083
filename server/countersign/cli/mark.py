"""``countersign mark`` and ``countersign checkpoint``: attribution for agents without hooks.

Call ``checkpoint FILE...`` before an agent runs (so earlier human edits are not blamed on
it) and ``mark --tool NAME FILE...`` after it: every line that changed in between is the
agent's.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from countersign.cli.common import load_context
from countersign.cli.errors import UserError
from countersign.cli.files import Skipped, read_text
from countersign.core.origin import Origin
from countersign.core.printable import printable
from countersign.store import commits
from countersign.store.attribution import attribute, checkpoint
from countersign.store.workspace import Workspace


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mark = sub.add_parser("mark", help="attribute lines changed since the last snapshot to an AI")
    mark.add_argument("--tool", required=True, help="the AI tool, e.g. claude-code, aider")
    mark.add_argument("--model", help="models.dev style id, e.g. anthropic/claude-sonnet-4-5")
    mark.add_argument("--kind", choices=("agent", "chat", "inline"), default="agent")
    mark.add_argument("files", nargs="+", type=Path, metavar="FILE")
    mark.set_defaults(func=run_mark)
    snap = sub.add_parser("checkpoint", help="record a human snapshot of files (before an "
                                             "agent runs)")
    snap.add_argument("files", nargs="+", type=Path, metavar="FILE")
    snap.set_defaults(func=run_checkpoint)


def _read(files: list[Path]) -> list[tuple[Path, str]]:
    """Every file's text, read before anything resolves the paths (a link loop, a FIFO or
    a device is refused here, with the file named)."""
    out = []
    for file in files:
        text = read_text(file)
        if isinstance(text, Skipped):
            raise UserError(f"cannot read {file}: {text.reason}",
                            "pass regular text files of this repository")
        out.append((file, text))
    return out


def _texts(workspace: Workspace, read: list[tuple[Path, str]]) -> list[tuple[str, str]]:
    return [(workspace.relative(file), text) for file, text in read]


def committed(workspace: Workspace, rel: str) -> str:
    """The file as HEAD has it (empty when new, or outside git): the first baseline."""
    if not workspace.is_git:
        return ""
    data = commits.read_blob(workspace.git(), f"HEAD:{rel}")
    return commits.decode(data) if data is not None else ""


def run_mark(args: argparse.Namespace) -> int:
    read = _read(args.files)
    context = load_context(args.files[0].resolve().parent)
    origin = Origin(args.kind, args.tool, args.model, at=time.time())
    with context.ledger() as ledger:
        for rel, text in _texts(context.workspace, read):
            lines = attribute(ledger, rel, text, origin, None,
                              committed(context.workspace, rel))
            mine = sum(1 for o in lines.values() if o == origin)
            print(printable(f"{rel}: {mine} lines attributed to {origin.label()} "
                            f"({len(lines)} AI lines in the file)"))
    return 0


def run_checkpoint(args: argparse.Namespace) -> int:
    read = _read(args.files)
    context = load_context(args.files[0].resolve().parent)
    with context.ledger() as ledger:
        for rel, text in _texts(context.workspace, read):
            lines = checkpoint(ledger, rel, text)
            print(printable(f"{rel}: snapshot recorded ({len(lines)} AI lines kept)"))
    return 0
