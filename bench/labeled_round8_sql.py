"""Labeled Rails migrations of the eighth round (``labeled_round8.py``): held out.

ankane/strong_migrations (MIT) checks Active Record migrations for operations that are
unsafe to deploy. Its tests (``test/<check>_test.rb``) run a migration class of
``test/migrations/<check>.rb`` and assert ``assert_unsafe Class`` (bad) or ``assert_safe
Class`` (good). Each migration class is one case (``class ... < TestMigration`` to its
``end``), labeled by a test whose body is that one assertion (``skip`` lines for other
databases allowed); a class asserted both ways, or under an ``if`` / a changed setting, is
left out.

Which operations map to which countersign rule was decided from the operations' names and
countersign's rule titles, before countersign ran on any of these cases:

- ``remove_column(s)``, ``remove_timestamps``, ``remove_reference`` / ``remove_belongs_to``
  -> DAT003; ``drop_table`` -> DAT002; ``rename_column``, ``rename_table`` and
  ``change_column`` (a type change) -> DAT010; ``add_column ... null: false`` without a
  ``default:`` -> DAT012. A bad class holding none of them (indexes, foreign keys, locks,
  volatile defaults, ``execute``) is outside every rule: left out.
- A bad class's rules are read from its ``change`` / ``up`` (not from ``down``, which undoes
  them). A good class is good for all four rules, unless it holds one of those operations (a
  ``safety_assured`` block, or a change strong_migrations deems cheap, such as ``varchar`` to
  ``text``: still inside the rule's definition): left out.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

from labeled_cases import Case, Repo

STRONG_MIGRATIONS = Repo("ankane/strong_migrations", "MIT")
AREA = "sql-migrations"
MIGRATION = "db/migrate/20260101000000_change.rb"
ALL = ("DAT002", "DAT003", "DAT010", "DAT012")
OPERATIONS = (
    (r"\bremove_(columns?|timestamps|reference|belongs_to)\b", "DAT003"),
    (r"\bdrop_table\b", "DAT002"),
    (r"\b(rename_column|rename_table)\b|\bchange_column\s+:", "DAT010"),
)
ADD_NOT_NULL = re.compile(r"^\s*add_column\b(?=.*\bnull:\s*false)(?!.*\bdefault:).*$", re.M)
TEST = re.compile(r"^  def (test_\w+)\n(.*?)\n  end$", re.M | re.S)
ASSERTION = re.compile(r"^\s*assert_(safe|unsafe) (\w+)\b")
DOWN = re.compile(r"^  def down\n.*?^  end$", re.M | re.S)
"""A bad case's rules come from what it does (``change`` / ``up``), not from its ``down``
(which undoes it: ``remove_column`` of a column ``up`` added)."""
MIGRATION_CLASS = re.compile(r"^class (\w+) < TestMigration\b.*?^end$", re.M | re.S)


def strong_migrations(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    repo = STRONG_MIGRATIONS.open(mirror)
    for test in repo.files("test"):
        name = Path(test).name
        if not name.endswith("_test.rb"):
            continue
        migrations = f"test/migrations/{name.removesuffix('_test.rb')}.rb"
        if not repo.exists(migrations):
            continue
        classes = {m.group(1): m.group(0) for m in MIGRATION_CLASS.finditer(repo.show(migrations))}
        group = f"strong-migrations:{name.removesuffix('_test.rb')}"
        for cls, label in _verdicts(repo.show(test)).items():
            code = classes.get(cls)
            if code is None:
                continue
            rules = _rules(DOWN.sub("", code) if label == "bad" else code)
            if (label == "bad" and rules) or (label == "good" and not rules):
                yield Case(AREA, rules or ALL, MIGRATION, code, label, STRONG_MIGRATIONS,
                           f"{migrations} ({test})", group)


def _verdicts(text: str) -> dict[str, str]:
    """Class -> "bad" / "good" from single-assertion tests; classes asserted both ways are
    left out."""
    found: dict[str, set[str]] = {}
    for test in TEST.finditer(text):
        lines = [line for line in test.group(2).splitlines()
                 if line.strip() and not line.strip().startswith("skip")]
        assertion = ASSERTION.match(lines[0]) if len(lines) == 1 else None
        if assertion is not None:
            label = "bad" if assertion.group(1) == "unsafe" else "good"
            found.setdefault(assertion.group(2), set()).add(label)
    return {cls: next(iter(labels)) for cls, labels in found.items() if len(labels) == 1}


def _rules(code: str) -> tuple[str, ...]:
    """The countersign rules whose operations the migration holds."""
    rules = [rule for pattern, rule in OPERATIONS if re.search(pattern, code)]
    if ADD_NOT_NULL.search(code):
        rules.append("DAT012")
    return tuple(sorted(set(rules)))


SOURCES = {"strong-migrations": strong_migrations}
