"""Diagnostics of a document, converted once per line and reused until that line changes.

A keystroke changes one line, but a document can carry hundreds of diagnostics. Each
line's problems are converted once (columns in the negotiated encoding, message, link,
JSON text) and kept in the document's ``line_cache``, which edits reset only for the lines
they touch. Lines that merely moved keep their conversion: the line number is filled in
when the list is put together.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field

from lsprotocol import types

from countersign.core.config import Config
from countersign.core.diagnostics import Problem, problems
from countersign.core.positions import Encoding, index_to_column
from countersign.core.tracked import TrackedDocument
from countersign.lsp.convert import SEVERITY, SOURCE

_RANGE = '{"range":{"start":{"line":%d,"character":%d},"end":{"line":%d,"character":%d}},%s}'


@dataclass
class LineDiagnostic:
    """One diagnostic of some line: columns in client units, the rest already JSON."""

    start: int
    end: int
    problem: Problem
    body: str
    """The JSON members after ``range`` (message, severity, code, link, source)."""
    _converted: types.Diagnostic | None = field(default=None, repr=False)

    def json(self, line: int) -> str:
        return _RANGE % (line, self.start, line, self.end, self.body)

    def diagnostic(self, line: int) -> types.Diagnostic:
        """The lsprotocol form on ``line`` (kept, and rebuilt only when the line moved)."""
        converted = self._converted
        if converted is None or converted.range.start.line != line:
            p = self.problem
            converted = self._converted = types.Diagnostic(
                range=types.Range(types.Position(line, self.start),
                                  types.Position(line, self.end)),
                message=p.message, severity=SEVERITY[p.severity], code=p.rule_id,
                code_description=types.CodeDescription(href=p.href), source=SOURCE)
        return converted


def _convert(problem: Problem, content: str, enc: Encoding) -> LineDiagnostic:
    body = json.dumps({"message": problem.message, "severity": SEVERITY[problem.severity].value,
                       "code": problem.rule_id, "codeDescription": {"href": problem.href},
                       "source": SOURCE}, separators=(",", ":"))[1:-1]
    return LineDiagnostic(index_to_column(content, problem.start, enc),
                          index_to_column(content, problem.end, enc), problem, body)


def _line(doc: TrackedDocument, line: int, config: Config, href: str,
          enc: Encoding) -> tuple[LineDiagnostic, ...]:
    cached = doc.line_cache[line]
    if isinstance(cached, tuple):
        return cached
    found = problems(doc.line_findings(line), config, href, doc.text.line)
    content = doc.text.line(line) if found else ""
    converted = tuple(sorted((_convert(p, content, enc) for p in found), key=_order))
    if doc.cacheable(line):
        doc.line_cache[line] = converted
    return converted


def current(doc: TrackedDocument, config: Config, href: str,
            enc: Encoding) -> list[tuple[int, LineDiagnostic]]:
    """Every diagnostic of the document with its line, in order (line, column, rule)."""
    out = [(n, item) for n in doc.lines_with_matches()
           for item in _line(doc, n, config, href, enc)]
    extra = problems(doc.extra_findings(), config, href, doc.text.line)
    for line in sorted({p.line for p in extra}):  # path baselines and regions: not cached
        content = doc.text.line(line)
        here = [(line, _convert(p, content, enc)) for p in extra if p.line == line]
        lo = bisect.bisect_left(out, line, key=lambda pair: pair[0])
        hi = bisect.bisect_right(out, line, key=lambda pair: pair[0])
        out[lo:hi] = sorted(out[lo:hi] + here, key=lambda pair: _order(pair[1]))
    return out


def _order(item: LineDiagnostic) -> tuple[int, str]:
    return item.problem.start, item.problem.rule_id


def as_json(items: list[tuple[int, LineDiagnostic]]) -> str:
    """The JSON array of the diagnostics, as ``publishDiagnostics`` carries it."""
    return "[" + ",".join([item.json(line) for line, item in items]) + "]"


def as_lsp(items: list[tuple[int, LineDiagnostic]]) -> list[types.Diagnostic]:
    return [item.diagnostic(line) for line, item in items]
