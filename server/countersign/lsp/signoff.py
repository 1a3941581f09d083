"""``countersign/signoff``: the sign-off state of the commits HEAD's branch adds, for the report.

The judgement is ``countersign verify``'s own (``store.judging.Gate``), under the policy
the server was given (``countersign.policy``); which commits, ``store.branch_range``. It
reads git history, notes and approval records and checks signatures, so it runs only when
a client asks (the report), in a worker thread, and judges a bounded number of commits:
typing never waits for it.

Under ``[autonomy]`` the AI tools' standing is ``verify``'s too (``store.track``): read from
the history the whole range builds on, as ``verify`` of the report's command reads it. It
takes seconds over a long history, so the server keeps the last few standings while
nothing they are read from changes (``store.standing_memo``): a report asked again on the
same base reuses it.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from countersign.core.branch_signoff import (
    BranchSignoff,
    meaning,
    reasons,
    render_markdown,
    status,
)
from countersign.core.config import Config
from countersign.core.printable import printable
from countersign.core.rules import RuleSet
from countersign.core.signoff import Approval, Verdict, trusts_typed_trailers
from countersign.core.standing import Standing
from countersign.lsp.messages import ApprovalState, CommitSignoff, SignoffResult
from countersign.store.branch_range import RangeError, branch_range
from countersign.store.gitcli import Git, GitError
from countersign.store.judging import Gate, GateInputs
from countersign.store.signing import SigningError
from countersign.store.standing_memo import StandingMemo
from countersign.store.track import HistoryError, range_base

_STANDINGS = StandingMemo()
"""The AI tools' standings the server keeps while they hold (a few bases and policies)."""
NO_POLICY_NOTE = ("judged by the repository's configuration: no policy was given to the "
                  "editor (countersign.policy), and CI judges by the policy it is given")
FORGE_NOTE = ("reviews recorded by the forge (GitHub, GitLab) count only in CI "
              "(countersign verify --forge-reviews)")
TYPED_NOTE = ("the policy names no signers, so typed Approved-by trailers count and anyone "
              "can write them: add [signoff] allowed_signers to the policy (docs/signoff.md)")


class SignoffError(Exception):
    """Why there is nothing to judge (not a git repository, no commits, git failed)."""


@dataclass(frozen=True)
class SignoffInput:
    """What the worker thread needs, taken from the project on the event loop."""

    root: Path
    git_dir: Path | None
    rules: RuleSet
    config: Config
    policy: Path | None
    base: str | None
    limit: int


def signoff(source: SignoffInput) -> SignoffResult:
    """The answer of ``countersign/signoff``, made wholly in the worker thread (rendering a
    few hundred commits takes milliseconds the event loop keeps for typing)."""
    return as_result(branch_signoff(source))


def branch_signoff(source: SignoffInput) -> BranchSignoff:
    """The gate's verdicts on the newest ``limit`` commits HEAD's branch adds."""
    if source.git_dir is None:
        raise SignoffError(f"{source.root} is not inside a git repository: there are no "
                           "commits to sign off (run git init, or open a repository)")
    repo = Git(source.root)
    gate = Gate(repo, source.root, source.config, source.rules, GateInputs(source.policy))
    problems: list[str] = []
    before: list[str] = []
    try:
        chosen = branch_range(repo, source.base, source.limit)
        standing = _standing(repo, source, chosen.whole)
        verdicts = tuple(gate.verdicts(chosen.revs, standing, problems=problems,
                                       before=before))
    except (RangeError, HistoryError) as exc:
        raise SignoffError(str(exc)) from None
    except SigningError as exc:
        raise SignoffError(f"cannot check approvals: {exc.message} ({exc.hint})") from None
    except (GitError, OSError) as exc:
        raise SignoffError(f"git failed in {source.root}: {exc}") from exc
    policy = ("--policy", str(source.policy)) if source.policy else ()
    command = shlex.join(("countersign", "verify", *policy, *chosen.verify_args))
    return BranchSignoff(chosen.label, chosen.base, command, verdicts, chosen.omitted,
                         len(before), tuple(problems), _notes(source, verdicts))


def _standing(repo: Git, source: SignoffInput, revs: tuple[str, ...]) -> Standing | None:
    """What ``verify`` applies to the range ``revs`` under ``[autonomy]``
    (``store.track.gate_standing``), kept while it holds (``store.standing_memo``)."""
    if not source.config.autonomy.active:
        return None
    return _STANDINGS.standing(repo, source.config, source.rules, range_base(repo, revs))


def _notes(source: SignoffInput, verdicts: tuple[Verdict, ...]) -> tuple[str, ...]:
    """Where the editor's judgement may differ from CI's."""
    notes = []
    if source.policy is None:
        notes.append(NO_POLICY_NOTE)
    if trusts_typed_trailers(source.config, verdicts):
        notes.append(TYPED_NOTE)
    if any(not v.ok for v in verdicts):
        notes.append(FORGE_NOTE)
    return tuple(notes)


def as_result(report: BranchSignoff) -> SignoffResult:
    """The report as ``countersign/signoff`` answers it; strings people read are printable
    (control and format characters escaped, ``core.printable``)."""
    return SignoffResult(
        printable(report.label), printable(report.command),
        [_commit(v) for v in report.verdicts], report.omitted, report.before,
        [printable(p) for p in report.problems], list(report.notes),
        render_markdown(report), report.base and printable(report.base))


def _commit(v: Verdict) -> CommitSignoff:
    c, stamp = v.commit, v.commit.recomputed
    return CommitSignoff(
        c.sha, printable(c.subject), printable(c.author), v.ok, status(v), v.tier.label,
        v.review.label, [printable(r) for r in reasons(v)],
        [printable(f) for f in v.failures], stamp.rule_ids(), stamp.ai_line_count,
        stamp.added_lines, [printable(a) for a in v.approvers],
        [_approval(a) for a in v.approvals],
        c.declared.tier.label if c.declared.tier is not None else None)


def _approval(a: Approval) -> ApprovalState:
    return ApprovalState(printable(a.who), printable(a.email), printable(a.source), a.state,
                         meaning(a), a.counts, printable(a.detail),
                         a.role and printable(a.role))
