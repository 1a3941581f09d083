"""The deterministic guardrail next to an agent: shell commands it may not run.

A command is refused when a rule of the guard's tier or higher matches it (``terraform
destroy``, ``kubectl delete``, ``DROP TABLE`` through a client...) or when it removes files
recursively outside the workspace; unless a pattern of ``[guard] allow`` matches it.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

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
