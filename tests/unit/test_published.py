"""Per-line diagnostics kept across edits: always what a conversion from scratch gives."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types

from countersign.core.config import Config, build_ruleset
from countersign.core.diagnostics import problems
from countersign.core.origin import Origin
from countersign.core.positions import index_to_column
from countersign.core.tracked import TrackedDocument
from countersign.lsp import published

RULES, _ = build_ruleset(Config())
AI = Origin("inline", "copilot")
HREF = "https://example.test/rules#{anchor}"
PIECES = ["cursor.execute('DROP TABLE users')", "requests.get(u, verify=False)", "x = 1",
          "\n", " ", "😀", "漢", "os.system(cmd)"]
START = "".join(f"{PIECES[i % 3]}\n" for i in range(12))
# (what, where, length, text): 0 human edit, 1 AI edit, 2 mark a range AI, 3 acknowledge
STEP = st.tuples(st.integers(0, 3), st.integers(0, 400), st.integers(0, 30),
                 st.lists(st.sampled_from(PIECES), max_size=3).map("".join))


def expected(doc: TrackedDocument) -> list[tuple[int, int, int, str, str]]:
    out = []
    for p in problems(doc.findings(), Config(), HREF, doc.text.line):
        line = doc.text.line(p.line)
        out.append((p.line, index_to_column(line, p.start, "utf-16"),
                    index_to_column(line, p.end, "utf-16"), p.rule_id, p.message))
    return out


def cached(doc: TrackedDocument) -> list[tuple[int, int, int, str, str]]:
    # as the server publishes once typing pauses: a unit an edit left unparsable (an open
    # call, say) is matched again whole first; `expected` (findings()) does the same
    doc.settle()
    items = published.current(doc, Config(), HREF, "utf-16")
    assert json.loads(published.as_json(items)) == [
        {"range": {"start": {"line": d.range.start.line, "character": d.range.start.character},
                   "end": {"line": d.range.end.line, "character": d.range.end.character}},
         "message": d.message, "severity": d.severity, "code": d.code,
         "codeDescription": {"href": d.code_description.href}, "source": "countersign"}
        for d in published.as_lsp(items) if d.code_description is not None]
    return [(line, i.start, i.end, i.problem.rule_id, i.problem.message) for line, i in items]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["app/db.py", "infra/main.tf"]), st.lists(STEP, max_size=25))
def test_cached_diagnostics_match_a_fresh_conversion_after_every_step(
        path: str, steps: list[tuple[int, int, int, str]]) -> None:
    doc = TrackedDocument(path, START, 1, RULES)
    doc.set_origin([(0, len(START) // 2)], AI)
    assert cached(doc) == expected(doc)
    for what, at, length, text in steps:
        start = min(at, len(doc.text))
        end = min(start + length, len(doc.text))
        if what <= 1:
            doc.change(start, end, text, AI if what else Origin("human"))
        elif what == 2:
            doc.set_origin([(start, end)], AI)
        else:
            doc.map_origins(range(doc.text.line_of(start), doc.text.line_of(end) + 1),
                            lambda o: o.acknowledge("rev@example.test"))
        assert cached(doc) == expected(doc)


def test_lines_that_only_moved_keep_their_conversion() -> None:
    doc = TrackedDocument("app/db.py", START, 1, RULES)
    doc.set_origin([(0, len(START))], AI)
    before = published.current(doc, Config(), HREF, "utf-16")
    doc.change(0, 0, "\n\n")
    after = published.current(doc, Config(), HREF, "utf-16")
    assert [line + 2 for line, _ in before] == [line for line, _ in after]
    assert all(a is b for (line, a), (_, b) in zip(before, after, strict=True)
               if line >= 2)  # an edit re-splits one line of margin around it
    moved = published.as_lsp(after)[0]
    assert moved.range.start.line == after[0][0] and isinstance(moved, types.Diagnostic)
