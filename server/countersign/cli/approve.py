"""``countersign approve [REV]``: sign off a commit as a reviewer.

On ``HEAD`` (the default) it amends the commit with an ``Approved-by: Name <email>``
trailer; on any other commit, or with ``--note``, it appends the approval to
``refs/notes/countersign-approvals`` so history is not rewritten.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import git

from countersign.cli.errors import UserError
from countersign.core.trailers import APPROVED_BY, email_of
from countersign.store import commits
from countersign.store.git import find_workspace

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
    workspace = find_workspace(Path.cwd())
    if workspace.git_dir is None:
        raise UserError(f"{Path.cwd()} is not inside a git repository",
                        "run it in the repository whose commit you approve", 2)
    repo = git.Repo(workspace.root)
    try:
        commit = repo.commit(args.rev)
    except (git.BadName, ValueError):
        raise UserError(f"no commit named {args.rev!r}", "pass a commit, e.g. HEAD", 2) from None
    who = args.who or _identity(repo)
    if not _PERSON.match(who):
        raise UserError(f"approver {who!r} is not 'Name <email>'",
                        "pass --as 'Your Name <you@example.com>'", 2)
    if email_of(who) == (commit.author.email or "").lower():
        raise UserError(f"{who} is the author of {commit.hexsha[:10]}; authors cannot "
                        "approve their own changes", "ask a reviewer of the required "
                        "level to run `countersign approve`")
    trailer = f"{APPROVED_BY}: {who}"
    runner = workspace.git()
    if commit.hexsha != commits.head(runner) or args.note:
        repo.git.notes("--ref", commits.APPROVALS_REF, "append", "-m", trailer, commit.hexsha)
        print(f"Approved {commit.hexsha[:10]} as {who} (note in {commits.APPROVALS_REF}; "
              f"push it with: git push origin {commits.APPROVALS_REF})")
        return 0
    message = commit.message if isinstance(commit.message, str) else commit.message.decode()
    if any(k.lower() == APPROVED_BY.lower() and email_of(v) == email_of(who)
           for k, v in commits.parse_trailers(runner, message)):
        print(f"{commit.hexsha[:10]} already carries an approval from {who}")
        return 0
    new = commits.add_trailers(runner, message, [(APPROVED_BY, who)])
    commits.amend_message(runner, new)
    print(f"Approved {commit.hexsha[:10]} as {who}: HEAD is now "
          f"{repo.head.commit.hexsha[:10]} with the trailer '{trailer}'")
    return 0


def _identity(repo: git.Repo) -> str:
    reader = repo.config_reader()
    name = reader.get_value("user", "name", "")
    email = reader.get_value("user", "email", "")
    if not name or not email:
        raise UserError("no approver identity: git config user.name / user.email are unset",
                        "pass --as 'Your Name <you@example.com>'", 2)
    return f"{name} <{email}>"
