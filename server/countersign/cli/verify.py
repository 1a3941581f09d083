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
from countersign.cli.gate_inputs import GateInputs, gather_evidence, policy_file, read_forge_reviews
from countersign.core.origin import Origin
from countersign.core.provenance import NoteError, record_lines, record_revision, record_source
from countersign.core.sarif import finding_dict, sarif_document, sarif_result
from countersign.core.signoff import Approval, Commit, Verdict, judge
from countersign.core.standing import Standing
from countersign.core.tiers import Tier
from countersign.core.trailers import compute_stamp, parse_declared
from countersign.store import commits
from countersign.store.baseline import before_baseline
from countersign.store.commits import LoggedCommit
from countersign.store.evidence import tier_raising_paths
from countersign.store.gitcli import Git, GitError
from countersign.store.stamping import Stamper

UNKNOWN = Origin(kind="suspected", tool="unknown-provenance")
"""Who wrote the lines of a commit without a note, when the policy counts them as AI."""


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
    if _trusts_typed_trailers(context, verdicts):
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
    commits before the adoption baseline are not judged but added to ``before``."""
    if commits.head(repo) is None:
        raise UserError("the repository has no commits yet", "commit first, then verify", 2)
    inputs = inputs or GateInputs()
    notes = commits.all_notes(repo)
    approvals = commits.all_notes(repo, commits.APPROVALS_REF)
    stamper = Stamper(repo, None, context.rules, context.config)  # commits alone
    try:
        logged_commits = list(commits.log(repo, revs))
        skip = before_baseline(repo, context.config.provenance, revs, logged_commits, problems)
        if before is not None:
            before += [c.sha for c in logged_commits if c.sha in skip]
        logged_commits = [c for c in logged_commits if c.sha not in skip]
        evidence = gather_evidence(context, repo, revs, logged_commits, inputs)
        if problems is not None:
            problems += evidence.problems
        standing = _standing(context, repo, revs)
        # every note and approval blob of the range in one cat-file
        blobs = repo.objects([table[c.sha] for c in logged_commits
                              for table in (notes, approvals) if c.sha in table])
        ais = {c.sha: _judged_lines(context, stamper, c, blobs.get(notes.get(c.sha, "")))
               for c in logged_commits}
        texts = stamper.prefetch((c.sha, c.changes, ais[c.sha]) for c in logged_commits)
        for logged in (wrap(logged_commits) if wrap else logged_commits):
            ai = ais[logged.sha]
            stamp = compute_stamp(logged.changes, ai, context.rules, context.config,
                                  texts[logged.sha])
            declared = parse_declared(logged.trailers)
            paths = _paths(logged)
            raised = tier_raising_paths(stamp.findings, max(stamp.tier, declared.tier or
                                                            Tier.NONE), paths)
            commit = Commit(logged.sha, logged.subject, logged.author, declared, stamp,
                            logged.sha in notes,
                            (*_approvals(blobs.get(approvals.get(logged.sha, ""))),
                             *evidence.approvals(logged.sha)),
                            {c.path: c.added for c in logged.changes}, logged.time,
                            committer=logged.committer,
                            all_lines_tier=_all_lines_tier(context, stamper, logged),
                            owners=evidence.owner_rules(raised),
                            changed_policy=evidence.policy_files_changed(paths),
                            autonomy=standing)
            yield judge(commit, context.config)
    except GitError as exc:
        raise UserError(f"git cannot read the range {' '.join(revs)}: "
                        f"{exc.stderr.strip() or exc}",
                        "pass a range git understands, e.g. `countersign verify "
                        "origin/main..HEAD` (fetch the base branch first in CI)", 2) from None


def _standing(context: Context, repo: Git, revs: list[str]) -> Standing | None:
    """The AI tools' standing under ``[autonomy]``, from the history the range builds on."""
    if not context.config.autonomy.active:
        return None
    # imported here: the track record reads history with the incident tracer, which judges
    # commits with this module's evaluate (without autonomy, so there is no recursion)
    from countersign.cli.record import gate_standing

    return gate_standing(context, repo, revs)


def _paths(logged: LoggedCommit) -> list[str]:
    """Every path the commit touches, before and after a move."""
    return sorted({p for c in logged.changes for p in (c.path, c.old_path) if p})


def _all_lines_tier(context: Context, stamper: Stamper, logged: LoggedCommit) -> Tier | None:
    """The tier were every added line AI-written, when the policy reviews regardless."""
    if not context.config.signoff.regardless:
        return None
    everything = {c.path: dict.fromkeys(c.added, UNKNOWN) for c in logged.changes}
    return compute_stamp(logged.changes, everything, context.rules, context.config,
                         stamper.contents(logged.changes, everything)).tier


def _trusts_typed_trailers(context: Context, verdicts: list[Verdict]) -> bool:
    signoff = context.config.signoff
    return not signoff.names_signers and any(
        a.source in ("trailer", "note") and a.counts for v in verdicts for a in v.approvals)


def _judged_lines(
    context: Context, stamper: Stamper, logged: LoggedCommit, data: bytes | None
) -> dict[str, dict[int, Origin]]:
    """AI lines of a commit: its note's, and, where no trusted note says which lines are
    not AI, every other added line as ``UNKNOWN`` when the policy counts unknown as AI."""
    found = _note_lines(stamper, logged.sha, data)
    lines, source = found if found is not None else ({}, None)
    if source is not None and context.config.provenance.trusts(source):
        return lines
    if not context.config.unknown_is_ai:
        return lines
    return {c.path: {**dict.fromkeys(c.added, UNKNOWN), **lines.get(c.path, {})}
            for c in logged.changes}


def _note_lines(
    stamper: Stamper, sha: str, data: bytes | None
) -> tuple[dict[str, dict[int, Origin]], str] | None:
    """AI lines from the commit's note and the note's source (``None`` without a readable
    note)."""
    if data is None:
        return None
    try:
        record = commits.parse_note(data, sha)
        lines = record_lines(record)
    except NoteError:
        return None
    revision = record_revision(record)
    if revision and revision != sha:  # copied by a rewrite without our hook: move it
        lines = {p: stamper.carry(revision, p, ls, commits.decode(
            commits.read_blob(stamper.repo, f"{sha}:{p}") or b"")) for p, ls in lines.items()}
    return lines, record_source(record)


def _approvals(data: bytes | None) -> tuple[Approval, ...]:
    if data is None:
        return ()
    text = commits.decode(data)
    return tuple(Approval(line.partition(":")[2].strip(), "note") for line in text.splitlines()
                 if line.lower().startswith("approved-by:"))


def print_text(verdicts: list[Verdict]) -> None:
    for v in verdicts:
        c = v.commit
        stamp = c.recomputed
        declared = c.declared.tier.label if c.declared.tier is not None else "missing"
        ai = f"AI {stamp.ai_line_count}/{stamp.added_lines} lines"
        if not c.has_note:
            ai += " (no note)"
        print(f"{'ok  ' if v.ok else 'FAIL'} {c.sha[:10]} {c.subject}")
        print(f"     tier {v.tier.label} (declared {declared}), review {v.review.label}, {ai}"
              + (f", rules {', '.join(stamp.rule_ids())}" if stamp.rule_ids() else "")
              + (f", suppressed {', '.join(stamp.suppressed_ids())}"
                 if stamp.suppressed_ids() else "")
              + (f", approved by {', '.join(v.approvers)}" if v.approvers else ""))
        for reason in v.autonomy:
            print(f"     autonomy: {reason}")
        for approval in v.approvals:
            print(f"     approval: {approval.describe()}")
        for failure in v.failures:
            print(f"     - {failure}")
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
