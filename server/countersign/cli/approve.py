"""``countersign approve [REV]``: sign off a commit as a reviewer.

On ``HEAD`` (the default) it amends the commit with an ``Approved-by: Name <email>``
trailer; on any other commit, or with ``--note``, it appends the approval to
``refs/notes/countersign-approvals`` so history is not rewritten.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from countersign.cli.common import require_repository
from countersign.cli.errors import UserError
from countersign.core.trailers import APPROVED_BY, email_of
from countersign.store import commits
from countersign.store.workspace import find_workspace

_PERSON = re.compile(r"^[^<>]+ <[^<>@\s]+@[^<>\s]+>$")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("approve", help="sign off a commit (Approved-by trailer or note)")
    parser.add_argument("rev", nargs="?", default="HEAD", help="commit to approve (HEAD)")
    parser.add_argument("--as", dest="who", metavar="'NAME <EMAIL>'",
                        help="the approver (default: git config user.name and user.email)")
    parser.add_argument("--note", action="store_true",
                        help="record the approval in a note instead of amending HEAD")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    workspace = require_repository(find_workspace(Path.cwd()),
                                   "run it in the repository whose commit you approve")
    runner = workspace.git()
    sha = commits.resolve_commit(runner, args.rev)
    if sha is None:
        raise UserError(f"no commit named {args.rev!r}", "pass a commit, e.g. HEAD", 2)
    who = args.who or runner.identity()
    if who is None:
        raise UserError("no approver identity: git config user.name / user.email are unset",
                        "pass --as 'Your Name <you@example.com>'", 2)
    if not _PERSON.match(who):
        raise UserError(f"approver {who!r} is not 'Name <email>'",
                        "pass --as 'Your Name <you@example.com>'", 2)
    author = runner.text("log", "-1", "--format=%ae", sha, "--")
    if email_of(who) == author.lower():
        raise UserError(f"{who} is the author of {sha[:10]}; authors cannot "
                        "approve their own changes", "ask a reviewer of the required "
                        "level to run `countersign approve`")
    trailer = f"{APPROVED_BY}: {who}"
    if sha != commits.head(runner) or args.note:
        runner.run("notes", "--ref", commits.APPROVALS_REF, "append", "-m", trailer, sha)
        print(f"Approved {sha[:10]} as {who} (note in {commits.APPROVALS_REF}; "
              f"push it with: git push origin {commits.APPROVALS_REF})")
        return 0
    message = runner.run("log", "-1", "--format=%B", sha, "--").decode("utf-8", "surrogateescape")
    if any(k.lower() == APPROVED_BY.lower() and email_of(v) == email_of(who)
           for k, v in commits.parse_trailers(runner, message)):
        print(f"{sha[:10]} already carries an approval from {who}")
        return 0
    new = commits.add_trailers(runner, message, [(APPROVED_BY, who)])
    commits.amend_message(runner, new)
    print(f"Approved {sha[:10]} as {who}: HEAD is now "
          f"{(commits.head(runner) or '')[:10]} with the trailer '{trailer}'")
    return 0
