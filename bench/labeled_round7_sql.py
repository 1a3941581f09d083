"""Labeled SQL migration cases of the seventh round (see ``labeled_cases.py``): held out.

3YOURMIND/django-migration-linter (Apache-2.0) checks the SQL a Django migration runs for
backward-incompatible changes. Its ``tests/unit/test_sql_analyser.py`` gives, per database
(MySQL, SQLite, PostgreSQL), SQL with the verdict its analyser must reach:
``assertValidSql`` (good) or ``assertBackwardIncompatibleSql`` (bad). Each ``sql = ...``
followed by an assertion is one case; the statements of a list are one migration, one per
line.

Which of its checks map to which countersign rule was decided from the checks' names and
the analyser's code (``sql_analyser/base.py``) and countersign's rule titles, before
countersign ran on any of these cases:

- ``DROP_TABLE`` -> DAT002, ``DROP_COLUMN`` -> DAT003, ``RENAME_TABLE``, ``RENAME_COLUMN``
  and ``ALTER_COLUMN`` (a ``TYPE`` change) -> DAT010, ``NOT_NULL`` -> DAT012;
- a bad case's check is read from its test's name (the assertion names a code only for
  ``ADD_UNIQUE``): ``not_null`` -> ``NOT_NULL``, ``rename`` -> a rename, ``alter_column`` ->
  ``ALTER_COLUMN``, ``drop_column`` / ``drop_table`` likewise;
- ``NOT_NULL`` also fires when an *existing* column is made NOT NULL (``MODIFY col ... NOT
  NULL``, ``SET NOT NULL``): DAT012 is about a column *added* NOT NULL, so a bad ``NOT_NULL``
  case is kept only when its SQL adds a column (``ADD COLUMN``);
- ``ADD_UNIQUE`` and the index warnings (``assertWarningSql``) are outside every rule: left
  out;
- a good case is good for all four rules of the mapping (the analyser found none of their
  checks in it), except MySQL's ``MODIFY col <definition>``: it restates a column's whole
  definition (its type included), which DAT010 covers, and the analyser's ``ALTER_COLUMN``
  check does not read it (it looks for ``ALTER COLUMN ... TYPE``): such good cases are left
  out.
"""

from __future__ import annotations

import argparse
import ast
import re
from collections.abc import Iterator
from pathlib import Path

from labeled_cases import Case, Repo

DJANGO_LINTER = Repo("3YOURMIND/django-migration-linter", "Apache-2.0")
TESTS = "tests/unit/test_sql_analyser.py"
AREA = "sql-migrations"
MIGRATION = "db/migrations/0001.sql"
ALL = ("DAT002", "DAT003", "DAT010", "DAT012")
BY_NAME = (("not_null", ("DAT012",)), ("rename", ("DAT010",)), ("alter_column", ("DAT010",)),
           ("drop_column", ("DAT003",)), ("drop_table", ("DAT002",)))


def django_migration_linter(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = DJANGO_LINTER.open(mirror)
    tree = ast.parse(repo.show(TESTS))
    for cls in tree.body:
        if not isinstance(cls, ast.ClassDef):
            continue
        vendor = _vendor(cls)
        if vendor is None:
            continue
        for method in cls.body:
            if isinstance(method, ast.FunctionDef) and method.name.startswith("test_"):
                for index, (sql, verdict) in enumerate(_assertions(method)):
                    case = _case(vendor, method.name, index, sql, verdict, repo)
                    if case is not None:
                        yield case


def _vendor(cls: ast.ClassDef) -> str | None:
    for node in cls.body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                and any(isinstance(t, ast.Name) and t.id == "database_vendor"
                        for t in node.targets)):
            return str(node.value.value)
    return None


def _assertions(method: ast.FunctionDef) -> Iterator[tuple[str, str]]:
    """(the SQL, the assertion's name) for each assertion on the last ``sql = ...``."""
    sql: str | None = None
    for statement in method.body:
        if (isinstance(statement, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "sql" for t in statement.targets)):
            value = ast.literal_eval(statement.value)
            sql = value if isinstance(value, str) else "\n".join(value)
        elif (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)
              and isinstance(statement.value.func, ast.Attribute) and sql is not None):
            call, name = statement.value, statement.value.func.attr
            if call.args and isinstance(call.args[0], ast.Name) and call.args[0].id == "sql":
                code = (ast.literal_eval(call.args[1]) if len(call.args) > 1 else None)
                yield sql, name + (f":{code}" if code else "")


def _case(vendor: str, test: str, index: int, sql: str, verdict: str,
          repo: Repo) -> Case | None:
    group = f"django-migration-linter:{vendor}:{test}"
    source = f"{TESTS} ({vendor}, {test} #{index + 1})"
    if verdict == "assertValidSql":
        if re.search(r"(?i)\bmodify\b", sql):
            return None  # a column's definition restated: DAT010's, unread by the analyser
        return Case(AREA, ALL, MIGRATION, sql, "good", repo, source, group)
    if verdict != "assertBackwardIncompatibleSql":
        return None  # warnings and ADD_UNIQUE: outside every rule
    rules = next((ids for key, ids in BY_NAME if key in test), None)
    if rules is None:
        return None
    if rules == ("DAT012",) and not re.search(r"(?i)\badd\s+column\b", sql):
        return None  # an existing column made NOT NULL: outside DAT012
    return Case(AREA, rules, MIGRATION, sql, "bad", repo, source, group)


SOURCES = {"django-migration-linter": django_migration_linter}
