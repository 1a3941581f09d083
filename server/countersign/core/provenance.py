"""Line-level provenance of one commit as an Agent Trace 0.1.0 style record.

One record per commit goes into ``refs/notes/countersign``::

    {"version": "0.1.0", "id": "...", "timestamp": "...",
     "vcs": {"type": "git", "revision": "<commit>"},
     "tool": {"name": "countersign", "version": "0.1.0"},
     "files": [{"path": "infra/main.tf", "conversations": [
         {"contributor": {"type": "ai", "model_id": "anthropic/claude-sonnet-4-5"},
          "ranges": [{"start_line": 3, "end_line": 5}],
          "metadata": {"dev.countersign": {"tool": "claude-code", "kind": "agent"}}}]}],
     "metadata": {"dev.countersign": {"added_lines": 120, "ai_lines": 37, ...}}}

Ranges are 1-based and inclusive, in the file as of ``vcs.revision``, and list the AI
lines that commit added. Tool name and kind have no Agent Trace field, so they sit in
``metadata`` under a reverse-domain key, as the spec suggests for vendor data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from countersign import __version__
from countersign.core.origin import Kind, Origin

VERSION = "0.1.0"
VENDOR = "dev.countersign"
_NAMESPACE = "6f1b8f5e-2a4c-4a8e-9a55-3c1d0c7e6b21"


class NoteError(ValueError):
    """A provenance note that is not a record countersign can read."""


def build_record(
    revision: str,
    lines: Mapping[str, Mapping[int, Origin]],
    when: float,
    summary: Mapping[str, Any] | None = None,
    ident: str | None = None,
) -> dict[str, Any]:
    """The record for ``revision``; ``lines`` maps path -> 0-based line -> AI origin.

    ``ident``: the record's id; by default a UUID derived from ``revision``.
    """
    files = []
    for path in sorted(lines):
        conversations = _conversations(lines[path])
        if conversations:
            files.append({"path": path, "conversations": conversations})
    record: dict[str, Any] = {
        "version": VERSION,
        "id": ident or _record_id(revision),
        "timestamp": datetime.fromtimestamp(when, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "vcs": {"type": "git", "revision": revision},
        "tool": {"name": "countersign", "version": __version__},
        "files": files,
    }
    if summary:
        record["metadata"] = {VENDOR: dict(summary)}
    return record


def _record_id(revision: str) -> str:
    import uuid  # imports platform: ~2 ms the commit hooks need not pay

    return str(uuid.uuid5(uuid.UUID(_NAMESPACE), revision))


def _conversations(lines: Mapping[int, Origin]) -> list[dict[str, Any]]:
    by_origin: dict[Origin, list[int]] = {}
    for number in sorted(lines):
        origin = lines[number]
        if origin.is_ai:
            by_origin.setdefault(_stable(origin), []).append(number)
    out = []
    for origin, numbers in sorted(by_origin.items(), key=lambda item: item[1][0]):
        contributor: dict[str, Any] = {"type": "ai"}
        if origin.model:
            contributor["model_id"] = origin.model
        extra: dict[str, Any] = {"tool": origin.tool, "kind": origin.kind}
        if origin.acknowledged_by:
            extra["acknowledged_by"] = origin.acknowledged_by
        if origin.source:
            extra["source"] = origin.source
        out.append({"contributor": contributor, "ranges": _ranges(numbers),
                    "metadata": {VENDOR: extra}})
    return out


def _stable(origin: Origin) -> Origin:
    """Group lines by who wrote them, not by when (timestamps would split every line)."""
    return Origin(kind=origin.kind, tool=origin.tool, model=origin.model,
                  acknowledged_by=origin.acknowledged_by, source=origin.source)


def _ranges(numbers: list[int]) -> list[dict[str, int]]:
    ranges: list[dict[str, int]] = []
    for n in numbers:
        if ranges and ranges[-1]["end_line"] == n:  # 1-based end == 0-based n: adjacent
            ranges[-1]["end_line"] = n + 1
        else:
            ranges.append({"start_line": n + 1, "end_line": n + 1})
    return ranges


def record_lines(record: Any) -> dict[str, dict[int, Origin]]:
    """Path -> 0-based line -> AI origin, from a record; ``NoteError`` if malformed."""
    try:
        out: dict[str, dict[int, Origin]] = {}
        for entry in record["files"]:
            lines = out.setdefault(str(entry["path"]), {})
            for conversation in entry["conversations"]:
                origin = _origin(conversation)
                if origin is None:
                    continue
                for r in conversation["ranges"]:
                    start, end = int(r["start_line"]), int(r["end_line"])
                    if start < 1 or end < start:
                        raise NoteError(f"bad range {start}-{end} in {entry['path']}")
                    for n in range(start - 1, end):
                        lines[n] = origin
        return out
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, NoteError):
            raise
        raise NoteError(f"not a countersign provenance record ({exc!r})") from None


def record_revision(record: Any) -> str | None:
    try:
        return str(record["vcs"]["revision"])
    except (KeyError, TypeError):
        return None


def _origin(conversation: Mapping[str, Any]) -> Origin | None:
    contributor = conversation.get("contributor") or {}
    if contributor.get("type") not in ("ai", "mixed"):
        return None
    extra = (conversation.get("metadata") or {}).get(VENDOR) or {}
    kinds: dict[str, Kind] = {"inline": "inline", "chat": "chat", "agent": "agent",
                              "suspected": "suspected"}
    return Origin(kind=kinds.get(str(extra.get("kind")), "agent"),
                  tool=str(extra.get("tool") or "unknown-ai"),
                  model=contributor.get("model_id"),
                  acknowledged_by=extra.get("acknowledged_by"),
                  source=extra.get("source") if isinstance(extra.get("source"), str) else None)


def record_source(record: Any) -> str:
    """Who vouches for a record being complete: ``countersign`` (its hook wrote it), or the
    producer it was imported from (``git-ai``, ``agent-trace``, ``trailer``)."""
    try:
        source = record["metadata"][VENDOR]["source"]
    except (KeyError, TypeError):
        return "countersign"
    return source if isinstance(source, str) and source else "countersign"


def combine_records(records: Sequence[Any]) -> Any:
    """One record from several notes on one commit (a ``union`` notes merge or a rewrite
    concatenates them): every AI line of any of them, the first one's origin on a line
    both name, and the first record's other fields. ``NoteError`` if one is malformed."""
    if len(records) == 1:
        return records[0]
    lines: dict[str, dict[int, Origin]] = {}
    for record in records:
        for path, found in record_lines(record).items():
            mine = lines.setdefault(path, {})
            for n, origin in found.items():
                mine.setdefault(n, origin)
    first = dict(records[0]) if isinstance(records[0], Mapping) else {}
    first["files"] = [{"path": p, "conversations": _conversations(lines[p])}
                      for p in sorted(lines) if lines[p]]
    return first
