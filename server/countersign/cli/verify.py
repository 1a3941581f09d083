"""``countersign verify [REV-RANGE]``: the CI gate over commits' trailers, notes and content.

Exit codes: 0 every commit passes, 1 at least one fails the policy, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from countersign.cli.common import Context, repository_context
from countersign.cli.errors import UserError
from countersign.cli.gate_inputs import policy_file, read_forge_reviews
from countersign.cli.record import gate_standing
from countersign.core.printable import printable
from countersign.core.sarif import finding_dict, sarif_document, sarif_result
from countersign.core.signoff import Approval, Verdict, trusts_typed_trailers
from countersign.store import commits
from countersign.store.commits import LoggedCommit
from countersign.store.gitcli import Git, GitError
from countersign.store.judging import Gate, GateInputs
from countersign.store.signing import SigningError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "verify", help="CI gate: check commits' declared tier and sign-off against content",
        description="Check each commit in REV-RANGE (git rev-list syntax, e.g. "
                    "origin/main..HEAD; default: HEAD alone). Exit 0 pass, 1 policy "
                    "failure, 2 usage error.")
    parser.add_argument("range", nargs="*", metavar="REV-RANGE")
    parser.add_argument("--policy", metavar="FILE|REV:PATH",
                        help="organisation policy TOML (authoritative); REV:PATH reads it, and "
                             "the files it names, from a revision such as origin/main")
    parser.add_argument("--base", metavar="REV",
                        help="revision whose CODEOWNERS applies (default: the range's base)")
    parser.add_argument("--forge-reviews", metavar="github:PATH|gitlab:PATH", action="append",
                        default=[], help="review records the CI job fetched from the forge "
                                         "(docs/ci/github-reviews.md, docs/ci/gitlab-approvals.md)")
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with policy_file(args.policy) as (policy, policy_path):
        context = repository_context("run verify in a clone of the repository to check", policy)
        repo = context.workspace.git()
        inputs = GateInputs(policy, args.base, read_forge_reviews(args.forge_reviews),
                            policy_path)
        problems: list[str] = []
        before: list[str] = []
        verdicts = list(evaluate(context, repo, args.range or ["--max-count=1", "HEAD"],
                                 inputs=inputs, problems=problems, before=before))
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    if trusts_typed_trailers(context.config, verdicts):
        print("warning: the policy names no signers, so typed Approved-by trailers count and "
              "anyone can write them\nhint: add [signoff] allowed_signers = \"PATH\" to the "
              "policy (docs/signoff.md)", file=sys.stderr)
    if args.format == "json":
        json.dump({**as_json(verdicts), "before_countersign": len(before)}, sys.stdout,
                  indent=2)
        print()
    elif args.format == "sarif":
        json.dump(as_sarif(context, verdicts), sys.stdout, indent=2)
        print()
    else:
        print_text(verdicts)
        if before:
            print(f"{len(before)} commit{'s' if len(before) != 1 else ''} before countersign "
                  f"(baseline {context.config.provenance.baseline}): not judged")
    return 0 if all(v.ok for v in verdicts) else 1


def evaluate(
    context: Context, repo: Git, revs: list[str],
    wrap: Callable[[list[LoggedCommit]], Iterable[LoggedCommit]] | None = None,
    inputs: GateInputs | None = None, problems: list[str] | None = None,
    before: list[str] | None = None,
) -> Iterator[Verdict]:
    """One verdict per commit of ``revs``, newest first (``wrap``: e.g. a progress bar);
    commits before the adoption baseline are not judged but added to ``before``. The
    judgement is ``store.judging``'s, which the language server's report shares."""
    if commits.head(repo) is None:
        raise UserError("the repository has no commits yet", "commit first, then verify", 2)
    gate = Gate(repo, context.workspace.root, context.config, context.rules,
                inputs or GateInputs())
    try:
        standing = gate_standing(context, repo, revs)
        yield from gate.verdicts(revs, standing, wrap, problems, before)
    except SigningError as exc:
        raise UserError(f"cannot check approvals: {exc.message}", exc.hint, 2) from None
    except GitError as exc:
        raise UserError(f"git cannot read the range {' '.join(revs)}: "
                        f"{exc.stderr.strip() or exc}",
                        "pass a range git understands, e.g. `countersign verify "
                        "origin/main..HEAD` (fetch the base branch first in CI)", 2) from None


def print_text(verdicts: list[Verdict]) -> None:
    """One block per commit. What authors and reviewers wrote (subjects, names, reasons that
    quote them) goes through ``printable``: a terminal escape or a bidi override in a commit
    subject must not be able to redraw a FAIL line as ok in a CI log."""
    for v in verdicts:
        c = v.commit
        stamp = c.recomputed
        declared = c.declared.tier.label if c.declared.tier is not None else "missing"
        ai = f"AI {stamp.ai_line_count}/{stamp.added_lines} lines"
        if not c.has_note:
            ai += " (no note)"
        print(f"{'ok  ' if v.ok else 'FAIL'} {c.sha[:10]} {printable(c.subject)}")
        print(f"     tier {v.tier.label} (declared {declared}), review {v.review.label}, {ai}"
              + (f", rules {', '.join(stamp.rule_ids())}" if stamp.rule_ids() else "")
              + (f", suppressed {', '.join(stamp.suppressed_ids())}"
                 if stamp.suppressed_ids() else "")
              + (f", approved by {printable(', '.join(v.approvers))}" if v.approvers else ""))
        for reason in v.autonomy:
            print(f"     autonomy: {printable(reason)}")
        for approval in v.approvals:
            print(f"     approval: {printable(approval.describe())}")
        for failure in v.failures:
            print(f"     - {printable(failure)}")
    failed = sum(1 for v in verdicts if not v.ok)
    print(f"{len(verdicts)} commit{'s' if len(verdicts) != 1 else ''}: "
          f"{len(verdicts) - failed} passed, {failed} failed")
    if failed:
        print("hint: a reviewer of the required level runs `countersign approve REV` with their "
              "own signing key, then `git push origin refs/notes/countersign-approvals`",
              file=sys.stderr)


def as_json(verdicts: list[Verdict]) -> dict[str, Any]:
    return {
        "passed": sum(1 for v in verdicts if v.ok),
        "failed": sum(1 for v in verdicts if not v.ok),
        "commits": [_commit_json(v) for v in verdicts],
    }


def _commit_json(v: Verdict) -> dict[str, Any]:
    c, stamp = v.commit, v.commit.recomputed
    return {
        "sha": c.sha, "subject": c.subject, "author": c.author, "ok": v.ok,
        "tier": v.tier.label, "review": v.review.label,
        "declared_tier": c.declared.tier.label if c.declared.tier is not None else None,
        "recomputed_tier": stamp.tier.label, "stamped": c.declared.stamped,
        "has_note": c.has_note, "added_lines": stamp.added_lines,
        "ai_lines": stamp.ai_line_count,
        "tools": [o.label() for o in stamp.contributors()],
        "rules": stamp.rule_ids(), "suppressed": stamp.suppressed_ids(),
        "approvers": list(v.approvers),
        "approvals": [_approval_json(a) for a in v.approvals],
        "autonomy": list(v.autonomy),
        "failures": list(v.failures),
        "findings": [finding_dict(f) for f in stamp.findings],
    }


def _approval_json(a: Approval) -> dict[str, Any]:
    return {"who": a.who, "email": a.key, "role": a.role, "source": a.source,
            "state": a.state, "counts": a.counts, "detail": a.detail}


_GATE_RULE = {
    "id": "countersign-gate", "name": "CountersignGate",
    "shortDescription": {"text": "Commit fails the countersign review gate"},
    "fullDescription": {"text": "Missing trailers, an under-declared tier or missing sign-off."},
    "defaultConfiguration": {"level": "error"},
}


def as_sarif(context: Context, verdicts: list[Verdict]) -> dict[str, Any]:
    """Findings of every commit, plus one gate result per failing commit."""
    rules = list(context.rules.rules)
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    for v in verdicts:
        stamp = v.commit.recomputed
        for f in stamp.findings:
            result = sarif_result(f, index, v.commit.added.get(f.path, {}).get(f.line, ""))
            result["properties"]["commit"] = v.commit.sha
            results.append(result)
        if not v.ok:
            results.append({
                "ruleId": "countersign-gate", "ruleIndex": len(rules), "level": "error",
                "message": {"text": f"{v.commit.sha[:10]} {v.commit.subject}: "
                                    + "; ".join([*v.failures, *(
                                        f"approval {a.describe()}" for a in v.approvals
                                        if not a.counts)])},
                "properties": {"commit": v.commit.sha, "reviewTier": v.tier.label,
                               "reviewRequired": v.review.label,
                               "approvals": [_approval_json(a) for a in v.approvals],
        "autonomy": list(v.autonomy),
                               "aiGenerated": stamp.ai_line_count > 0},
            })
    return sarif_document(rules, results, [_GATE_RULE])
