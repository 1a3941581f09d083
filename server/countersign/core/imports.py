"""Provenance recorded by other tools, read into countersign's line model.

- **git-ai** authorship logs (``refs/notes/ai``, Git AI Standard v3.0.0): an attestation
  section (a file path at the start of a line, then ``  KEY RANGES`` lines, 1-based) and,
  after a ``---`` line, JSON metadata whose ``sessions`` (``s_`` keys, ``s_ID::t_TRACE``)
  and legacy ``prompts`` (bare hex keys) name each key's ``agent_id`` (tool, model).
  ``h_`` keys are lines a person was seen typing: not AI.
- **Agent Trace** records (the spec's JSON, one per line as its reference hook appends
  them to ``.agent-trace/traces.jsonl``): ``files[].conversations[]`` with a
  ``contributor`` (``type``, ``model_id``) and ``ranges`` (1-based, inclusive).
- **Trailers** of agents that sign their commits: ``Co-authored-by:`` (Claude Code,
  Cursor's agent, Copilot, Codex, Gemini, Aider) and the Linux kernel's
  ``Assisted-by: AGENT:MODEL [TOOL...]``. They say an AI took part, not which lines: every
  added line of such a commit counts as that AI's (commit-level, when nothing finer exists).

Every origin read here carries ``source`` so reports show where it came from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from countersign.core.agents import model_id
from countersign.core.origin import Origin

Lines = dict[str, dict[int, Origin]]


class ForeignRecordError(ValueError):
    """A record of another tool that does not follow its documented format."""


TOOLS = {"claude": "claude-code", "claude-code": "claude-code", "cursor": "cursor",
         "copilot": "copilot", "github-copilot": "copilot", "gemini": "gemini-cli",
         "gemini-cli": "gemini-cli", "codex": "codex", "windsurf": "windsurf",
         "aider": "aider", "kiro": "kiro", "amp": "amp", "opencode": "opencode"}
"""Other tools' names for agents -> countersign's tool names (others kept as written)."""
_PROVIDER = {"claude-code": "anthropic", "codex": "openai", "gemini-cli": "google"}


def tool_name(raw: str) -> str:
    name = raw.strip().lower().replace(" ", "-")
    return TOOLS.get(name, name or "unknown-ai")


def _model(tool: str, raw: Any) -> str | None:
    return model_id(raw, _PROVIDER.get(tool)) if isinstance(raw, str) and raw else None


# --- git-ai ---------------------------------------------------------------------------

_ENTRY = re.compile(r"^  (\S+) (\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*)$")


def parse_git_ai(text: str) -> Lines:
    """Path -> 0-based line -> AI origin from a git-ai authorship log."""
    attestation, sep, meta_text = text.partition("\n---\n")
    if not sep:
        attestation, sep, meta_text = text.partition("---\n") if text.startswith("---\n") \
            else (text, "", "")
    if not sep:
        raise ForeignRecordError("no '---' line between the attestation and the metadata")
    try:
        meta = json.loads(meta_text)
    except json.JSONDecodeError as exc:
        raise ForeignRecordError(f"metadata is not JSON: {exc}") from None
    if not isinstance(meta, dict) or not str(meta.get("schema_version", "")).startswith(
            "authorship/"):
        raise ForeignRecordError("metadata has no schema_version 'authorship/...'")
    agents = _git_ai_agents(meta)
    out: Lines = {}
    path: str | None = None
    for number, line in enumerate(attestation.split("\n"), start=1):
        if not line.strip():
            continue
        if not line.startswith(" "):
            path = line[1:-1] if len(line) > 1 and line[0] == line[-1] == '"' else line
            continue
        match = _ENTRY.match(line)
        if match is None or path is None:
            raise ForeignRecordError(f"attestation line {number} is not '  KEY RANGES': {line!r}")
        key, ranges = match.groups()
        if key.startswith("h_"):
            continue  # a person, seen typing
        origin = agents.get(key.split("::", 1)[0])
        if origin is None:
            raise ForeignRecordError(f"attestation key {key} is not in the metadata")
        lines = out.setdefault(path, {})
        for n in _ranges(ranges):
            lines[n] = origin
    return {p: ls for p, ls in out.items() if ls}


def _git_ai_agents(meta: Mapping[str, Any]) -> dict[str, Origin]:
    agents: dict[str, Origin] = {}
    for table in ("prompts", "sessions"):
        records = meta.get(table) or {}
        if not isinstance(records, dict):
            raise ForeignRecordError(f"metadata {table!r} is not an object")
        for key, record in records.items():
            agent = record.get("agent_id") if isinstance(record, dict) else None
            if not isinstance(agent, dict) or not isinstance(agent.get("tool"), str):
                raise ForeignRecordError(f"{table}.{key} has no agent_id.tool")
            tool = tool_name(agent["tool"])
            agents[key] = Origin("agent", tool, _model(tool, agent.get("model")),
                                 source="git-ai")
    return agents


def _ranges(spec: str) -> list[int]:
    out: list[int] = []
    for part in spec.split(","):
        first, _, last = part.partition("-")
        start, end = int(first), int(last or first)
        if start < 1 or end < start:
            raise ForeignRecordError(f"bad line range {part!r}")
        out.extend(range(start - 1, end))
    return out


# --- Agent Trace ----------------------------------------------------------------------


@dataclass(frozen=True)
class Trace:
    """One Agent Trace record: the AI lines it names, and the revision it was made at."""

    revision: str | None
    lines: Lines
    timestamp: str


def parse_agent_trace(record: Any) -> Trace:
    """An Agent Trace record's AI lines (``human``/``unknown`` contributors skipped)."""
    if not isinstance(record, dict) or not isinstance(record.get("files"), list):
        raise ForeignRecordError("not an Agent Trace record (no 'files' list)")
    vcs = _table(record, "vcs")
    revision = vcs.get("revision") if vcs.get("type", "git") == "git" else None
    tool = tool_name(str(_table(record, "tool").get("name") or "unknown-ai"))
    out: Lines = {}
    for entry in record["files"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise ForeignRecordError("a file entry has no 'path'")
        for conversation in entry.get("conversations") or []:
            _trace_conversation(conversation, tool, out.setdefault(entry["path"], {}))
    return Trace(revision if isinstance(revision, str) else None,
                 {p: ls for p, ls in out.items() if ls}, str(record.get("timestamp", "")))


def _table(record: dict[str, Any], key: str) -> dict[str, Any]:
    value = record.get(key)
    return value if isinstance(value, dict) else {}


def _trace_conversation(conversation: Any, tool: str, lines: dict[int, Origin]) -> None:
    if not isinstance(conversation, dict) or not isinstance(conversation.get("ranges"), list):
        raise ForeignRecordError("a conversation has no 'ranges' list")
    contributor = conversation.get("contributor") or {}
    for r in conversation["ranges"]:
        if not isinstance(r, dict):
            raise ForeignRecordError("a range is not an object")
        who = r.get("contributor") or contributor
        if not isinstance(who, dict) or not who or who.get("type") not in ("ai", "mixed"):
            continue
        try:
            start, end = int(r["start_line"]), int(r["end_line"])
        except (KeyError, TypeError, ValueError):
            raise ForeignRecordError(f"range {r!r} has no integer start_line/end_line") from None
        if start < 1 or end < start:
            raise ForeignRecordError(f"bad range {start}-{end}")
        origin = Origin("agent", tool, _model(tool, who.get("model_id")), source="agent-trace")
        for n in range(start - 1, end):
            lines[n] = origin


# --- trailers -------------------------------------------------------------------------

_AGENT_AUTHORS = (  # (pattern on "Name <email>", tool)
    (re.compile(r"noreply@anthropic\.com|^claude\b", re.I), "claude-code"),
    (re.compile(r"cursoragent@cursor\.com|^cursor\b", re.I), "cursor"),
    (re.compile(r"^copilot\b|copilot@users\.noreply\.github\.com|copilot-swe-agent", re.I),
     "copilot"),
    (re.compile(r"^codex\b|codex@openai\.com", re.I), "codex"),
    (re.compile(r"^gemini\b|gemini-code-assist|gemini-cli", re.I), "gemini-cli"),
    (re.compile(r"aider@aider\.chat|^aider\b", re.I), "aider"),
)
_NAMED_MODEL = re.compile(r"^(claude|gemini|gpt)[ -]([\w.\- ]+?)\s*<", re.I)


def trailer_origin(trailers: Sequence[tuple[str, str]]) -> Origin | None:
    """The AI a commit's trailers name (``Co-authored-by``, ``Assisted-by``), if any."""
    for key, value in trailers:
        lower = key.lower()
        if lower == "assisted-by":
            agent, _, rest = value.partition(":")
            if agent.strip() and rest.strip():
                tool = tool_name(agent)
                return Origin("agent", tool, _model(tool, rest.split()[0]), source="trailer")
        elif lower == "co-authored-by":
            for pattern, tool in _AGENT_AUTHORS:
                if pattern.search(value.strip()):
                    return Origin("agent", tool, _named_model(value), source="trailer")
    return None


def _named_model(value: str) -> str | None:
    """``Claude Sonnet 4.5 <noreply@anthropic.com>`` -> ``anthropic/claude-sonnet-4.5``."""
    match = _NAMED_MODEL.match(value.strip())
    if match is None:
        return None
    family = match.group(1).lower()
    provider = {"claude": "anthropic", "gemini": "google", "gpt": "openai"}[family]
    return f"{provider}/{family}-" + "-".join(match.group(2).lower().split())
