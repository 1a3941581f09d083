"""SQL rules judged on whole statements, parsed by sqlglot.

A line-at-a-time regex cannot see that ``DELETE FROM t`` has its ``WHERE`` on the next
line, or that ``ADD COLUMN ... NOT NULL`` has a ``DEFAULT``. A SQL rule names what a
statement is and what it must or must not contain, in sqlglot's expression names
(lower-cased class names: ``delete``, ``alter``, ``columndef``, ``notnullcolumnconstraint``)::

    sql.statement = ["delete"]     # the statement
    sql.missing = ["where"]        # arguments it (or the action) must lack
    sql.kind = ["table"]           # DROP TABLE, ALTER TABLE ... (the statement's kind)
    sql.action = ["columndef"]     # ALTER TABLE actions to judge instead of the statement
    sql.has = ["notnullcolumnconstraint"]      # expressions that must occur inside
    sql.not_has = ["defaultcolumnconstraint", "datatype:serial"]  # ... that must not
    sql.skip_new_tables = true     # not on a table this file created above it
    sql.skip_rebuilds = true       # not on the steps of a table rebuilt from a copy

A name may be ``key:value`` where the expression's ``this`` is an enumeration (a data
type): ``datatype:serial``, or where its ``kind`` is a word: ``drop:column`` (an ALTER
action dropping a column, not an index or a constraint). An explicit ``NULL`` column
constraint, which sqlglot reads as a ``notnullcolumnconstraint`` that allows null, is
known only as ``notnullcolumnconstraint:null``. A ``columndef`` whose default a later
``ALTER COLUMN ... DROP DEFAULT`` of the same text removes (and no ``SET DEFAULT`` after
it gives back) has no ``defaultcolumnconstraint`` (``ADD COLUMN c int DEFAULT 1 NOT NULL``
then ``DROP DEFAULT``: the column ends without one).

``skip_new_tables`` leaves out statements on a table that a
``CREATE TABLE`` (without ``IF NOT EXISTS``) earlier in the same text made: it has no rows
yet, so dropping, renaming or adding a NOT NULL column there loses nothing.
``skip_rebuilds`` leaves out the drop and the renames of a table rebuilt in the same text,
the way SQLite (and Django, Alembic's batch mode on it) emulates an ALTER: its rows are
copied by ``INSERT INTO new SELECT ... FROM old`` into a table this text creates, the old
table is dropped and the copy ends with the old name (``RENAME t TO t__old; CREATE TABLE t;
INSERT INTO t SELECT ... FROM t__old; DROP TABLE t__old``, or ``CREATE TABLE new__t; INSERT
INTO new__t SELECT ... FROM t; DROP TABLE t; RENAME new__t TO t``). Nothing is lost and no
name changes; a drop without the copy, or a copy left under another name, still matches.

The text is cut into statements at the tokenizer's semicolons and each is parsed on its
own, so one statement sqlglot cannot read (a dialect extension, a psql ``\\connect``) costs
only itself.
"""

from __future__ import annotations

import bisect
import enum
import functools
import json
import re
from collections.abc import Collection, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from countersign.core.lines import line_starts, split_lines
from countersign.core.structure import Hit, Shape, StructureError

if TYPE_CHECKING:
    from countersign.core.rules import Rule

KEYS = ("statement", "kind", "missing", "action", "has", "not_has", "skip_new_tables",
        "skip_rebuilds")
_FLAGS = ("skip_new_tables", "skip_rebuilds")
_NAME = re.compile(r"^[a-z][a-z0-9_]*(:[a-z0-9_]+)?$")
_META = re.compile(r"^[ \t]*\\.*$", re.MULTILINE)
_STATEMENT_WORDS = {"ALTER", "CREATE", "DELETE", "DROP", "GRANT", "INSERT", "MERGE", "RENAME",
                    "REVOKE", "SELECT", "TRUNCATE", "UPDATE", "WITH"}
DIALECTS = (None, "postgres", "mysql", "tsql")
"""Tried in order until one reads the statement (sqlglot's generic dialect first)."""


