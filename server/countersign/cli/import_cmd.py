"""``countersign import SOURCE``: provenance that other tools recorded, into countersign's notes.

- ``git-ai``: git-ai authorship logs in ``refs/notes/ai`` (fetch them first);
- ``agent-trace FILE...``: Agent Trace JSONL (``.agent-trace/traces.jsonl``), ``-`` for stdin;
- ``trailers [REV-RANGE]``: commits whose ``Co-authored-by``/``Assisted-by`` names an AI;
- ``aider [REV-RANGE]``: Aider's commits (below).

Imported lines are marked with their source; malformed records are reported and skipped
(``store.importing``).

``aider``: attribute Aider's commits from history.

Aider has no hooks but commits each edit itself, naming itself as author (``Name
(aider)``) or co-author (``Co-authored-by: aider (MODEL) <aider@aider.chat>``). Every added
line of such a commit is recorded as Aider's in the commit's provenance note (lines other
tools already had in the note keep their origin). The post-commit hook does the same for
new commits.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

from countersign.cli.common import Context, repository_context
from countersign.cli.errors import UserError
from countersign.core.agents import aider_origin
from countersign.store import commits, importing
from countersign.store.gitcli import Git, GitError
from countersign.store.stamping import Stamper


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("import", help="provenance other tools recorded (git-ai, "
                                           "agent-trace, trailers, aider)")
    parser.add_argument("source", choices=("git-ai", "agent-trace", "trailers", "aider"))
    parser.add_argument("range", nargs="*", metavar="REV-RANGE|FILE",
                        help="trailers/aider: commits to look at (git rev-list syntax; default "
                             "HEAD's history); agent-trace: JSONL files (default "
                             ".agent-trace/traces.jsonl, - for stdin)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    context = repository_context("run it in the repository whose history to attribute")
    repo = context.workspace.git()
    if commits.head(repo) is None:
        print("No commits yet.")
        return 0
    if args.source == "git-ai":
        return _report(importing.import_git_ai(repo), "git-ai authorship logs")
    if args.source == "agent-trace":
        files = args.range or [str(context.workspace.root / ".agent-trace" / "traces.jsonl")]
        return _report(importing.import_agent_trace(repo, _jsonl(files)), "Agent Trace records")
    logged = _log(repo, args.range)
    if args.source == "trailers":
        return _report(importing.import_trailers(repo, logged), "commits")
    return _aider(context, repo, logged)


def _log(repo: Git, revs: list[str]) -> list[commits.LoggedCommit]:
    try:
        return list(commits.log(repo, revs or ["HEAD"]))
    except GitError as exc:
        raise UserError(f"git cannot read the range {' '.join(revs)}: {exc.stderr.strip()}",
                        "pass a range like origin/main..HEAD", 2) from None


def _jsonl(files: list[str]) -> Iterator[tuple[str, str]]:
    for name in files:
        try:
            handle = sys.stdin if name == "-" else open(name, encoding="utf-8",  # noqa: SIM115
                                                        errors="replace")
        except OSError as exc:
            raise UserError(f"cannot read {name}: {exc.strerror}",
                            "pass the Agent Trace JSONL file (.agent-trace/traces.jsonl)", 2) \
                from None
        with handle:
            for number, line in enumerate(handle, start=1):
                yield f"{name}:{number}", line


def _report(result: importing.Imported, what: str) -> int:
    for problem in result.problems:
        print(f"warning: {problem}", file=sys.stderr)
    lines = sum(result.written.values())
    print(f"{len(result.written)} note{'s' if len(result.written) != 1 else ''} written "
          f"({lines} AI lines) from {result.read} {what}; {len(result.problems)} skipped "
          f"(notes in {commits.NOTES_REF})")
    return 0


def _aider(context: Context, repo: Git, logged: list[commits.LoggedCommit]) -> int:
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
