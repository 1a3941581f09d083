"""The sign-off state of a branch's commits, for the editors' report: the gate's verdicts as
people read them, and the report's Markdown.

The verdicts are ``countersign verify``'s own (``store.judging``); this module only says
them in words: the review each commit needs and why, each approval with its state, and
whether the requirement is met. Names, subjects and file names are hostile input: the
Markdown escapes them, and every rendering shows control and format characters (newlines,
bidirectional overrides, zero-width joiners) as ``\\u`` escapes so that no name can pass for
another or break a table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from countersign.core.printable import printable
from countersign.core.signoff import STATES, Approval, Verdict
from countersign.core.tiers import Review


@dataclass(frozen=True)
class BranchSignoff:
    """The gate's verdicts on the commits a branch adds, and how they were chosen."""

    label: str
    """Which commits, in words: ``origin/main..HEAD`` or ``HEAD and the 9 commits before it``."""
    base: str | None
    """The branch they are compared with (``None``: no upstream; recent commits instead)."""
    command: str
    """The ``countersign verify`` command that makes the same judgement in a terminal."""
    verdicts: tuple[Verdict, ...]
    omitted: int = 0
    """Commits of the range beyond the bound, not judged here (``command`` judges them)."""
    before: int = 0
    """Commits before the adoption baseline, not judged."""
    problems: tuple[str, ...] = ()
    """Records and files the gate could not read (the rest still counts)."""
    notes: tuple[str, ...] = ()
    """Where this judgement may differ from CI's (autonomy, the policy given, forges)."""




_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~&#!])")


def md(text: str) -> str:
    """``text`` made safe inline in Markdown (also in a table cell): printable, and every
    character that could start markup (emphasis, code, links, HTML, a cell) escaped."""
    return _MARKDOWN.sub(r"\\\1", printable(text))


def meaning(approval: Approval) -> str:
    """What an approval's state means, in words (``valid``: it counts)."""
    return STATES.get(approval.state, approval.state)


def status(verdict: Verdict) -> str:
    """Whether the commit meets its requirement, in words."""
    if not verdict.ok:
        return "does not meet its requirement"
    return "meets its requirement" if verdict.review > Review.NONE else "needs no review"


def reasons(verdict: Verdict) -> tuple[str, ...]:
    """Why the commit needs the review it needs: its tier and what raised the review."""
    c = verdict.commit
    stamp = c.recomputed
    rules = stamp.rule_ids()
    out = [f"tier {verdict.tier.label}"
           + (f" from {', '.join(rules)}" if rules else " (no risk rule fired)")
           + f"; {stamp.ai_line_count} of {stamp.added_lines} added lines are AI-written"]
    if c.declared.tier is not None and c.declared.tier > stamp.tier:
        out.append(f"its trailers declare Review-Tier: {c.declared.tier.label}")
    if stamp.suppressed_ids():
        out.append(f"suppressed {', '.join(stamp.suppressed_ids())}: a person's suppression "
                   "needs at least peer review")
    if c.changed_policy:
        out.append(f"edits {', '.join(c.changed_policy)}, which the gate is checked against: "
                   "senior+owner")
    out += verdict.autonomy
    return tuple(out)


def render_markdown(report: BranchSignoff) -> str:
    """The report's sign-off section: a heading, then per commit why it needs its review, a
    table of its approvals, and what is missing."""
    failed = sum(1 for v in report.verdicts if not v.ok)
    out = [f"## Sign-off: {md(report.label)}", ""]
    if not report.verdicts:
        out.append("No commits to judge" + (f": the branch adds none over {md(report.base)}."
                                            if report.base else "."))
    else:
        passed = len(report.verdicts) - failed
        out.append(f"{_count(len(report.verdicts))}: {passed} "
                   f"{'meets its' if passed == 1 else 'meet their'} requirement, {failed} "
                   f"{'does' if failed == 1 else 'do'} not.")
    command = printable(report.command).replace("`", "'")
    out += ["", f"The same judgement as `{command}`.", ""]
    if report.omitted:
        out += [f"{_count(report.omitted)} older not shown: run the command for all.", ""]
    if report.before:
        out += [f"{_count(report.before)} before countersign's baseline: not judged.", ""]
    out += [f"- note: {md(n)}" for n in report.notes]
    out += [f"- warning: {md(p)}" for p in report.problems]
    if report.notes or report.problems:
        out.append("")
    for verdict in report.verdicts:
        out += _commit_markdown(verdict)
    return "\n".join(out).rstrip("\n") + "\n"


def _count(n: int) -> str:
    return f"{n} commit{'s' if n != 1 else ''}"


def _commit_markdown(verdict: Verdict) -> list[str]:
    c = verdict.commit
    needs = ("Needs no sign-off" if verdict.review == Review.NONE else
             f"Needs **{verdict.review.label}** sign-off")
    if verdict.review > Review.NONE or not verdict.ok:
        needs += f": {status(verdict)}"
    out = [f"### {'ok' if verdict.ok else 'FAIL'} {c.sha[:10]} {md(c.subject)}", "",
           f"By {md(c.author)}. {needs}.", ""]
    out += [f"- {md(r)}" for r in reasons(verdict)]
    out += ["", *_approvals_markdown(verdict.approvals), ""]
    missing = [f"- missing: {md(f)}" for f in verdict.failures]
    return [*out, *missing, ""] if missing else out


def _approvals_markdown(approvals: tuple[Approval, ...]) -> list[str]:
    """A table row per approval, its state in words when it does not count."""
    if not approvals:
        return ["No approvals."]
    out = ["| reviewer | role | source | state | detail |", "| --- | --- | --- | --- | --- |"]
    for a in approvals:
        state = md(a.state) if a.counts else f"**{md(a.state)}**: {md(meaning(a))}"
        out.append(f"| {md(a.who)} | {md(a.role or 'any')} | {md(a.source)} | {state} "
                   f"| {md(a.detail)} |")
    return out
