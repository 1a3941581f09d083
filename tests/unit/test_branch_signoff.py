"""The report's sign-off section: verdicts in words, and hostile strings made harmless."""

from __future__ import annotations

import pytest

from countersign.core.branch_signoff import BranchSignoff, md, reasons, render_markdown
from countersign.core.config import Config
from countersign.core.printable import printable
from countersign.core.signoff import Approval, Commit, Verdict, judge
from countersign.core.tiers import Review, Tier
from countersign.core.trailers import Declared, Stamp
from countersign.lsp.messages import BadParams, SignoffParams
from countersign.lsp.typed import parse

AUTHOR = "Ada Author <ada@example.com>"
CONFIG = Config(reviewers={"senior": ("sam@example.com",)})


def verdict(content: Tier, *approvals: Approval, subject: str = "change",
            declared: Tier | None = None) -> Verdict:
    """The gate's verdict on a commit of 3 added lines whose content is of tier ``content``."""
    stamp = Stamp(3, {}, (), content, Review.NONE)
    commit = Commit("c0ffee" * 6 + "abcd", subject, AUTHOR,
                    Declared(stamped=True, tier=declared or content),
                    stamp, True, approvals, committer=AUTHOR)
    return judge(commit, CONFIG)


@pytest.mark.parametrize(("text", "shown"), [
    ("Sam Senior", "Sam Senior"),
    ("line\nbreak\ttab", "line\\u000abreak\\u0009tab"),
    ("\u202eevil\u202c", "\\u202eevil\\u202c"),  # bidirectional overrides
    ("zero\u200bwidth", "zero\\u200bwidth"),
    ("back\\slash", "back\\\\slash"),  # an escape typed in the text stays told apart
    ("\x1b[31mred", "\\u001b[31mred"),
    ("caf\udce9.py", "caf\\udce9.py"),  # a file name that is not UTF-8 (surrogateescape)
    ("\U000e0041tag", "\\U000e0041tag"),
])
def test_printable_shows_every_invisible_character(text: str, shown: str) -> None:
    assert printable(text) == shown


@pytest.mark.parametrize(("text", "shown"), [
    ("<script>alert(1)</script>", "\\<script\\>alert(1)\\</script\\>"),
    ("a | b", "a \\| b"),
    ("*bold* _it_ `code` ~x~", "\\*bold\\* \\_it\\_ \\`code\\` \\~x\\~"),
    ("[link](javascript:x) ![img](y)", "\\[link\\](javascript:x) \\!\\[img\\](y)"),
    ("&lt; #1", "\\&lt; \\#1"),
    ("plain-name.with.dots", "plain-name.with.dots"),
])
def test_md_escapes_whatever_could_start_markup(text: str, shown: str) -> None:
    assert md(text) == shown


def test_reasons_name_the_tier_rules_and_declared_tier() -> None:
    v = verdict(Tier.NONE, declared=Tier.HIGH)
    assert v.tier == Tier.HIGH and v.review == Review.SENIOR
    assert reasons(v) == ("tier high (no risk rule fired); 0 of 3 added lines are AI-written",
                          "its trailers declare Review-Tier: high")


def test_markdown_of_a_met_and_an_unmet_requirement() -> None:
    met = verdict(Tier.HIGH, Approval("Sam <sam@example.com>", "ssh", "senior",
                                      detail="good signature"), subject="Add orders")
    unmet = verdict(Tier.HIGH, Approval("Sam <sam@example.com>", "ssh", "senior", "stale",
                                        "approved c0ffee; a.sql: content changed"),
                    subject="Drop | users")
    text = render_markdown(BranchSignoff("main..HEAD", "main", "countersign verify main..HEAD",
                                         (unmet, met), omitted=2, before=1))
    assert text.startswith("## Sign-off: main..HEAD\n\n2 commits: 1 meets its requirement, "
                           "1 does not.\n\nThe same judgement as `countersign verify "
                           "main..HEAD`.\n\n2 commits older not shown: run the command for "
                           "all.\n\n1 commit before countersign's baseline: not judged.\n")
    assert ("### FAIL c0ffeec0ff Drop \\| users\n\nBy Ada Author \\<ada@example.com\\>. Needs "
            "**senior** sign-off: does not meet its requirement.\n") in text
    assert ("| Sam \\<sam@example.com\\> | senior | ssh | **stale**: the approved content "
            "changed since | approved c0ffee; a.sql: content changed |") in text
    assert ("| Sam \\<sam@example.com\\> | senior | ssh | valid | good signature |") in text
    # the table, then what is missing (verify's words point to the refusals "above")
    assert text.index("**stale**") < text.index("- missing: needs senior") < text.index("### ok")
    assert "Needs **senior** sign-off: meets its requirement." in text


def test_markdown_of_no_commits_and_a_command_with_backticks() -> None:
    text = render_markdown(BranchSignoff("main..HEAD", "main", "countersign verify `x`", ()))
    assert "No commits to judge: the branch adds none over main." in text
    assert "`countersign verify 'x'`" in text


@pytest.mark.parametrize(("value", "message"), [
    ({"maxCommits": 0}, "'maxCommits' must be 1 to 200, got 0"),
    ({"maxCommits": 201}, "'maxCommits' must be 1 to 200, got 201"),
    ({"maxCommits": "5"}, "params.maxCommits: expected an integer, got '5'"),
    ({"base": "-o"}, "'base' must name a branch or commit, got '-o'"),
    ({"base": ""}, "'base' must name a branch or commit, got ''"),
])
def test_bad_signoff_params(value: dict[str, object], message: str) -> None:
    with pytest.raises(BadParams, match=message.replace("[", "\\[")):
        parse(value, SignoffParams)


def test_signoff_params_default_to_twenty_commits_over_the_upstream() -> None:
    params = parse({}, SignoffParams)
    assert (params.text_document, params.base, params.max_commits) == (None, None, 20)
