"""``countersign export --agent-trace [REV-RANGE]``: provenance as Agent Trace JSONL.

One Agent Trace 0.1.0 record per commit that has a provenance note, newest first, one JSON
object per line, on stdout or in ``--output``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from countersign.cli.common import require_repository
from countersign.cli.errors import UserError
from countersign.core.provenance import NoteError
from countersign.store import commits
from countersign.store.gitcli import GitError
from countersign.store.workspace import find_workspace


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("export", help="export line-level provenance (Agent Trace JSONL)")
    parser.add_argument("--agent-trace", action="store_true", required=True,
                        help="Agent Trace 0.1.0 records, one JSON object per line")
    parser.add_argument("range", nargs="*", metavar="REV-RANGE",
                        help="commits (git rev-list syntax; default HEAD's history)")
    parser.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    workspace = require_repository(find_workspace(Path.cwd()),
                                   "run it in a clone with notes (`countersign sync` "
                                   "fetches and merges them)")
    repo = workspace.git()
    try:
        shas = repo.text("rev-list", *(args.range or ["HEAD"]), "--").split()
    except GitError as exc:
        raise UserError(f"git cannot read the range {' '.join(args.range)}: {exc.stderr.strip()}",
                        "pass a range like origin/main..HEAD", 2) from None
    notes = commits.all_notes(repo)
    blobs = repo.objects([notes[s] for s in shas if s in notes])
    out = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
    written = 0
    try:
        for sha in shas:
            data = blobs.get(notes.get(sha, ""))
            if data is None:
                continue
            try:
                record = json.loads(commits.decode(data))
            except json.JSONDecodeError:
                print(f"warning: the note on {sha[:10]} is not JSON; skipped", file=sys.stderr)
                continue
            if not isinstance(record, dict) or "files" not in record:
                print(f"warning: {NoteError.__name__}: the note on {sha[:10]} is not a "
                      "provenance record; skipped", file=sys.stderr)
                continue
            out.write(_json_line(record))
            written += 1
    finally:
        if args.output:
            out.close()
    print(f"{written} records for {len(shas)} commits", file=sys.stderr)
    return 0


def _json_line(record: object) -> str:
    """One JSON line; ASCII-escaped when a file name in it is not UTF-8 (the escape keeps
    its bytes exact, where the raw text could not be written as UTF-8 at all)."""
    line = json.dumps(record, sort_keys=True, ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        line = json.dumps(record, sort_keys=True)
    return line + "\n"
