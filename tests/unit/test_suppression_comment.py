"""The suppression comment the code action inserts, and what a reason-less one means."""

from __future__ import annotations

import pytest

from countersign.core.comments import ignores, suppression_comment
from countersign.core.config import Config, build_ruleset
from countersign.core.diagnostics import problems
from countersign.core.origin import Origin
from countersign.core.rules import parse_suppression

RULES = {r.id: r for r in build_ruleset(Config())[0].rules}
DROP = "cursor.execute('DROP TABLE users')"


@pytest.mark.parametrize(("language", "path", "expected"), [
    ("python", "a.py", "  # countersign: ignore[DAT002]"),
    ("sql", "a.sql", "  -- countersign: ignore[DAT002]"),
    (None, "page.html", "  <!-- countersign: ignore[DAT002] -->"),
])
def test_comment_has_no_made_up_reason(language: str | None, path: str, expected: str) -> None:
    comment = suppression_comment("DAT002", language, path)
    assert comment == expected
    assert parse_suppression(DROP + comment, RULES["DAT002"]) is None  # critical: no reason
    assert parse_suppression(DROP + suppression_comment("DAT002", language, path, "fixture"),
                             RULES["DAT002"]) is not None


def test_ignores_names_the_rule_or_all() -> None:
    assert ignores("x  # countersign: ignore[dat002, SEC001]", "DAT002")
    assert ignores("x  # countersign: ignore[ALL] because", "SEC001")
    assert not ignores("x  # countersign: ignore[SEC001] reason", "DAT002")
    assert not ignores("x = 1", "DAT002")


def test_a_finding_under_a_reasonless_comment_says_the_reason_is_missing() -> None:
    line = DROP + suppression_comment("DAT002", "python", "a.py")
    findings = build_ruleset(Config())[0].scan_text("a.py", line + "\n", {0: Origin("inline", "x")})
    [problem] = [p for p in problems(findings, Config(), "{id}", lambda n: line)
                 if p.rule_id == "DAT002"]
    assert "does not count without a reason" in problem.message
    [plain] = [p for p in problems(findings, Config(), "{id}") if p.rule_id == "DAT002"]
    assert "does not count" not in plain.message  # without the line text: no claim
