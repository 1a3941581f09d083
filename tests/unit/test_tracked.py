"""A tracked document: late AI reports land on the right text; edits re-match little."""

from __future__ import annotations

from countersign.core.config import Config, build_ruleset
from countersign.core.origin import Origin
from countersign.core.tracked import AiReport, TrackedDocument

AI = Origin("inline", "copilot")
RULES, _ = build_ruleset(Config())
DROP = "cursor.execute('DROP TABLE users')"


def test_late_ai_report_lands_after_human_typing_and_findings_match_a_full_scan() -> None:
    doc = TrackedDocument("app/db.py", "import db\n", 1, RULES)
    doc.advance(2)
    doc.change(10, 10, DROP + "\n")
    doc.advance(3)
    doc.change(0, 0, "# hi\n")
    report = AiReport(2, (((1, 0), (1, len(DROP))),), AI, "utf-16")
    doc.set_origin(doc.pieces_of(report) or [], AI)
    assert doc.ai_lines() == {2: AI}
    assert doc.findings() == RULES.scan_text("app/db.py", doc.text.text, doc.ai_lines())
    assert [f.rule.id for f in doc.findings()] == ["DAT002"]


class CountingRules:
    """A real rule set that counts the lines it is asked to match."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def match_line(self, path: str, text: str) -> list:
        self.lines.append(text)
        return RULES.match_line(path, text)

    def for_path(self, path: str) -> tuple:
        return RULES.for_path(path)

    def structural_for(self, path: str) -> tuple:
        return RULES.structural_for(path)


def test_only_changed_lines_are_matched_again() -> None:
    rules = CountingRules()
    doc = TrackedDocument("a.py", "".join(f"line {i}\n" for i in range(1000)), 1,
                          rules)  # type: ignore[arg-type]
    rules.lines.clear()
    doc.change(doc.text.starts[500], doc.text.starts[500], "x")
    assert len(rules.lines) <= 4 and "xline 500" in rules.lines
