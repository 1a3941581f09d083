"""Structural matches of an open document, kept per line and re-matched around each edit.

Parsing a 20,000-line file with ast-grep costs over 100 ms, far too much per keystroke.
Every structural rule matches inside one top-level unit of the file (``core/structure.py``),
so an edit only needs the units around it parsed again: the unit before the edited lines
(an indented line can join it), the edited lines, and the unit after them (an unclosed
bracket can swallow it). The matches are kept per line, so edits elsewhere move them with
the lines for free. A stretch longer than ``LOCAL_LIMIT`` lines (one huge JSON or YAML
document) is left ``stale`` for the caller to ``settle`` when typing pauses, and so is a
stretch with a syntax error in a document of up to ``SETTLE_BROKEN_LIMIT`` lines:
tree-sitter's error recovery over the whole file can read the rest of it differently (an
unclosed parenthesis), as a scan of the file would.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence

from countersign.core.aliases import (
    ALIAS_LANGUAGES,
    JS_LANGUAGES,
    file_aliases,
    import_lines,
    is_import_line,
)
from countersign.core.jsconstants import Site, sites
from countersign.core.rules import Rule, RuleSet
from countersign.core.structure import SQL, Hit, Shape, language_of, match_root, parse_root
from countersign.core.text import LineEdit, Text

LOCAL_LIMIT = 2_000
"""Most lines re-parsed on an edit (about 10 ms); past it the document is marked stale."""
SETTLE_BROKEN_LIMIT = 5_000
"""Largest document parsed whole (~25 ms) when typing pauses on a syntax error; a larger
one keeps the matches of the units around the edit until the error is fixed."""


def match_units(language: str, rules: Sequence[Rule], text: str,
                aliases: Mapping[str, str] | None = None) -> tuple[list[Hit], list[int], bool]:
    """Matches of ``rules`` in ``text``, the first lines of its top-level units, and
    whether the text has a syntax error (parsed alone, it may then differ from the file);
    ``aliases``: the Python import aliases of the whole file ``text`` is part of."""
    if language == SQL:
        from countersign.core.sqlmatch import match_sql_units

        return (*match_sql_units(text, rules)[:2], False)
    root = parse_root(language, text)
    top = root.children()
    if language == "hcl" and len(top) == 1 and top[0].kind() == "body":
        top = top[0].children()  # HCL wraps the file's blocks in one body
    return (match_root(root, rules, language, aliases), [c.range().start.line for c in top],
            root.find(kind="ERROR") is not None)


class Structures:
    """Per-line structural matches and top-level unit starts of one document."""

    def __init__(self, path: str, rules: RuleSet, text: Text) -> None:
        self.rules = rules.structural_for(path)
        self.language = language_of(path)
        self.shapes: list[tuple[Shape, ...]] = [()] * text.line_count
        self.starts: list[bool] = [False] * text.line_count
        self.stale = False
        self.lines_with_shapes = 0
        self.regions = 0
        self.reads_above = self.language == SQL and any(
            r.sql is not None and any(json.loads(r.sql).get(flag) for flag in
                                      ("skip_new_tables", "skip_rebuilds")) for r in self.rules)
        """A SQL rule's match depends on the tables created above the statement."""
        self.made: list[tuple[str, ...]] = [()] * text.line_count
        """Per line, the tables a statement starting there creates (``reads_above``)."""
        self.python = self.language in ALIAS_LANGUAGES
        """Whether the language's import aliases are resolved (Python, JavaScript, TypeScript)."""
        self.aliases: dict[str, str] = {}
        """The file's import aliases: a unit re-matched alone resolves them too."""
        self.imports: list[bool] = [False] * text.line_count
        """Per line, whether it starts a top-level import (an edit there re-reads them)."""
        self.sites: list[list[Site]] = (
            [sites(line) for line in text.text.split("\n")]
            if self.language in JS_LANGUAGES and self.rules else [])
        """JavaScript: per line, the places it binds a name; an edit that changes them
        re-reads the aliases, which hold the file's constants (``core/jsconstants.py``)."""
        if self.rules:
            self.settle(text, force=True)

    def settle(self, text: Text, force: bool = False) -> bool:
        """Re-match the whole document if an edit left it stale; whether it did."""
        if not self.rules or not (self.stale or force):
            return False
        self.stale = False
        if self.python:
            self._read_imports(text)
        self._rematch(text, 0, text.line_count - 1)
        return True

    def _read_imports(self, text: Text) -> bool:
        """Read the file's import aliases again; whether they changed."""
        assert self.language is not None
        self.imports = import_lines(text.text.split("\n"), self.language)
        kept = (s for line in self.sites for s in line) if self.sites else None
        before, self.aliases = self.aliases, file_aliases(text.text, self.language, kept)
        return before != self.aliases

    def splice(self, edit: LineEdit, text: Text) -> range:
        """Follow an edit; returns the lines whose matches may have changed."""
        stop = edit.first + edit.removed
        self._count(edit.first, stop, -1)
        self.shapes[edit.first:stop] = [()] * edit.added
        self.starts[edit.first:stop] = [False] * edit.added
        if any(self.made[edit.first:stop]):
            self.stale = True  # a CREATE TABLE went: statements below it may match now
        self.made[edit.first:stop] = [()] * edit.added
        if self.python:
            self._follow_imports(edit, text, stop)
        if not self.rules:
            return range(0)
        lo = self._unit_before(edit.first)
        hi = self._unit_end_after(edit.first + edit.added, lo + LOCAL_LIMIT)
        if hi is None:
            self.stale = True
            return range(edit.first, edit.first + edit.added)
        if self._rematch(text, lo, hi) and text.line_count <= SETTLE_BROKEN_LIMIT:
            self.stale = True  # error recovery may differ in the whole file: settle later
        return range(lo, hi + 1)

    def _follow_imports(self, edit: LineEdit, text: Text, stop: int) -> None:
        """An edit to an import line re-reads the aliases; when they change, every use in
        the file may match differently: the document is left to settle."""
        assert self.language is not None
        # a line inserted between two lines of one import (a name added to a multi-line
        # destructuring) touches it too
        touched = any(self.imports[max(edit.first - 1, 0):stop + (edit.removed == 0)])
        self.imports[edit.first:stop] = [False] * edit.added
        for n in range(edit.first, edit.first + edit.added):
            if is_import_line(text.line(n), self.language):
                self.imports[n] = touched = True
        if self.sites:
            new = [sites(text.line(n)) for n in range(edit.first, edit.first + edit.added)]
            old, self.sites[edit.first:stop] = self.sites[edit.first:stop], new
            touched |= Counter(s for line in old for s in line) != Counter(
                s for line in new for s in line)
        if touched and self._read_imports(text) and self.rules:
            self.stale = True

    def _unit_before(self, line: int) -> int:
        """The start of the unit before ``line`` (0 when there is none)."""
        starts = self.starts
        for n in range(min(line, len(starts)) - 1, -1, -1):
            if starts[n]:
                return n
        return 0

    def _unit_end_after(self, line: int, limit: int) -> int | None:
        """The last line of the unit that starts at or after ``line``; None past ``limit``."""
        starts, seen = self.starts, 0
        for n in range(line, len(starts)):
            if n > limit:
                return None
            if starts[n]:
                seen += 1
                if seen == 2:
                    return n - 1
        return len(starts) - 1 if len(starts) - 1 <= limit else None

    def _rematch(self, text: Text, lo: int, hi: int) -> bool:
        """Match lines ``[lo, hi]`` again; whether they have a syntax error."""
        assert self.language is not None
        hi = min(hi, text.line_count - 1)
        chunk = text.slice(text.line_range(lo)[0], text.line_range(hi)[1])
        if self.reads_above:
            hits, units, broken = self._match_sql(chunk, lo, hi)
        else:
            hits, units, broken = match_units(self.language, self.rules, chunk,
                                              self.aliases if self.python else None)
        self._count(lo, hi + 1, -1)
        self.shapes[lo:hi + 1] = [()] * (hi + 1 - lo)
        self.starts[lo:hi + 1] = [False] * (hi + 1 - lo)
        for line, shape in hits:
            if lo + line <= hi:
                self.shapes[lo + line] += (shape,)
        for line in units:
            if lo + line <= hi:
                self.starts[lo + line] = True
        self._count(lo, hi + 1, 1)
        return broken

    def _match_sql(self, chunk: str, lo: int, hi: int) -> tuple[list[Hit], list[int], bool]:
        """Match SQL lines ``[lo, hi]`` knowing the tables created above them; a change in
        the tables they create leaves the document stale (statements below may differ)."""
        from countersign.core.sqlmatch import match_sql_units

        above = {table for tables in self.made[:lo] for table in tables}
        hits, units, made, linked = match_sql_units(chunk, self.rules, above)
        if linked and (lo > 0 or hi < len(self.made) - 1):
            self.stale = True  # a table rebuild or a default change: judged with the file
        before = self.made[lo:hi + 1]
        self.made[lo:hi + 1] = [()] * (hi + 1 - lo)
        for line, table in made:
            if lo + line <= hi:
                self.made[lo + line] += (table,)
        if self.made[lo:hi + 1] != before and hi < len(self.made) - 1:
            self.stale = True
        return hits, units, False

    def _count(self, lo: int, hi: int, sign: int) -> None:
        for shapes in self.shapes[lo:hi]:
            if shapes:
                self.lines_with_shapes += sign
                self.regions += sign * sum(1 for s in shapes if s.label is not None)
