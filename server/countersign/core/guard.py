"""The deterministic guardrail next to an agent: shell commands it may not run.

A command is refused when a rule of the guard's tier or higher matches it (``terraform
destroy``, ``kubectl delete``, ``DROP TABLE`` through a client...) or when it removes files
recursively outside the workspace; unless a pattern of ``[guard] allow`` matches it.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from countersign.core.rules import RuleSet, compile_re2
from countersign.core.tiers import Tier

COMMAND_PATH = "agent-command.sh"
"""The path rules see for a command line (shell-script rules apply to it)."""
_SEPARATORS = re.compile(r"&&|\|\||[;|&\n]")


@dataclass(frozen=True)
class Refusal:
    reason: str
    rule_id: str | None = None


def judge_command(
    command: str, rules: RuleSet, tier: Tier, allow: Sequence[str], cwd: str, root: str,
) -> Refusal | None:
    """Why ``command`` (run in ``cwd`` of workspace ``root``) must not run, or ``None``."""
    if any(compile_re2(pattern).search(command) for pattern in allow):
        return None
    for line in command.splitlines() or [command]:
        for rule, _, _ in rules.match_line(COMMAND_PATH, line):
            if rule.tier >= tier:
                return Refusal(f"{rule.id} ({rule.tier.label}) {rule.title}: {rule.message}",
                               rule.id)
    outside = _rm_outside(command, cwd, root)
    if outside is not None:
        return Refusal(f"it deletes {outside!r} recursively, outside the workspace {root}")
    return None


def _rm_outside(command: str, cwd: str, root: str) -> str | None:
    for part in _SEPARATORS.split(command):
        try:
            words = shlex.split(part)
        except ValueError:
            words = part.split()
        while words and (words[0] in ("sudo", "command", "exec") or "=" in words[0]):
            words = words[1:]
        if not words or posixpath.basename(words[0]) != "rm":
            continue
        flags = "".join(w.lstrip("-") for w in words[1:] if w.startswith("-") and w != "--")
        recursive = "r" in flags.lower() or "recursive" in flags
        if not recursive:
            continue
        for target in (w for w in words[1:] if not w.startswith("-")):
            if _escapes(target, cwd, root):
                return target
    return None


def _escapes(target: str, cwd: str, root: str) -> bool:
    if target.startswith(("~", "$")) or "*" in target.split("/")[0]:
        return True
    path = posixpath.normpath(posixpath.join(cwd, target))
    root = posixpath.normpath(root)
    inside = path.startswith(root.rstrip("/") + "/")
    return not inside  # the workspace itself counts as outside: deleting it is not "inside"


_SHELL_TOOLS = {"claude-code": ("Bash",), "codex": ("shell", "exec_command", "Bash"),
                "kiro": ("execute_bash", "executeBash", "shell"),
                "gemini-cli": ("run_shell_command",), "copilot": ("bash", "shell")}


def shell_command(agent: str, data: Mapping[str, Any]) -> tuple[str, str | None] | None:
    """The shell command an agent's pre-execution payload asks to run, and where (``None``
    when the payload is about something else). Each agent documents its own shape:
    Cursor ``beforeShellExecution`` (``command``, ``cwd``), Windsurf ``pre_run_command``
    (``tool_info.command_line``, ``tool_info.cwd``), Copilot ``preToolUse`` (``toolName``
    ``bash``, ``toolArgs.command``), the others ``tool_name`` + ``tool_input.command``."""
    cwd = data.get("cwd") if isinstance(data.get("cwd"), str) else None
    if agent == "cursor":
        command = data.get("command") if data.get("hook_event_name") in (
            "beforeShellExecution", None) else None
    elif agent == "windsurf":
        info = data.get("tool_info")
        if data.get("agent_action_name") != "pre_run_command" or not isinstance(info, dict):
            return None
        command, cwd = info.get("command_line"), info.get("cwd") or cwd
    else:
        name_key, args_key = ("toolName", "toolArgs") if agent == "copilot" else \
            ("tool_name", "tool_input")
        if data.get(name_key) not in _SHELL_TOOLS.get(agent, ()):
            return None
        args = data.get(args_key)
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except ValueError:
                return None
        command = args.get("command") if isinstance(args, dict) else None
        if agent == "gemini-cli" and isinstance(args, dict) and isinstance(
                args.get("dir_path"), str) and cwd:
            cwd = posixpath.join(cwd, args["dir_path"])
    if isinstance(command, list):
        command = " ".join(c for c in command if isinstance(c, str))
    return (command, cwd if isinstance(cwd, str) else None) if isinstance(command, str) \
        else None


def refusal_answer(agent: str, reason: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) that make ``agent`` refuse the command: Cursor and
    Copilot read a JSON permission on stdout (exit 0); the others take exit 2 and the
    reason on stderr."""
    if agent == "cursor":
        body = {"permission": "deny", "user_message": reason, "agent_message": reason}
        return 0, json.dumps(body), ""
    if agent == "copilot":
        body = {"permissionDecision": "deny", "permissionDecisionReason": reason}
        return 0, json.dumps(body), ""
    return 2, "", reason
