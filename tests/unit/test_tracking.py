"""Core of the language server: text edits, edit log, tracked documents, settings."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from countersign.core.config import Config, build_ruleset
from countersign.core.diagnostics import Summary, lens_title
from countersign.core.edit_log import Edit, EditLog, map_piece, minimal_edit
from countersign.core.lines import line_starts
from countersign.core.origin import Origin
from countersign.core.positions import column_to_index, index_to_column, unit_length
from countersign.core.text import Text
from countersign.core.tiers import Tier
from countersign.core.tracked import AiReport, TrackedDocument
from countersign.lsp.settings import HeuristicSettings, parse_settings

ALPHABET = st.sampled_from(list("ab \n\r😀漢"))
AI = Origin("inline", "copilot")
RULES, _ = build_ruleset(Config())
DROP = "cursor.execute('DROP TABLE users')"


@given(st.text(ALPHABET, max_size=30),
       st.lists(st.tuples(st.integers(0, 40), st.integers(0, 5), st.text(ALPHABET, max_size=6)),
                max_size=12))
def test_line_starts_stay_right_through_edits(text: str, edits: list) -> None:
    doc = Text(text)
    for at, length, new in edits:
        start = min(at, len(doc))
        end = min(start + length, len(doc))
        doc.replace(start, end, new)
        assert doc.starts == line_starts(doc.text)


@given(st.text(ALPHABET, max_size=20), st.integers(0, 25))
def test_columns_round_trip_in_every_encoding(line: str, index: int) -> None:
    line = line.replace("\n", "").replace("\r", "")
    index = min(index, len(line))
    for enc in ("utf-8", "utf-16", "utf-32"):
        column = index_to_column(line, index, enc)  # type: ignore[arg-type]
        assert column_to_index(line, column, enc) == index  # type: ignore[arg-type]
    assert unit_length("😀", "utf-16") == 2 and unit_length("漢", "utf-8") == 3


@given(st.text(ALPHABET, max_size=30), st.text(ALPHABET, max_size=30))
def test_minimal_edit_turns_old_into_new(old: str, new: str) -> None:
    start, end, inserted = minimal_edit(old, new)
    assert old[:start] + inserted + old[end:] == new


@given(st.text("abc", min_size=1, max_size=20),
       st.lists(st.tuples(st.integers(0, 25), st.integers(0, 4), st.text("xy", max_size=4)),
                max_size=8))
def test_edit_log_rebuilds_old_text_and_follows_characters(text: str, edits: list) -> None:
    """Tag every character of version 1 with its index; survivors map where the log says."""
    log = EditLog(1)
    current = list(range(len(text)))  # character identities
    body = text
    for version, (at, length, new) in enumerate(edits, start=2):
        start = min(at, len(body))
        end = min(start + length, len(body))
        log.record(Edit(version, start, end, len(new), body[start:end]))
        body = body[:start] + new + body[end:]
        current = current[:start] + [-1] * len(new) + current[end:]
    assert log.text_at(1, body) == text
    mapped = log.map_forward(1, [(0, len(text))]) or []
    kept = [i for s, e in mapped for i in range(s, e)]
    assert kept == [i for i, ident in enumerate(current) if ident >= 0]
    assert map_piece((0, 4), Edit(2, 2, 2, 3, "")) == [(0, 2), (5, 7)]


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


def test_heuristic_and_settings() -> None:
    on = HeuristicSettings()
    assert on.suspects("a\n" * 8, client_reports_ai=False)
    assert not on.suspects("a\n" * 8, client_reports_ai=True)
    assert not on.suspects("short", client_reports_ai=False)
    settings, errors = parse_settings({"debounceMs": 80000, "heuristic": {"enabled": True}})
    assert settings.debounce_ms == 0 and settings.heuristic.enabled is True
    assert errors == ["countersign.debounceMs: expected a whole number from 0 to 5000, got "
                      "80000; using the default 0"]


def test_lens_title() -> None:
    summary = Summary(37, 120, 0, 2, Tier.HIGH, "senior", ("copilot (inline)",), ("DAT002",))
    assert lens_title(summary) == "AI: 37 lines, 2 high-risk — needs senior sign-off"


def test_rules_reference_is_up_to_date() -> None:
    from countersign.core.rulesdoc import copies, render
    for path in copies():
        assert path.read_text(encoding="utf-8") == render() + "\n", (
            f"{path} is stale: regenerate with python -m countersign.core.rulesdoc --write")
