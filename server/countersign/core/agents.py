"""What AI agents' hook payloads say they wrote, as lines of files.

Each agent reports an edit differently: Claude Code and Cursor send the replaced and the
new text (``old_string``/``new_string``), Codex an ``apply_patch`` patch, Kiro its
``fs_write`` arguments, and a whole-file write sends only the new content. ``Edit`` keeps
what a payload says; ``ai_lines_of`` finds the lines of the file as it is now that the
edit wrote. Lines the new text merely repeats from the old (context) are not the agent's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from countersign.core.lines import line_of, line_starts, split_lines
from countersign.core.origin import Origin


@dataclass(frozen=True)
class Replacement:
    """``old`` became ``new`` somewhere in the file (``old`` is empty for an insertion)."""

    old: str
    new: str
    all_occurrences: bool = False


@dataclass(frozen=True)
class Edit:
    """One file an agent changed, and how."""

    path: str
    replacements: tuple[Replacement, ...] = ()
    whole_file: bool = False
    """The agent wrote the whole file: every line that differs from before is its."""
    deleted: bool = False
    moved_from: str | None = None


@dataclass
class Payload:
    """An agent hook payload, understood."""

    tool: str
    kind: str = "agent"
    model: str | None = None
    edits: list[Edit] = field(default_factory=list)
    cwd: str | None = None
    transcript: str | None = None


def new_lines_of(old: str, new: str) -> list[int]:
    """0-based lines of ``new`` that are not carried over unchanged from ``old``."""
    import difflib  # agent hooks only; not on the commit path

    old_lines, new_lines = split_lines(old), split_lines(new)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    out: list[int] = []
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        if tag in ("insert", "replace"):
            out.extend(range(j1, j2))
    return [n for n in out if n < len(new_lines) and new_lines[n].strip()]


def ai_lines_of(content: str, replacement: Replacement) -> set[int] | None:
    """Lines of ``content`` written by ``replacement``; ``None`` if its text is not there.

    When the new text occurs more than once and the edit was not a replace-all, every
    occurrence counts: attributing too much is safer for a review gate than too little.
    """
    if not replacement.new.strip():
        return set()
    starts = [m.start() for m in re.finditer(re.escape(replacement.new), content)]
    if not starts:
        return None
    fresh = new_lines_of(replacement.old, replacement.new)
    index = line_starts(content)
    out: set[int] = set()
    for offset in starts:
        first = line_of(index, offset)
        out.update(first + n for n in fresh)
    return out


def changed_lines(before: str, after: str) -> set[int]:
    """Lines of ``after`` (0-based) that differ from ``before``: checkpoint semantics."""
    return set(new_lines_of(before, after))


_PATCH_FILE = re.compile(r"^\*\*\* (Add|Update|Delete) File: (.+)$")


def parse_apply_patch(patch: str) -> list[Edit]:
    """Edits in Codex's ``apply_patch`` format (``*** Begin Patch`` ... ``*** End Patch``).

    Each ``@@`` hunk of an updated file becomes a replacement of its old lines (context and
    ``-`` lines) by its new lines (context and ``+`` lines); an added file is a whole-file
    write.
    """
    edits: list[Edit] = []
    current: dict[str, object] | None = None
    hunk_old: list[str] = []
    hunk_new: list[str] = []

    def close_hunk() -> None:
        if current is not None and (hunk_old or hunk_new):
            reps = current["replacements"]
            assert isinstance(reps, list)
            reps.append(Replacement("\n".join(hunk_old), "\n".join(hunk_new)))
        hunk_old.clear()
        hunk_new.clear()

    def close_file() -> None:
        close_hunk()
        if current is not None:
            edits.append(_edit_of(current))

    for line in patch.splitlines():
        match = _PATCH_FILE.match(line)
        if match:
            close_file()
            current = {"op": match.group(1), "path": match.group(2).strip(),
                       "replacements": [], "added": [], "moved": None}
        elif current is None or line in ("*** Begin Patch", "*** End Patch"):
            continue
        elif line.startswith("*** Move to: "):
            current["moved"] = current["path"]
            current["path"] = line[len("*** Move to: "):].strip()
        elif line.startswith("@@"):
            close_hunk()
        elif current["op"] == "Add" and line.startswith("+"):
            added = current["added"]
            assert isinstance(added, list)
            added.append(line[1:])
        elif line.startswith("+"):
            hunk_new.append(line[1:])
        elif line.startswith("-"):
            hunk_old.append(line[1:])
        elif line.startswith(" ") or line == "":
            hunk_old.append(line[1:])
            hunk_new.append(line[1:])
    close_file()
    return edits


def _edit_of(current: dict[str, object]) -> Edit:
    path, op = str(current["path"]), current["op"]
    moved = current["moved"] if isinstance(current["moved"], str) else None
    if op == "Delete":
        return Edit(path, deleted=True)
    if op == "Add":
        return Edit(path, whole_file=True)
    reps = current["replacements"]
    assert isinstance(reps, list)
    return Edit(path, tuple(reps), moved_from=moved)


def model_id(raw: str | None, provider: str | None = None) -> str | None:
    """A models.dev style id: ``claude-sonnet-4-5-20250929`` -> ``anthropic/claude-sonnet-4-5``."""
    if not raw or not isinstance(raw, str):
        return None
    raw = raw.strip()
    if "/" in raw or provider is None:
        return raw or None
    undated = re.sub(r"-\d{8}$", "", raw)
    return f"{provider}/{undated}"


def model_from_transcript(lines: Iterable[str]) -> str | None:
    """The model of the last assistant message in a Claude Code transcript (JSONL)."""
    import json

    model = None
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        message = entry.get("message") if isinstance(entry, dict) else None
        if isinstance(message, dict) and message.get("role") == "assistant" and \
                isinstance(message.get("model"), str):
            model = message["model"]
    return model_id(model, "anthropic")


class PayloadError(ValueError):
    """A payload that is not what the agent is documented to send."""


AGENTS = ("claude-code", "cursor", "codex", "kiro", "gemini-cli", "copilot", "windsurf")


def parse_payload(agent: str, data: object) -> Payload:
    """Understand a PostToolUse-style payload of ``agent``; ``PayloadError`` if malformed.

    A payload for a tool that does not write files gives a ``Payload`` without edits.
    """
    if not isinstance(data, dict):
        raise PayloadError("the payload is not a JSON object")
    parse = {"claude-code": _claude, "cursor": _cursor, "codex": _codex, "kiro": _kiro,
             "gemini-cli": _gemini, "copilot": _copilot, "windsurf": _windsurf}[agent]
    payload = parse(data)
    payload.cwd = _opt_str(data, "cwd")
    return payload


def _str(data: dict[str, object], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise PayloadError(f"{key!r} is missing or not a string")
    return value


def _opt_str(data: dict[str, object], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def _dict(data: dict[str, object], key: str) -> dict[str, object]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise PayloadError(f"{key!r} is missing or not an object")
    return value


def _replacement(args: dict[str, object], old: str = "old_string", new: str = "new_string",
                 every: str | None = None) -> Replacement:
    """One string replacement from a tool's arguments; ``every`` names the flag that asks
    for every occurrence (tools spell it differently)."""
    return Replacement(_str(args, old), _str(args, new), bool(every and args.get(every)))


def _replacements(items: object, old: str, new: str) -> tuple[Replacement, ...]:
    if not isinstance(items, list):
        raise PayloadError("'edits' is not a list")
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise PayloadError("an entry of 'edits' is not an object")
        out.append(_replacement(item, old, new, "replace_all"))
    return tuple(out)


def _claude(data: dict[str, object]) -> Payload:
    payload = Payload("claude-code", transcript=_opt_str(data, "transcript_path"))
    tool = data.get("tool_name")
    if tool not in ("Edit", "Write", "MultiEdit"):
        return payload
    args = _dict(data, "tool_input")
    path = _str(args, "file_path")
    if tool == "Write":
        _str(args, "content")
        payload.edits.append(Edit(path, whole_file=True))
    elif tool == "Edit":
        payload.edits.append(Edit(path, (_replacement(args, every="replace_all"),)))
    else:
        payload.edits.append(Edit(path, _replacements(args.get("edits"), "old_string",
                                                      "new_string")))
    return payload


def _cursor(data: dict[str, object]) -> Payload:
    event = data.get("hook_event_name")
    kind = "inline" if event == "afterTabFileEdit" else "agent"
    payload = Payload("cursor", kind, model_id(_opt_str(data, "model")))
    path = _str(data, "file_path")
    payload.edits.append(Edit(path, _replacements(data.get("edits"), "old_string",
                                                  "new_string")))
    return payload


def _codex(data: dict[str, object]) -> Payload:
    payload = Payload("codex", model=model_id(_opt_str(data, "model"), "openai"),
                      transcript=_opt_str(data, "transcript_path"))
    args = data.get("tool_input")
    command = args.get("command") if isinstance(args, dict) else None
    if isinstance(args, dict) and isinstance(args.get("input"), str):
        command = args["input"]
    if isinstance(command, list):
        command = next((c for c in command if isinstance(c, str) and "*** Begin Patch" in c),
                       None)
    if data.get("tool_name") not in ("apply_patch", "shell", "exec_command") or \
            not isinstance(command, str) or "*** Begin Patch" not in command:
        return payload
    edits = parse_apply_patch(command)
    if not edits:
        raise PayloadError("apply_patch input names no file")
    payload.edits.extend(edits)
    return payload


def _kiro(data: dict[str, object]) -> Payload:
    payload = Payload("kiro", model=model_id(_opt_str(data, "model")))
    tool = data.get("tool_name")
    if tool not in ("fs_write", "str_replace", "fsWrite", "strReplace"):
        return payload
    args = _dict(data, "tool_input")
    path = _opt_str(args, "path") or _str(args, "file_path")
    command = args.get("command", "str_replace" if "old_str" in args else "create")
    if command in ("create", "write"):
        payload.edits.append(Edit(path, whole_file=True))
    elif command in ("str_replace", "strReplace"):
        payload.edits.append(Edit(path, (_replacement(args, "old_str", "new_str"),)))
    elif command in ("insert", "append"):
        payload.edits.append(Edit(path, (Replacement("", _str(args, "new_str")),)))
    else:
        raise PayloadError(f"unknown fs_write command {command!r}")
    return payload


def _gemini(data: dict[str, object]) -> Payload:
    """Gemini CLI ``AfterTool``: ``write_file`` (file_path, content) or ``replace``
    (file_path, old_string, new_string, allow_multiple)."""
    payload = Payload("gemini-cli", transcript=None)
    tool = data.get("tool_name")
    if tool not in ("write_file", "replace"):
        return payload
    args = _dict(data, "tool_input")
    path = _str(args, "file_path")
    if tool == "write_file":
        _str(args, "content")
        payload.edits.append(Edit(path, whole_file=True))
    else:
        payload.edits.append(Edit(path, (_replacement(args, every="allow_multiple"),)))
    return payload


def tool_args(data: dict[str, object], key: str) -> dict[str, object]:
    """An arguments object that may arrive as JSON text (Copilot CLI's ``toolArgs``)."""
    value = data.get(key)
    if isinstance(value, str):
        import json

        try:
            value = json.loads(value)
        except ValueError:
            raise PayloadError(f"{key!r} is a string but not JSON") from None
    if not isinstance(value, dict):
        raise PayloadError(f"{key!r} is missing or not an object")
    return value


def _copilot(data: dict[str, object]) -> Payload:
    """GitHub Copilot CLI / coding agent ``postToolUse``: ``toolName`` ``edit`` (path,
    old_str, new_str) or ``create`` (path, file_text); ``toolArgs`` may be JSON text."""
    payload = Payload("copilot")
    tool = data.get("toolName")
    if tool not in ("edit", "create", "str_replace_editor"):
        return payload
    args = tool_args(data, "toolArgs")
    path = _str(args, "path")
    command = args.get("command", "create" if tool == "create" else "str_replace")
    if command == "create":
        _str(args, "file_text")
        payload.edits.append(Edit(path, whole_file=True))
    elif command == "str_replace":
        payload.edits.append(Edit(path, (_replacement(args, "old_str", "new_str"),)))
    elif command == "insert":
        payload.edits.append(Edit(path, (Replacement("", _str(args, "new_str")),)))
    return payload


def _windsurf(data: dict[str, object]) -> Payload:
    """Windsurf Cascade ``post_write_code``: ``tool_info.file_path`` and ``tool_info.edits``
    (old_string/new_string pairs)."""
    payload = Payload("windsurf")
    if data.get("agent_action_name") != "post_write_code":
        return payload
    info = _dict(data, "tool_info")
    payload.edits.append(Edit(_str(info, "file_path"),
                              _replacements(info.get("edits"), "old_string", "new_string")))
    return payload


_AIDER_TRAILER = re.compile(r"^aider(?:\s*\(([^)]*)\))?\s*<[^>]*>", re.IGNORECASE)


def aider_origin(author: str, trailers: Sequence[tuple[str, str]]) -> Origin | None:
    """Aider's commits name it: author ``Name (aider)`` or ``Co-authored-by: aider (MODEL)
    <aider@aider.chat>``. Aider has no hooks, so its commits are attributed from these."""
    model = None
    named = "(aider)" in author.lower() or "aider@aider.chat" in author.lower()
    for key, value in trailers:
        match = _AIDER_TRAILER.match(value.strip())
        if key.lower() == "co-authored-by" and match:
            named = True
            model = model or (match.group(1) or None)
    return Origin("agent", "aider", model) if named else None
