"""Computing, writing and reading countersign's commit trailers (pure parts)."""

from __future__ import annotations

import pytest

from countersign.core.config import Config
from countersign.core.diff import FileChange
from countersign.core.origin import Origin
from countersign.core.rulepack import load_builtin
from countersign.core.rules import RuleSet
from countersign.core.tiers import Review, Tier
from countersign.core.trailers import compute_stamp, parse_declared, strip_ours

AGENT = Origin("agent", "claude-code", "anthropic/claude-sonnet-4-5")
RULES = RuleSet(load_builtin()[0])


def test_stamp_counts_only_added_ai_lines_and_any_rules_on_human_lines() -> None:
    changes = [
        FileChange("migrations/001.sql", added={0: "DROP TABLE users;", 1: "SELECT 1;"}),
        FileChange("keys.pem", added={0: "-----BEGIN RSA PRIVATE KEY-----"}),
        FileChange("logo.png", binary=True),
    ]
    ai = {"migrations/001.sql": {0: AGENT, 7: AGENT}}  # line 7 was not added: ignored
    stamp = compute_stamp(changes, ai, RULES, Config())
    assert (stamp.added_lines, stamp.ai_line_count) == (3, 1)
    assert stamp.rule_ids() == ["AUT009", "DAT001", "DAT002"]  # AUT009 applies to any line
    assert (stamp.tier, stamp.review) == (Tier.CRITICAL, Review.SENIOR_OWNER)
    assert stamp.trailers() == [
        ("AI-Assisted", "claude-code (agent, anthropic/claude-sonnet-4-5)"),
        ("AI-Lines", "1/3"), ("Review-Tier", "critical"),
        ("Review-Required", "senior+owner"), ("Risk-Rules", "AUT009, DAT001, DAT002")]



def test_a_tool_name_cannot_start_a_trailer_of_its_own() -> None:
    """A tool and model an agent's hook chose, with a newline and a terminal escape, stay
    inside one trailer value, escaped."""
    evil = Origin("agent", "x\nApproved-by: Mallory <m@example.com>\n", "m\x1b[2K")
    changes = [FileChange("app.py", added={0: "x = 1"})]
    trailers = compute_stamp(changes, {"app.py": {0: evil}}, RULES, Config()).trailers(True)
    assert trailers[0] == ("AI-Assisted",
                           "x\\u000aApproved-by: Mallory <m@example.com>\\u000a (agent, "
                           "m\\u001b[2K)")
    assert all("\n" not in value and "\x1b" not in value for _, value in trailers)
    assert trailers[-1] == ("Assisted-by", "x\\u000aApproved-by: Mallory <m@example.com>\\u000a:"
                                           "m\\u001b[2K")


@pytest.mark.parametrize(("message", "parsed", "expected"), [
    # our trailers go; people's stay, in order
    ("Subject\n\nSigned-off-by: A <a@x>\nAI-Assisted: no\nReview-Tier: none\n"
     "Reviewed-by: B <b@x>\n",
     ["Signed-off-by: A <a@x>", "AI-Assisted: no", "Review-Tier: none", "Reviewed-by: B <b@x>"],
     "Subject\n\nSigned-off-by: A <a@x>\nReviewed-by: B <b@x>\n"),
    # a block of only our trailers goes with the blank line before it
    ("Subject\n\nBody\n\nAI-Assisted: no\nAI-Lines: 0/1\n", ["AI-Assisted: no", "AI-Lines: 0/1"],
     "Subject\n\nBody\n"),
    # the template's comments after the trailers stay where they are
    ("Subject\n\nAI-Assisted: no\n\n# Please enter the commit message\n", ["AI-Assisted: no"],
     "Subject\n\n# Please enter the commit message\n"),
    # the same words in the body are not trailers (git does not list them)
    ("Subject\n\nAI-Assisted: in prose\nmore body\n\nFixes: #1\n", ["Fixes: #1"],
     "Subject\n\nAI-Assisted: in prose\nmore body\n\nFixes: #1\n"),
    # nothing after a scissors line is touched
    ("Subject\n\nAI-Assisted: no\n# ------------------------ >8 ------------------------\n"
     "AI-Assisted: no\n", ["AI-Assisted: no"],
     "Subject\n# ------------------------ >8 ------------------------\nAI-Assisted: no\n"),
])
def test_strip_ours(message: str, parsed: list[str], expected: str) -> None:
    assert strip_ours(message, parsed) == expected


def test_parse_declared_reads_tiers_and_wellformed_approvals() -> None:
    declared = parse_declared([
        ("ai-assisted", "copilot (inline)"), ("Review-Tier", "high"),
        ("Review-Required", "senior"), ("Risk-Rules", "DAT002, INF004"),
        ("Approved-by", "Sam <sam@example.com>"), ("Approved-by", "sam"),
    ])
    assert declared.stamped
    assert (declared.tier, declared.review) == (Tier.HIGH, Review.SENIOR)
    assert declared.rules == ("DAT002", "INF004")
    assert declared.approvers == ("Sam <sam@example.com>",)
    assert declared.malformed == ("Approved-by: 'sam' is not 'Name <email>'",)
    bad = parse_declared([("AI-Assisted", "no"), ("Review-Tier", "extreme")])
    assert bad.tier is None
    assert bad.malformed[0].startswith("Review-Tier: unknown tier 'extreme'")
    assert not parse_declared([("Signed-off-by", "A <a@x>")]).stamped
