"""``countersign incident [REV...] [--since DATE]``: was AI in the chain of an incident?

For each fix or revert commit, the lines it removed or changed are blamed on its parent
(renames and moved lines followed) to find the commits that introduced them; each of those
is joined with its provenance note and judged as ``verify`` judges it (tier, review, who
signed it off and whether that counts). ``--since`` finds fixes in HEAD's history by their
messages: reverts, ``Fixes:`` trailers, and the policy's incident trailer.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from countersign.cli.common import Context, repository_context
from countersign.cli.errors import UserError
from countersign.core.autonomy import AutonomyPolicy
from countersign.core.incident_report import render_markdown, render_text, to_json
from countersign.core.incidents import Incident, OriginCommit, TracedLine, find_markers
from countersign.core.origin import HUMAN
from countersign.core.signoff import Verdict
from countersign.store import commits
from countersign.store.gitcli import Git, GitError
from countersign.store.lineage import (
    HistoryCommit,
    Lines,
    blame_removed,
    notes_of,
    read_history,
    shallow_boundary,
)

NOTES_HINT = "git fetch origin 'refs/notes/countersign*:refs/notes/countersign*'"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "incident", help="trace fix or revert commits to the commits and AI tools behind them",
        description="For each fix or revert commit, find the commits that introduced the "
                    "lines it removed or changed, who wrote them (AI tool and model, or a "
                    "person), their tier, and who signed them off.")
    parser.add_argument("revs", nargs="*", metavar="REV", help="fix or revert commits")
    parser.add_argument("--since", metavar="DATE",
                        help="also find fixes in HEAD's history since DATE (any date git "
                             "reads, e.g. 90.days or 2026-01-01) by their messages")
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    parser.add_argument("--policy", type=Path, help="organisation policy TOML (authoritative)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.revs and not args.since:
        raise UserError("name the fix commits, or give --since to find them",
                        "e.g. `countersign incident HEAD` or `countersign incident --since "
                        "90.days`", 2)
    context = repository_context("run it in a clone of the repository", args.policy)
    repo = context.workspace.git()
    if commits.head(repo) is None:
        raise UserError("the repository has no commits yet", "commit first", 2)
    shas = [_resolve(repo, rev) for rev in args.revs]
    fixes = read_fixes(repo, shas, args.since, context.config.autonomy.incident_trailer)
    incidents = trace(context, repo, fixes)
    if args.format == "json":
        json.dump(to_json(incidents), sys.stdout, indent=2)
        print()
    elif args.format == "markdown":
        sys.stdout.write(render_markdown(incidents))
    else:
        print(render_text(incidents))
    return 0


def _resolve(repo: Git, rev: str) -> str:
    sha = commits.resolve_commit(repo, rev)
    if sha is not None:
        return sha
    shallow = " This is a shallow clone: the commit may be in history it does not have " \
              "(`git fetch --unshallow`)." if shallow_boundary(repo) else ""
    raise UserError(f"{rev!r} is not a commit in this repository.{shallow}",
                    "pass a commit id or ref (`git log --oneline` lists them)", 2)


def read_fixes(
    repo: Git, shas: Sequence[str], since: str | None, trailer: str, tip: str = "HEAD"
) -> list[HistoryCommit]:
    """The commits named, and those of ``tip``'s history since ``since`` (any date git
    reads) whose messages mark them as fixes; newest first, each once."""
    scan = [f"--since={since}", tip] if since else []
    try:
        return find_fixes(repo, shas, scan, trailer)
    except GitError as exc:
        raise UserError(f"git cannot read the history since {since!r}: {exc.stderr.strip()}",
                        "give a date git reads, e.g. --since 90.days", 2) from None


def find_fixes(
    repo: Git, shas: Sequence[str], scan: Sequence[str], trailer: str
) -> list[HistoryCommit]:
    """``shas`` and the commits of ``git log SCAN`` marked as fixes, with their diffs."""
    wanted = list(shas)
    if scan:
        found = read_history(repo, scan, patches=False)
        wanted += [c.sha for c in found if find_markers(c.message, c.trailers, trailer)]
    wanted = list(dict.fromkeys(wanted))
    if not wanted:
        return []
    history = read_history(repo, ["--no-walk=unsorted", *wanted])
    return sorted(history, key=lambda c: (-c.time, wanted.index(c.sha)))


def trace(context: Context, repo: Git, fixes: Sequence[HistoryCommit]) -> list[Incident]:
    """Each fix with the lines it repaired, their origins and the commits it names."""
    trailer = context.config.autonomy.incident_trailer
    boundary = shallow_boundary(repo)
    blamed = {fix.sha: _blame(repo, fix, boundary) for fix in fixes}
    named: dict[str, tuple[list[str], list[str]]] = {}
    for fix in fixes:
        names = find_markers(fix.message, fix.trailers, trailer).named_commits()
        resolved = {n: commits.resolve_commit(repo, n) for n in names}
        named[fix.sha] = ([s for s in resolved.values() if s],
                          [n for n, s in resolved.items() if not s])
    wanted = sorted({line.origin for lines, _ in blamed.values() for line in lines}
                    | {s for found, _ in named.values() for s in found})
    notes = notes_of(repo, wanted)
    origins = {v.commit.sha: OriginCommit.of(v, v.commit.sha in boundary)
               for v in judge(context, repo, wanted)}
    return [_incident(fix, blamed[fix.sha], named[fix.sha], origins, notes, trailer)
            for fix in fixes]


def judge(context: Context, repo: Git, shas: Sequence[str]) -> list[Verdict]:
    """The gate's verdicts on ``shas``, by ``verify``'s own ``evaluate`` (same evidence,
    owners and policy), without ``[autonomy]``: the track record is made of these verdicts,
    so they must not depend on it (``verify`` may use the record: imported here)."""
    from countersign.cli.verify import evaluate

    if not shas:
        return []
    plain = replace(context, config=replace(context.config, autonomy=AutonomyPolicy()))
    return list(evaluate(plain, repo, ["--no-walk=unsorted", *shas]))


def _blame(
    repo: Git, fix: HistoryCommit, boundary: set[str]
) -> tuple[list[TracedLine], list[str]]:
    """The lines ``fix`` removed or changed, blamed on its first parent; and problems."""
    if not fix.parents:
        return [], ["its parent is not in this clone (shallow): run `git fetch --deepen=1`"
                    if fix.sha in boundary else "it is a root commit: it changed no lines"]
    parent = fix.parents[0]
    out, problems = [], []
    for change in fix.diff_against(parent):
        try:
            found = blame_removed(repo, parent, [change])
        except GitError as exc:
            problems.append(f"cannot blame {change.old_path or change.path} at "
                            f"{parent[:10]}: {exc.stderr.strip()}")
            continue
        path = change.old_path or change.path
        out += [TracedLine(path, b.line, change.removed.get(b.line, ""), b.commit, b.orig_path,
                           b.orig_line, None) for b in found]
    return out, problems


def _incident(
    fix: HistoryCommit, blamed: tuple[list[TracedLine], list[str]],
    named: tuple[list[str], list[str]], origins: Mapping[str, OriginCommit],
    notes: Mapping[str, Lines | None], trailer: str,
) -> Incident:
    traced, problems = blamed
    lines = tuple(_authored(line, notes.get(line.origin)) for line in traced)
    mine = {line.origin for line in lines} | set(named[0])
    problems += _problems(lines, named, origins)
    return Incident(fix.sha, fix.subject, fix.author, fix.time,
                    find_markers(fix.message, fix.trailers, trailer), lines,
                    {sha: origins[sha] for sha in sorted(mine) if sha in origins},
                    tuple(named[0]), tuple(named[1]), tuple(problems))


def _authored(line: TracedLine, lines: Lines | None) -> TracedLine:
    if lines is None:
        return line
    author = lines.get(line.origin_path, {}).get(line.origin_line, HUMAN)
    return TracedLine(line.path, line.line, line.text, line.origin, line.origin_path,
                      line.origin_line, author)


def _problems(
    lines: Sequence[TracedLine], named: tuple[list[str], list[str]],
    origins: Mapping[str, OriginCommit],
) -> list[str]:
    out = []
    unknown = sorted({line.origin for line in lines if line.author is None})
    if unknown:
        count = sum(1 for line in lines if line.author is None)
        out.append(f"{count} line{'s' if count != 1 else ''} come from commits without a "
                   f"provenance note ({', '.join(s[:10] for s in unknown)}): who wrote them is "
                   f"unknown; if the notes exist elsewhere, fetch them: {NOTES_HINT}")
    edge = sorted(sha for sha, origin in origins.items() if origin.boundary
                  and (sha in named[0] or any(line.origin == sha for line in lines)))
    if edge:
        out.append(f"history before {', '.join(s[:10] for s in edge)} is missing (shallow "
                   "clone): lines blamed on it may be older; run `git fetch --unshallow`")
    out += [f"{n} is named as the cause but is not a commit in this clone; run "
            f"`git fetch --unshallow` if it is older history" for n in named[1]]
    return out
