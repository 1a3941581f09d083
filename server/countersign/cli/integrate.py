"""``countersign integrate AGENT [--user|--project]``: add countersign to an agent's hooks.

Merges countersign's entries into the agent's own configuration file, keeps every other
entry, and changes nothing when they are already there (safe to run again). A file that is
not valid JSON is left untouched with an error naming it.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from countersign.cli.errors import UserError
from countersign.core.agents import AGENTS
from countersign.store.workspace import find_workspace

COMMAND = "countersign agent-hook"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("integrate", help="add countersign's hooks to an AI agent's config")
    parser.add_argument("agent", choices=AGENTS)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--project", dest="scope", action="store_const", const="project",
                       help="this repository's config (default)")
    where.add_argument("--user", dest="scope", action="store_const", const="user",
                       help="your user config (every project)")
    parser.add_argument("--no-guard", action="store_true",
                        help="do not install the PreToolUse guard for shell commands")
    parser.set_defaults(func=run, scope="project")


def _command_hook(command: str) -> dict[str, Any]:
    return {"type": "command", "command": command}


_EVENTS = {"claude-code": ("PostToolUse", "PreToolUse", "Bash"),
           "codex": ("PostToolUse", "PreToolUse", "shell"),
           "gemini-cli": ("AfterTool", "BeforeTool", "run_shell_command")}


def _claude_like(config: dict[str, Any], agent: str, post: str, guard: bool) -> bool:
    """Claude Code, Codex and Gemini CLI: ``hooks.EVENT[] = {matcher, hooks: [{type,
    command}]}`` (Gemini CLI names the events ``AfterTool``/``BeforeTool``)."""
    hooks = config.setdefault("hooks", {})
    after, before, shell = _EVENTS[agent]
    wanted = [(after, post, f"{COMMAND} {agent}")]
    if guard:
        wanted.append((before, shell, f"{COMMAND} {agent} --pre"))
    changed = False
    for event, matcher, command in wanted:
        entries = hooks.setdefault(event, [])
        present = any(h.get("command") == command for e in entries if isinstance(e, dict)
                      for h in e.get("hooks", []) if isinstance(h, dict))
        if not present:
            entries.append({"matcher": matcher, "hooks": [_command_hook(command)]})
            changed = True
    return changed


def _cursor(config: dict[str, Any], guard: bool) -> bool:
    config.setdefault("version", 1)
    hooks = config.setdefault("hooks", {})
    wanted = [("afterFileEdit", f"{COMMAND} cursor"), ("afterTabFileEdit", f"{COMMAND} cursor")]
    if guard:  # Cursor reads the guard's answer as JSON permission on stdout
        wanted.append(("beforeShellExecution", f"{COMMAND} cursor --pre"))
    return _add_hooks(hooks, wanted, "command", lambda command: {"command": command})


def _copilot(config: dict[str, Any], guard: bool) -> bool:
    """Copilot CLI and coding agent: ``{version: 1, hooks: {postToolUse: [{type, bash}]}}``
    in ``.github/hooks/*.json`` (the coding agent reads them from the default branch)."""
    config.setdefault("version", 1)
    hooks = config.setdefault("hooks", {})
    wanted = [("postToolUse", f"{COMMAND} copilot")]
    if guard:
        wanted.append(("preToolUse", f"{COMMAND} copilot --pre"))
    return _add_hooks(hooks, wanted, "bash",
                      lambda command: {"type": "command", "bash": command, "timeoutSec": 30})


def _windsurf(config: dict[str, Any], guard: bool) -> bool:
    """Windsurf Cascade: ``{hooks: {post_write_code: [{command, show_output}]}}``."""
    hooks = config.setdefault("hooks", {})
    wanted = [("post_write_code", f"{COMMAND} windsurf")]
    if guard:
        wanted.append(("pre_run_command", f"{COMMAND} windsurf --pre"))
    return _add_hooks(hooks, wanted, "command",
                      lambda command: {"command": command, "show_output": False})


def _add_hooks(hooks: dict[str, Any], wanted: list[tuple[str, str]], key: str,
               entry: Callable[[str], dict[str, Any]]) -> bool:
    """Add an entry for each ``(event, command)`` whose command no entry names under ``key``
    yet; whether anything was added."""
    changed = False
    for event, command in wanted:
        entries = hooks.setdefault(event, [])
        if not any(isinstance(e, dict) and e.get(key) == command for e in entries):
            entries.append(entry(command))
            changed = True
    return changed


def _kiro(config: dict[str, Any], guard: bool) -> bool:
    config.setdefault("version", "v1")
    hooks = config.setdefault("hooks", [])
    wanted = {"name": "countersign", "trigger": "PostToolUse", "matcher": "fs_write|str_replace",
              "action": {"type": "command", "command": f"{COMMAND} kiro"}}
    if any(isinstance(h, dict) and h.get("name") == "countersign" for h in hooks):
        return False
    hooks.append(wanted)
    return True


def config_path(agent: str, scope: str, root: Path) -> Path:
    base = Path(os.path.expanduser("~")) if scope == "user" else root
    user = scope == "user"
    return base / {"claude-code": ".claude/settings.json", "cursor": ".cursor/hooks.json",
                   "codex": ".codex/hooks.json", "kiro": ".kiro/hooks/countersign.json",
                   "gemini-cli": ".gemini/settings.json",
                   "copilot": ".github/hooks/countersign.json",
                   "windsurf": ".codeium/windsurf/hooks.json" if user
                   else ".windsurf/hooks.json"}[agent]


def run(args: argparse.Namespace) -> int:
    if args.agent == "copilot" and args.scope == "user":
        raise UserError("Copilot reads hooks only from the repository's .github/hooks/*.json",
                        "run `countersign integrate copilot` in the repository (the coding "
                        "agent uses the file on the default branch)", 2)
    root = find_workspace(Path.cwd()).root
    path = config_path(args.agent, args.scope, root)
    config: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UserError(f"{path} is not valid JSON ({exc}); it was left as it is",
                            f"fix or move {path}, then run `countersign integrate "
                            f"{args.agent}` again") from None
        if not isinstance(loaded, dict):
            raise UserError(f"{path} does not hold a JSON object; it was left as it is",
                            f"fix or move {path}")
        config = loaded
    guard = not args.no_guard
    changed = {
        "claude-code": lambda: _claude_like(config, "claude-code", "Edit|Write|MultiEdit", guard),
        "codex": lambda: _claude_like(config, "codex", "apply_patch", guard),
        "cursor": lambda: _cursor(config, guard),
        "kiro": lambda: _kiro(config, guard),
        "gemini-cli": lambda: _claude_like(config, "gemini-cli", "write_file|replace", guard),
        "copilot": lambda: _copilot(config, guard),
        "windsurf": lambda: _windsurf(config, guard),
    }[args.agent]()
    if not changed:
        print(f"{path}: countersign's hooks are already there; nothing changed")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".countersign-tmp")
    tmp.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    print(f"{path}: added countersign's hooks ({COMMAND} {args.agent})")
    return 0
