"""``countersign import aider [REV-RANGE]``: attribute Aider's commits from history.

Aider has no hooks but commits each edit itself, naming itself as author (``Name
(aider)``) or co-author (``Co-authored-by: aider (MODEL) <aider@aider.chat>``). Every added
line of such a commit is recorded as Aider's in the commit's provenance note (lines other
tools already had in the note keep their origin). The post-commit hook does the same for
new commits.
"""

from __future__ import annotations

import argparse

from countersign.cli.common import repository_context
from countersign.cli.errors import UserError
from countersign.core.agents import aider_origin
from countersign.store import commits
from countersign.store.gitcli import GitError
from countersign.store.stamping import Stamper


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("import", help="attribute commits of agents without hooks (aider)")
    parser.add_argument("source", choices=("aider",))
    parser.add_argument("range", nargs="*", metavar="REV-RANGE",
                        help="commits to look at (git rev-list syntax; default HEAD's history)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    context = repository_context("run it in the repository Aider committed to")
    repo = context.workspace.git()
    if commits.head(repo) is None:
        print("No commits yet.")
        return 0
    try:
        logged = list(commits.log(repo, args.range or ["HEAD"]))
    except GitError as exc:
        raise UserError(f"git cannot read the range {' '.join(args.range)}: {exc.stderr.strip()}",
                        "pass a range like origin/main..HEAD", 2) from None
    found = 0
    with context.ledger() as ledger:
        stamper = Stamper(repo, ledger, context.rules, context.config)
        for commit in reversed(logged):
            origin = aider_origin(commit.author, commit.trailers)
            if origin is None:
                continue
            carry = commit.sha if commits.has_note(repo, commit.sha) else None
            stamp = stamper.write_note(commit.sha, carry_from=carry, author=origin)
            found += 1
            print(f"{commit.sha[:10]} {commit.subject}: {stamp.ai_line_count} lines by "
                  f"{origin.label()}")
    print(f"{found} Aider commit{'s' if found != 1 else ''} of {len(logged)} attributed "
          f"(notes in {commits.NOTES_REF})")
    return 0
