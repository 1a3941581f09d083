"""``countersign agent-hook AGENT [--pre]``: what AI agents' hooks call.

After a file edit (Claude Code/Codex/Kiro ``PostToolUse``, Cursor ``afterFileEdit`` and
``afterTabFileEdit``, Gemini CLI ``AfterTool``, Copilot ``postToolUse``, Windsurf
``post_write_code``) it reads the payload on stdin and records the lines the agent wrote
in the ledger, where the language server and the commit hook find them. A tracker must
never block an agent: unknown or malformed payloads, unreadable files and internal errors
are reported on stderr and exit 0, and the ledger is only written in whole transactions.

With ``--pre`` it is the guard before a shell command (Claude Code, Codex, Gemini CLI
``BeforeTool``, Copilot ``preToolUse``, Windsurf ``pre_run_command``, Cursor
``beforeShellExecution``): a command matching a rule of the guard's tier (critical by
default) or deleting recursively outside the workspace is refused: exit 2 with the reason
on stderr, or, for Cursor and Copilot, a JSON ``deny`` on stdout (``core.guard``). After an
incident that implicates the agent (``[autonomy.guard]``), the guard refuses its commands
from a lower tier and ignores the allow list.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

from countersign.cli.common import Context, load_context
from countersign.cli.errors import log_crash
from countersign.cli.files import Skipped, read_text
from countersign.cli.mark import committed
from countersign.cli.record import guard_decision
from countersign.core.agents import (
    AGENTS,
    Edit,
    Payload,
    PayloadError,
    ai_lines_of,
    model_from_transcript,
    parse_payload,
)
from countersign.core.guard import judge_command, refusal_answer, shell_command
from countersign.core.origin import Origin
from countersign.core.regular import Refused, open_regular
from countersign.core.tiers import Tier
from countersign.store.attribution import attribute


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("agent-hook", help="record an AI agent's file edit (reads the "
                                               "hook payload on stdin)")
    parser.add_argument("agent", choices=AGENTS)
    parser.add_argument("--pre", action="store_true",
                        help="PreToolUse guard: refuse destructive shell commands (exit 2)")
    parser.set_defaults(func=run)


def _say(message: str) -> None:
    print(f"countersign: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    raw = sys.stdin.buffer.read()
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        _say(f"ignored a {args.agent} hook payload that is not JSON ({exc}); nothing recorded")
        return 0
    if args.pre:
        return guard(args.agent, data)
    try:
        payload = parse_payload(args.agent, data)
    except PayloadError as exc:
        _say(f"ignored a malformed {args.agent} hook payload: {exc}; nothing recorded")
        return 0
    try:
        record(payload)
    except Exception as exc:  # an agent must never be blocked by a tracker bug
        _say(f"could not record the {args.agent} edit ({type(exc).__name__}: {exc}); "
             f"details in {log_crash()}")
    return 0


def record(payload: Payload) -> None:
    """Write the payload's edits to the ledger of each file's repository."""
    cwd = Path(payload.cwd) if payload.cwd else Path.cwd()
    model = payload.model or _transcript_model(payload.transcript)
    origin = Origin(payload.kind, payload.tool, model, at=time.time())  # type: ignore[arg-type]
    contexts: dict[Path, Context] = {}
    for edit in payload.edits:
        path = cwd / edit.path
        if edit.deleted:
            continue  # nothing left to attribute; re-anchoring drops its lines on next read
        text = read_text(path)  # refuses a FIFO, a device or a link loop before resolving
        if isinstance(text, Skipped):
            _say(f"did not record {path}: {text.reason}")
            continue
        path = path.resolve()
        context = contexts.get(path.parent) or load_context(path.parent)
        contexts[path.parent] = context
        rel = context.workspace.relative(path)
        with context.ledger() as ledger:
            attribute(ledger, rel, text, origin, _lines(edit, text),
                      committed(context.workspace, edit.moved_from or rel))


def _lines(edit: Edit, text: str) -> set[int] | None:
    """The lines the edit wrote, or ``None`` to take everything changed since the snapshot."""
    if edit.whole_file or not edit.replacements:
        return None
    out: set[int] = set()
    for replacement in edit.replacements:
        found = ai_lines_of(text, replacement)
        if found is None:  # the file changed again since: fall back to the snapshot diff
            return None
        out |= found
    return out


def _transcript_model(path: str | None) -> str | None:
    if not path:
        return None
    try:
        with open_regular(Path(path)) as handle:
            return model_from_transcript(io.TextIOWrapper(handle, "utf-8", "replace"))
    except (Refused, OSError) as exc:
        _say(f"could not read the transcript for the model name: {exc}")
        return None


def guard(agent: str, data: Any) -> int:
    """``--pre``: refuse the shell command, the way ``agent`` understands a refusal."""
    found = shell_command(agent, data) if isinstance(data, dict) else None
    if found is None:
        return 0
    command, where = found
    cwd = Path(where) if where else Path.cwd()
    try:
        context = load_context(cwd)
    except Exception as exc:  # the guard failing open is logged, never silent
        _say(f"guard could not load its rules ({exc}); the command was not checked")
        return 0
    tier, allow = context.config.guard_tier, context.config.guard_allow
    stricter = _autonomy(context, agent)
    if stricter is not None:  # a recent incident: a lower tier, and no allow list
        tier, allow = min(tier, stricter[0]), ()
    refusal = judge_command(command, context.rules, tier, allow, str(cwd),
                            str(context.workspace.root))
    if refusal is None:
        return 0
    config = context.config.sources[0] if context.config.sources else \
        f"{context.workspace.root / '.countersign.toml'}"
    if stricter is not None:
        why = (f"{stricter[1]}: until then [autonomy.guard] refuses this agent's commands of "
               f"tier {tier.label} or higher, whatever [guard] allow says. A person must run it.")
    else:
        why = f"A person must run it, or allow it with a pattern in [guard] allow in {config}."
    code, out, err = refusal_answer(agent, f"countersign refused this command: "
                                           f"{refusal.reason}\n{why}")
    if out:
        print(out)
    if err:
        print(err, file=sys.stderr)
    return code


def _autonomy(context: Context, agent: str) -> tuple[Tier, str] | None:
    """The stricter guard a recent incident imposes on ``agent`` (``[autonomy.guard]``)."""
    try:
        return guard_decision(context, agent)
    except Exception as exc:  # the base guard still applies; said, never silent
        _say(f"could not read the track record for [autonomy.guard] ({exc}); the base guard "
             f"applies. Details in {log_crash()}")
        return None
