"""Between LSP types and the plain values of ``core`` and the features."""

from __future__ import annotations

import os
import time
import urllib.parse
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from countersign.core.diagnostics import Severity
from countersign.core.origin import AI_KINDS, Origin
from countersign.core.positions import ENCODINGS, Encoding
from countersign.core.rulepack import RuleError
from countersign.core.spans import Span
from countersign.core.text import Text
from countersign.lsp.documents import Range

SOURCE = "countersign"
SEVERITY: dict[Severity, types.DiagnosticSeverity] = {
    "error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information, "hint": types.DiagnosticSeverity.Hint,
}


def encoding_of(kind: Any) -> Encoding:
    value = str(kind.value if hasattr(kind, "value") else kind or "utf-16")
    for known in ENCODINGS:
        if value == known:
            return known
    return "utf-16"


def path_of(uri: str) -> Path | None:
    """The file a ``file:`` URI names. A percent-escaped byte that is not UTF-8 (Neovim
    escapes such file names byte by byte) stays that byte, as Python names the file,
    instead of becoming U+FFFD and another file than git and the hooks see."""
    if not uri.startswith("file:"):
        return None
    parsed = urllib.parse.urlsplit(uri)
    if os.name != "nt" and not parsed.netloc:
        return Path(urllib.parse.unquote(parsed.path, errors="surrogateescape"))
    path = to_fs_path(uri)
    return Path(path) if path else None


def uri_of(path: str) -> str:
    return from_fs_path(path) or path


def plain(value: Any) -> Any:
    """Undo pygls's namedtuples for parameters of methods lsprotocol does not know."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def position(value: Any) -> tuple[int, int]:
    if isinstance(value, types.Position):
        return value.line, value.character
    if not isinstance(value, dict):
        raise ValueError(f"expected a position {{line, character}}, got {value!r}")
    line, char = value.get("line"), value.get("character")
    if not isinstance(line, int) or not isinstance(char, int) or line < 0 or char < 0:
        raise ValueError(f"expected a position with non-negative integers, got {value!r}")
    return line, char


def range_of(value: Any) -> Range:
    """A range from an lsprotocol Range or its JSON form; ValueError says what is wrong."""
    if isinstance(value, types.Range):
        return (value.start.line, value.start.character), (value.end.line, value.end.character)
    if not isinstance(value, dict) or "start" not in value or "end" not in value:
        raise ValueError(f"expected a range {{start, end}}, got {value!r}")
    return position(value["start"]), position(value["end"])


def origin_of(data: dict[str, Any], default_kind: str = "chat") -> Origin:
    tool = data.get("tool")
    kind = data.get("kind", default_kind)
    model = data.get("model")
    if not isinstance(tool, str) or not tool:
        raise ValueError(f"'tool' must name the AI tool (like \"copilot\"), got {tool!r}")
    if kind not in AI_KINDS:
        raise ValueError(f"'kind' must be one of {', '.join(AI_KINDS)}, got {kind!r}")
    if model is not None and not isinstance(model, str):
        raise ValueError(f"'model' must be a string, got {model!r}")

    return Origin(kind, tool, model, at=time.time())


def config_diagnostics(errors: Iterable[RuleError]) -> dict[str, list[types.Diagnostic]]:
    """Rule pack and config errors, on the TOML file itself at the line they name."""
    out: dict[str, list[types.Diagnostic]] = {}
    for error in errors:
        line = max(0, error.line - 1)
        what = ": ".join(x for x in (error.rule_id and f"rule {error.rule_id}",
                                     error.key and f"key '{error.key}'") if x)
        message = f"{what + ': ' if what else ''}{error.message}"
        out.setdefault(uri_of(error.path), []).append(types.Diagnostic(
            range=types.Range(types.Position(line, 0), types.Position(line + 1, 0)),
            message=message, severity=types.DiagnosticSeverity.Error, source=SOURCE,
        ))
    return out


def provenance(uri: str, version: int, text: Text, spans: list[Span],
               enc: Encoding) -> dict[str, Any]:
    """The ``countersign/provenance`` payload: AI spans with tool and model.

    Built from plain dicts, each origin described once: a document can hold thousands of
    spans, and this runs whenever typing pauses.
    """
    described: dict[Origin, dict[str, Any]] = {}
    out = []
    for span in spans:
        about = described.get(span.origin)
        if about is None:
            about = described[span.origin] = span.origin.to_dict()
        (sl, sc), (el, ec) = text.position(span.start, enc), text.position(span.end, enc)
        out.append({"range": {"start": {"line": sl, "character": sc},
                              "end": {"line": el, "character": ec}}, **about})
    return {"uri": uri, "version": version, "spans": out}
