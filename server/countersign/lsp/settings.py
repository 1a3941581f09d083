"""Language server settings: one tree of frozen dataclasses with defaults.

Clients send them as ``initializationOptions`` and answer ``workspace/configuration``
for the ``countersign`` section, with camelCase keys (``debounceMs``). A bad value never
stops the server: it keeps the default for that key and reports what was wrong.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any, Literal

DiagnosticMode = Literal["auto", "push", "pull"]


def _whole(default: int, low: int, high: int) -> Any:
    """A whole-number setting with its default and the limits a value must be within."""
    return field(default=default, metadata={"limits": (low, high)})


@dataclass(frozen=True)
class HeuristicSettings:
    """Guessing AI text in editors that report no AI edits. A heuristic, not a fact."""

    enabled: bool | None = None
    """True: always guess; False: never; None (default): only until a client reports
    an AI edit with ``countersign/aiEdit``."""
    min_lines: int = _whole(8, 1, 100000)
    """One change inserting at least this many lines is suspected to come from AI."""
    min_chars: int = _whole(400, 1, 10**8)
    """One change inserting at least this many characters is suspected to come from AI."""

    def suspects(self, inserted: str, client_reports_ai: bool) -> bool:
        """Whether one change inserting ``inserted`` is guessed to be AI-written."""
        on = self.enabled if self.enabled is not None else not client_reports_ai
        if not on:
            return False
        return inserted.count("\n") >= self.min_lines or len(inserted) >= self.min_chars


@dataclass(frozen=True)
class Settings:
    """Everything a user can configure in the language server."""

    debounce_ms: int = _whole(0, 0, 5000)
    """Delay before diagnostics are recomputed after an edit (0-50 ms is sensible;
    0 still coalesces changes that arrive together)."""
    provenance_debounce_ms: int = _whole(150, 0, 10000)
    """Delay before a ``countersign/provenance`` notification after spans change."""
    diagnostic_mode: DiagnosticMode = "auto"
    """``push`` (publishDiagnostics), ``pull`` (textDocument/diagnostic), or ``auto``:
    pull when the client supports it."""
    heuristic: HeuristicSettings = field(default_factory=HeuristicSettings)
    """Large-insertion heuristic for editors that report no AI edits."""
    reviewer: str | None = None
    """Who acknowledges AI lines; default the git identity of the workspace."""
    policy: str | None = None
    """Organisation policy TOML (authoritative over the repository config)."""
    rules_doc_url: str | None = None
    """Link template for rule docs with ``{id}`` / ``{anchor}``; default: the bundled
    reference inside the package (``countersign/docs/rules-reference.md``)."""
    max_file_bytes: int = _whole(10_000_000, 1, 10**10)
    """Files larger than this are not tracked (the server says so and keeps serving)."""
    watch_interval_ms: int = _whole(250, 20, 60000)
    """How often the ledger and config files are checked for changes by other processes."""


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _check(name: str, value: Any, default: Any, bounds: tuple[int, int] | None) -> Any:
    if isinstance(default, bool) or name == "enabled":
        if value is None or isinstance(value, bool):
            return value
        raise ValueError(f"expected true, false or null, got {value!r}")
    if isinstance(default, int):
        low, high = bounds or (0, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"expected a whole number from {low} to {high}, got {value!r}")
        return value
    if name == "diagnostic_mode":
        if value not in ("auto", "push", "pull"):
            raise ValueError(f"expected auto, push or pull, got {value!r}")
        return value
    if value is not None and not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


def _parse(cls: Any, data: Any, prefix: str, errors: list[str]) -> Any:
    if not isinstance(data, dict):
        errors.append(f"{prefix.rstrip('.') or 'settings'}: expected an object, got {data!r}")
        return cls()
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = _snake(key)
        where = f"{prefix}{key}"
        if name not in fields:
            allowed = ", ".join(re.sub(r"_(\w)", lambda m: m.group(1).upper(), f)
                                for f in fields)
            errors.append(f"{where}: unknown setting (known: {allowed})")
            continue
        default = cls().__getattribute__(name)
        if dataclasses.is_dataclass(default):
            values[name] = _parse(type(default), value, f"{where}.", errors)
            continue
        try:
            values[name] = _check(name, value, default, fields[name].metadata.get("limits"))
        except ValueError as exc:
            errors.append(f"{where}: {exc}; using the default {default!r}")
    return cls(**values)


def parse_settings(data: Any) -> tuple[Settings, list[str]]:
    """Settings from client JSON, and one message per value that was ignored."""
    errors: list[str] = []
    if data is None:
        return Settings(), errors
    if isinstance(data, dict) and isinstance(data.get("countersign"), dict):
        data = data["countersign"]
    settings: Settings = _parse(Settings, data, "countersign.", errors)
    return settings, errors
