"""Between LSP types and the plain values of ``core`` and the features."""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from countersign.core.diagnostics import Severity
from countersign.core.origin import Origin
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
    """Undo pygls's namedtuples, which a pygls client (the tests) gets for countersign's own
    responses: lsprotocol does not know their types."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def range_of(value: types.Range) -> Range:
    """An LSP range as ``((line, column), (line, column))``."""
    return (value.start.line, value.start.character), (value.end.line, value.end.character)


def optional_range(value: types.Range | None) -> Range | None:
    """``range_of``, or None (the whole document) when no range was given."""
    return range_of(value) if value is not None else None


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