def check_sql(value: Any, key: str = "sql") -> dict[str, Any]:
    """The SQL matcher of a rule, normalised; ``StructureError`` names a wrong key."""
    if not isinstance(value, dict):
        raise StructureError(key, "expected a table with statement (and kind, missing, "
                                  "action, has, not_has, skip_new_tables, skip_rebuilds)")
    out: dict[str, Any] = {}
    for name, item in value.items():
        where = f"{key}.{name}"
        if name not in KEYS:
            raise StructureError(where, f"unknown key (allowed: {', '.join(KEYS)})")
        if name in _FLAGS:
            if not isinstance(item, bool):
                raise StructureError(where, "expected true or false")
            out[name] = item
            continue
        names = [item] if isinstance(item, str) else item
        if not isinstance(names, list) or not names or not all(
                isinstance(n, str) and _NAME.match(n.lower()) for n in names):
            raise StructureError(where, "expected a non-empty list of sqlglot names "
                                        "(lower-case, like 'delete' or 'columndef')")
        out[name] = [n.lower() for n in names]
    if "statement" not in out:
        raise StructureError(f"{key}.statement", "missing required field")
    return out


def unknown_names(matcher: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, name) of expression names sqlglot does not have (``rules test`` reports them;
    the loader does not import sqlglot, which costs the commit hook ~60 ms)."""
    known = _expression_keys()
    return [(f"sql.{key}", name) for key in ("statement", "action", "has", "not_has")
            for name in matcher.get(key, []) if name.split(":")[0] not in known]


@functools.lru_cache(maxsize=1)
def _expression_keys() -> frozenset[str]:
    from sqlglot import exp

    return frozenset(c.key for c in vars(exp).values()
                     if isinstance(c, type) and issubclass(c, exp.Expression))


def statements(text: str) -> Iterator[tuple[int, int, Any]]:
    """``(first line, last line, parsed statement)`` for each statement sqlglot reads."""
    from sqlglot import Tokenizer, TokenType
    from sqlglot.errors import SqlglotError

    clean = _META.sub(lambda m: " " * len(m.group(0)), text)  # psql meta-commands
    try:
        tokens = Tokenizer().tokenize(clean)
    except SqlglotError:
        return
    starts = line_starts(text)
    group: list[Any] = []
    for token in [*tokens, None]:
        if token is not None and token.token_type != TokenType.SEMICOLON:
            group.append(token)
            continue
        for lo, hi, parsed in _pieces(group, clean):
            yield (bisect.bisect_right(starts, lo) - 1, bisect.bisect_right(starts, hi - 1) - 1,
                   parsed)
        group = []


def _pieces(group: list[Any], text: str) -> Iterator[tuple[int, int, Any]]:
    """``(start, end, parsed)`` of the statement, or when it does not parse (a missing
    semicolon after something sqlglot cannot read) of its pieces, cut before each line
    that starts with a statement keyword."""
    if not group:
        return
    whole = _parse(text[group[0].start:group[-1].end + 1])
    if whole is not None:
        yield group[0].start, group[-1].end + 1, whole
        return
    pieces: list[list[Any]] = [[]]
    previous_line = -1
    for token in group:
        starts_line = token.line != previous_line
        previous_line = token.line
        if starts_line and pieces[-1] and token.text.upper() in _STATEMENT_WORDS:
            pieces.append([])
        pieces[-1].append(token)
    for piece in pieces if len(pieces) > 1 else ():
        parsed = _parse(text[piece[0].start:piece[-1].end + 1])
        if parsed is not None:
            yield piece[0].start, piece[-1].end + 1, parsed


@functools.lru_cache(maxsize=4096)
def _parse(sql: str) -> Any:
    """The statement parsed by the first dialect that reads it (cached: verify reads the
    same statements of a file at every commit that touches it; the trees are only read)."""
    import logging  # ~3 ms with traceback: only when SQL is parsed

    import sqlglot
    from sqlglot.errors import ErrorLevel, SqlglotError

    # "falling back to parsing as a Command" is the next dialect's cue here, not news
    logging.getLogger("sqlglot").setLevel(logging.ERROR)

    for dialect in DIALECTS:
        try:
            parsed = sqlglot.parse_one(sql, read=dialect, error_level=ErrorLevel.RAISE)
        except (SqlglotError, ValueError, RecursionError):
            continue
        if parsed is not None and parsed.key != "command":
            return parsed
    return None


def _targets(statement: Any, m: dict[str, Any], created: set[str],
             rebuilt: bool = False) -> Iterable[Any]:
    if statement.key not in m["statement"] or (rebuilt and m.get("skip_rebuilds")):
        return []
    if m.get("skip_new_tables") and _table(statement) in created:
        return []
    kind = str(statement.args.get("kind") or "").lower()
    if "kind" in m and kind not in m["kind"]:
        return []
    targets = [statement]
    if "action" in m:
        targets = [a for a in statement.args.get("actions") or []
                   if any(label in m["action"] for label in _labels(a))]
    return [t for t in targets if not any(t.args.get(arg) for arg in m.get("missing", []))]


def _fits(node: Any, m: dict[str, Any], undefaulted: Collection[tuple[str | None, str]] = (),
          table: str | None = None) -> bool:
    inside = {label for n in node.walk() for label in _labels(n)}
    if node.key == "columndef" and (table, node.name.lower()) in undefaulted:
        inside.discard("defaultcolumnconstraint")
    return all(k in inside for k in m.get("has", [])) and \
        not any(k in inside for k in m.get("not_has", []))


def _labels(node: Any) -> tuple[str, ...]:
    """The names a matcher knows ``node`` by: its key, and ``key:value`` when its ``this``
    is an enumeration (``datatype:serial``; a type the dialect does not know by its name) or
    its ``kind`` a word (``drop:column``); an explicit ``NULL`` constraint only by
    ``notnullcolumnconstraint:null``."""
    if node.key == "notnullcolumnconstraint" and node.args.get("allow_null"):
        return ("notnullcolumnconstraint:null",)
    kind = node.args.get("kind")
    if isinstance(kind, str):
        return (node.key, f"{node.key}:{kind.lower().replace(' ', '_')}")
    if not isinstance(node.this, enum.Enum):
        return (node.key,)
    value = node.this.name
    if value == "USERDEFINED" and isinstance(node.args.get("kind"), str):
        value = node.args["kind"]
    return (node.key, f"{node.key}:{value.lower()}")


def _table(statement: Any) -> str | None:
    """The (first) table a statement is about, as ``schema.name`` in lower case."""
    from sqlglot import exp

    table = statement.find(exp.Table)
    return f"{table.db}.{table.name}".lower() if table is not None else None


def _creates(statement: Any) -> str | None:
    """The table a ``CREATE TABLE`` (not ``IF NOT EXISTS``) statement makes."""
    if statement.key != "create" or str(statement.args.get("kind") or "").upper() != "TABLE" \
            or statement.args.get("exists"):
        return None
    return _table(statement)


def _name(table: Any) -> str:
    return f"{table.db}.{table.name}".lower()


def _renamed(statement: Any) -> tuple[str, str] | None:
    """``(old, new)`` of an ``ALTER TABLE old RENAME TO new``."""
    actions = statement.args.get("actions") or [] if statement.key == "alter" else []
    if len(actions) != 1 or actions[0].key != "alterrename" or statement.this is None:
        return None
    return _name(statement.this), _name(actions[0].this)


def _copied(statement: Any) -> tuple[str, str] | None:
    """``(into, from)`` of an ``INSERT INTO into ... SELECT ... FROM from`` of one table."""
    from sqlglot import exp

    if statement.key != "insert" or not isinstance(statement.expression, exp.Select):
        return None
    into = statement.this.this if isinstance(statement.this, exp.Schema) else statement.this
    sources = {_name(t) for t in statement.expression.find_all(exp.Table)}
    if not isinstance(into, exp.Table) or len(sources) != 1:
        return None
    return _name(into), sources.pop()


def _rebuild_steps(trees: list[Any]) -> set[int]:
    """Indices of the drop and renames of each table rebuilt from a copy of itself (see the
    module's docstring): the copy goes into a table the text creates, and ends with the
    name the old table had."""
    made = {(i, _creates(t)) for i, t in enumerate(trees)}
    drops = {(i, _table(t)) for i, t in enumerate(trees)
             if t.key == "drop" and str(t.args.get("kind") or "").upper() == "TABLE"}
    renames = [(i, pair) for i, t in enumerate(trees) if (pair := _renamed(t)) is not None]
    steps: set[int] = set()
    for c, (into, source) in ((i, pair) for i, t in enumerate(trees)
                              if (pair := _copied(t)) is not None):
        if not any(i < c and name == into for i, name in made):
            continue
        dropped = [i for i, name in drops if i > c and name == source]
        if not dropped:
            continue
        # RENAME t TO t__old; CREATE TABLE t; INSERT INTO t ... FROM t__old; DROP t__old
        before = [i for i, (old, new) in renames if i < c and (old, new) == (into, source)]
        # CREATE TABLE new__t; INSERT INTO new__t ... FROM t; DROP t; RENAME new__t TO t
        after = [i for i, (old, new) in renames if i > dropped[0] and (old, new) == (into, source)]
        if before or after:
            steps.update(dropped[:1], before[-1:], after[:1])
    return steps


def _defaults_dropped(trees: list[Any]) -> set[tuple[str | None, str]]:
    """``(table, column)`` of each column whose last default change in the text is an
    ``ALTER COLUMN ... DROP DEFAULT`` (a ``SET DEFAULT`` after it gives one back)."""
    out: set[tuple[str | None, str]] = set()
    for tree in trees:
        for action in tree.args.get("actions") or [] if tree.key == "alter" else []:
            if action.key != "altercolumn":
                continue
            column = (_table(tree), action.name.lower())
            if action.args.get("drop") and action.args.get("allow_null") is None:
                out.add(column)
            elif action.args.get("default") is not None:
                out.discard(column)
    return out


def linked(trees: Iterable[Any]) -> bool:
    """Whether a statement's verdict may hang on statements elsewhere in the file, besides
    the tables created above it: a step of a table rebuild (a table dropped or renamed, rows
    copied) or a column default set, dropped or given (a part of a file re-matched alone
    must then be re-matched with the whole file)."""
    from sqlglot import exp

    def defaults(tree: Any) -> bool:
        return tree.key == "alter" and any(
            isinstance(a, exp.AlterColumn) or a.find(exp.DefaultColumnConstraint)
            for a in tree.args.get("actions") or [])

    return any(t.key in ("drop", "insert") or _renamed(t) is not None or defaults(t)
               for t in trees)


def match_sql(text: str, rules: Iterable[Rule]) -> list[Hit]:
    """Every statement (or ALTER action) of ``text`` that a SQL rule matches."""
    return match_sql_units(text, rules)[0]


def match_sql_units(
    text: str, rules: Iterable[Rule], above: Collection[str] = ()
) -> tuple[list[Hit], list[int], list[tuple[int, str]], bool]:
    """The matches, the first line of every statement read (the units of the file), the
    tables the text creates (first line, ``schema.name``), and whether a match may hang on
    statements outside the text (``linked``); ``above``: tables created before the text
    (it is part of a file)."""
    rules = list(rules)
    matchers = [(rule, json.loads(rule.sql)) for rule in rules if rule.sql is not None]
    lines = split_lines(text)
    hits: list[Hit] = []
    units: list[int] = []
    read = bytearray(len(lines))
    created: set[str] = set(above)
    made: list[tuple[int, str]] = []
    parsed = list(statements(text)) if matchers else []
    trees = [statement for _, _, statement in parsed]
    rebuilt, undefaulted = _rebuild_steps(trees), _defaults_dropped(trees)
    for index, (first, last, statement) in enumerate(parsed):
        units.append(first)
        read[first:last + 1] = b"\1" * (last + 1 - first)
        line = lines[first]
        start = len(line) - len(line.lstrip())
        for rule, matcher in matchers:
            if any(_fits(node, matcher, undefaulted, _table(statement))
                   for node in _targets(statement, matcher, created, index in rebuilt)):
                hits.append((first, Shape(rule, start, len(line), last - first)))
        new = _creates(statement)
        if new is not None:
            created.add(new)
            made.append((first, new))
    unread = [n for n in _code_lines(text) if n < len(read) and not read[n]] if matchers else []
    units += unread
    hits += _regex_fallback(lines, unread, rules)
    return sorted(hits, key=lambda hit: hit[0]), sorted(units), made, linked(trees)


def _code_lines(text: str) -> list[int]:
    """0-based lines that hold SQL tokens (not only comments or blanks)."""
    from sqlglot import Tokenizer
    from sqlglot.errors import SqlglotError

    clean = _META.sub(lambda m: " " * len(m.group(0)), text)
    try:
        tokens = Tokenizer().tokenize(clean)
    except SqlglotError:  # not even tokens: every non-blank line is unread
        return [n for n, line in enumerate(split_lines(text)) if line.strip()]
    return sorted({t.line - 1 for t in tokens})


def _regex_fallback(lines: list[str], unread: list[int], rules: list[Rule]) -> list[Hit]:
    """Lines no dialect reads as SQL (a typo, an unknown dialect, text around a statement)
    are judged by each rule's regex, one line at a time: what the gate cannot parse must
    not pass unseen."""
    hits: list[Hit] = []
    for rule in rules:
        if rule.regex is None:
            continue
        found, excluded = _compiled(rule.regex), _compiled(rule.not_regex)
        for n in unread:
            match = found.search(lines[n])
            if match is not None and not (excluded and excluded.search(lines[n])):
                hits.append((n, Shape(rule, match.start(), match.end(), 0)))
    return hits


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str | None) -> Any:
    import re2

    return None if pattern is None else re2.compile(pattern)
