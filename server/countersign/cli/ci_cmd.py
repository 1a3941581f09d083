"""``countersign ci land --head PR_HEAD [LANDED]``: notes for a pull request the forge landed.

Run by CI after a merge (docs/ci/): a squash or rebase merge makes new commits that have
no provenance note, so on the target branch every AI line of the pull request would
become "unknown provenance". This writes their notes from the pull request's own notes,
re-anchored onto the landed content (``store.landing``). Share them with
``countersign sync --push``.
"""

from __future__ import annotations

import argparse
from collections import Counter

from countersign.cli.common import repository_context
from countersign.cli.errors import UserError
from countersign.store import commits, landing
from countersign.store.gitcli import GitError
from countersign.store.stamping import Stamper

_FETCH_HINT = ("fetch it first, e.g. `git fetch origin refs/pull/N/head` on GitHub or "
               "`git fetch origin refs/merge-requests/N/head` on GitLab, with the notes: "
               "`countersign sync origin`")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("ci", help="what CI runs around the gate (land: notes for a "
                                       "squash or rebase merge)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    land = actions.add_parser(
        "land", help="write the notes of commits a forge landed (squash, rebase, merge)",
        description="Tell by content how the pull request whose last commit is PR_HEAD "
                    "landed as LANDED (default HEAD), and write the provenance notes the "
                    "landed commits need. Exit 0 done, 1 nothing to carry, 2 usage error.")
    land.add_argument("landed", nargs="?", default="HEAD", metavar="LANDED",
                      help="the commit the merge made on the target branch (default HEAD)")
    land.add_argument("--head", required=True, metavar="PR_HEAD",
                      help="the pull request's last commit (GitHub: pull_request.head.sha)")
    land.set_defaults(func=run_land)


def run_land(args: argparse.Namespace) -> int:
    context = repository_context("run it in the CI clone of the target branch")
    repo = context.workspace.git()
    try:
        landed = landing.resolve(repo, args.landed, "LANDED")
        head = landing.resolve(repo, args.head, "--head")
    except LookupError as exc:
        raise UserError(str(exc), _FETCH_HINT, 2) from None
    try:
        found = landing.classify(repo, landed, head)
    except GitError as exc:
        raise UserError(f"git cannot compare {landed[:10]} with {head[:10]}: "
                        f"{exc.stderr.strip()}", _FETCH_HINT, 2) from None
    noted = [s for s in found.sources if commits.has_note(repo, s)]
    print(f"{found.kind}: {landed[:10]} landed {len(found.sources)} commit"
          f"{'s' if len(found.sources) != 1 else ''} of the pull request "
          f"({found.base[:10]}..{head[:10]}), {len(noted)} with a provenance note")
    if found.kind in ("merge", "fast-forward"):
        print("The pull request's commits are in the history with their own notes; "
              "nothing to write.")
        return 0
    if not noted:
        raise UserError(f"none of the pull request's commits has a note in "
                        f"{commits.NOTES_REF}, so there is nothing to carry",
                        "fetch the notes first: `countersign sync origin`", 1)
    with context.ledger() as ledger:
        stamper = Stamper(repo, ledger, context.rules, context.config)
        written = landing.land(stamper, found)
    for w in written:
        tools = Counter(o.label() for lines in w.stamp.ai_lines.values() for o in lines.values())
        who = ", ".join(f"{t} {n}" for t, n in tools.most_common()) or "no AI lines"
        came = f" from {w.source[:10]}" if w.source else ""
        print(f"  {w.sha[:10]}{came}: {w.stamp.ai_line_count}/{w.stamp.added_lines} lines "
              f"by AI ({who}), tier {w.stamp.tier.label}")
    print(f"{len(written)} note{'s' if len(written) != 1 else ''} written to "
          f"{commits.NOTES_REF}; share with `countersign sync --push origin`")
    return 0
