"""SQL judged across statements: a table rebuilt from a copy of itself (SQLite's ALTER
emulation) is neither dropped nor renamed, a default dropped after a NOT NULL column was
added leaves it without one, and what a statement drops is told by its kind."""

from __future__ import annotations

import pytest

from countersign.core.config import Config, build_ruleset
from countersign.core.origin import Origin
from countersign.core.sqlmatch import check_sql, unknown_names
from countersign.core.tracked import TrackedDocument

AI = Origin("inline", "copilot")
RULES, _ = build_ruleset(Config())
IDS = {"DAT002", "DAT003", "DAT010", "DAT012"}

ASIDE = """\
ALTER TABLE "orders" RENAME TO "orders__old";
CREATE TABLE "orders" ("id" integer NOT NULL PRIMARY KEY, "note" text NULL);
INSERT INTO "orders" ("id", "note") SELECT "id", "note" FROM "orders__old";
DROP TABLE "orders__old";
"""
COPY = """\
CREATE TABLE "new__orders" ("id" integer NOT NULL PRIMARY KEY, "note" text NULL);
INSERT INTO "new__orders" ("id", "note") SELECT "id", "note" FROM "orders";
DROP TABLE "orders";
ALTER TABLE "new__orders" RENAME TO "orders";
"""


def _found(text: str) -> list[tuple[str, int]]:
    """(rule, 0-based line) of the findings of the DAT rules this file is about."""
    return [(f.rule.id, f.line) for f in RULES.scan_text("db/0007.sql", text) if f.rule.id in IDS]


@pytest.mark.parametrize("text", [ASIDE, COPY])
def test_a_table_rebuilt_from_a_copy_of_itself_is_neither_dropped_nor_renamed(text: str) -> None:
    assert _found(text) == []


def test_a_rebuild_without_its_copy_or_its_name_is_a_drop_and_a_rename() -> None:
    no_copy = ASIDE.replace(ASIDE.splitlines()[2] + "\n", "")
    assert _found(no_copy) == [("DAT010", 0), ("DAT002", 2)]
    # the renamed copy is a table this file created: its rename alone loses nothing
    elsewhere = COPY.replace('RENAME TO "orders"', 'RENAME TO "orders_v2"')
    assert _found(elsewhere) == [("DAT002", 2)]
    other_source = COPY.replace('FROM "orders"', 'FROM "archive"')
    assert _found(other_source) == [("DAT002", 2)]


def test_a_default_dropped_after_the_column_was_added_not_null_leaves_it_without_one() -> None:
    add = "ALTER TABLE t ADD COLUMN c integer DEFAULT 1 NOT NULL;\n"
    drop = "ALTER TABLE t ALTER COLUMN c DROP DEFAULT;\n"
    assert _found(add) == [] and _found(add + drop) == [("DAT012", 0)]
    assert _found(add + drop + "ALTER TABLE t ALTER COLUMN c SET DEFAULT 2;\n") == []
    assert _found(add + drop.replace(" c ", " d ")) == []


@pytest.mark.parametrize(("action", "ids"), [
    ("DROP COLUMN email", ["DAT003"]),
    ("DROP INDEX users_email", []),
    ("DROP CONSTRAINT users_email_uniq", []),
    ("DROP FOREIGN KEY users_org_fk", []),
    ("ADD COLUMN email varchar(254) NULL", []),
    ("ADD COLUMN email varchar(254) NOT NULL", ["DAT012"]),
])
def test_what_an_alter_drops_or_adds_is_told_by_its_kind(action: str, ids: list[str]) -> None:
    assert [i for i, _ in _found(f"ALTER TABLE users {action};\n")] == ids


def test_the_editor_judges_a_rebuild_with_the_whole_file() -> None:
    text = COPY + "".join(f"SELECT {i};\n" for i in range(30))
    doc = TrackedDocument("db/0007.sql", text, 1, RULES)
    doc.set_origin([(0, len(text))], AI)
    start, end = doc.text.line_range(2)
    doc.change(start, end, 'DROP TABLE  "orders"', AI)  # the drop re-matched alone
    assert doc.structures.stale
    assert [f for f in doc.findings() if f.rule.id in IDS] == []
    start, end = doc.text.line_range(1)
    doc.change(start, end + 1, "", AI)  # the copy goes: the drop is real
    assert [(f.rule.id, f.line) for f in doc.findings() if f.rule.id in IDS] == [("DAT002", 1)]
    assert sorted((f.rule.id, f.line) for f in doc.findings()) == sorted(
        (f.rule.id, f.line) for f in RULES.scan_text(doc.path, doc.text.text, doc.ai_lines()))


def test_skip_rebuilds_is_a_boolean_and_a_kind_may_qualify_an_action() -> None:
    matcher = check_sql({"statement": "alter", "action": "drop:column", "skip_rebuilds": True})
    assert matcher["action"] == ["drop:column"] and unknown_names(matcher) == []
    with pytest.raises(Exception, match="expected true or false"):
        check_sql({"statement": "drop", "skip_rebuilds": "yes"})
