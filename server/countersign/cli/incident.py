"""``countersign incident [REV...] [--since DATE]``: was AI in the chain of an incident?

For each fix or revert commit, the lines it removed or changed are blamed on its parent
(renames and moved lines followed) to find the commits that introduced them; each of those
is joined with its provenance note and judged as ``verify`` judges it (tier, review, who
signed it off and whether that counts). ``--since`` finds fixes in HEAD's history by their
messages: reverts, ``Fixes:`` trailers, and the policy's incident trailer. The tracing is
``store.tracing``'s; this module reads the arguments and prints.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from countersign.cli.common import repository_context
from countersign.cli.errors import UserError
from countersign.cli.record import usage_errors
from countersign.core.incident_report import render_markdown, render_text, to_json
from countersign.store import commits
from countersign.store.gitcli import Git, GitError
from countersign.store.lineage import HistoryCommit, shallow_boundary
from countersign.store.tracing import find_fixes, trace


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
    with usage_errors():
        incidents = trace(repo, context.config, context.rules, fixes)
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
