"""``countersign blame FILE``: per line, whether an AI wrote it and which one.

Committed lines are looked up in the provenance note of the commit ``git blame`` names
(at the line number that commit gave it); uncommitted lines come from the ledger.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from countersign.cli.common import load_context, require_repository
from countersign.cli.errors import UserError
from countersign.cli.files import Skipped, read_text
from countersign.core.adoption import ProvenancePolicy
from countersign.core.lines import split_lines
from countersign.core.origin import Origin
from countersign.core.printable import printable
from countersign.core.provenance import NoteError, record_lines
from countersign.store import commits
from countersign.store.baseline import before_baseline
from countersign.store.gitcli import Git

_UNCOMMITTED = "0" * 40


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("blame", help="per line: AI-authored or not, and by what")
    parser.add_argument("file", type=Path)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    context = load_context(args.file.parent if args.file.parent.exists() else Path.cwd())
    require_repository(context.workspace, "blame works on files of a git working tree",
                       args.file)
    text = read_text(args.file)
    if isinstance(text, Skipped):
        raise UserError(f"cannot blame {args.file}: {text.reason}",
                        "pass a text file of the working tree", 2)
    rel = context.workspace.relative(args.file)
    with context.reader() as ledger:
        uncommitted = ledger.attributions(rel, text)
    repo = context.workspace.git()
    rows = _rows(repo, rel, split_lines(text), uncommitted)
    _mark_before_baseline(repo, context.config.provenance, rows)
    if args.format == "json":
        json.dump({"path": rel, "lines": rows}, sys.stdout, indent=2)
        print()
        return 0
    width = max((len(printable(_who(r))) for r in rows), default=5)
    for r in rows:
        # who wrote it comes from notes and agents' payloads: escaped; the code as it is
        print(f"{r['line']:>5} {printable(_who(r)):<{width}} {(r['commit'] or '')[:8]:<8} | "
              f"{r['text']}")
    return 0


def _who(row: dict[str, Any]) -> str:
    if row["ai"] is None:
        return "before countersign" if row.get("before_countersign") else "unknown (no note)"
    return str(row["origin"])


def _mark_before_baseline(repo: Git, policy: ProvenancePolicy, rows: list[dict[str, Any]]
                          ) -> None:
    """Rows without a note whose commit is before the adoption baseline say so."""
    unknown = {r["commit"] for r in rows if r["ai"] is None and r["commit"]}
    if not unknown or policy.baseline is None:
        return
    out = repo.text("log", "--no-walk=unsorted", "--format=%H %ct", *sorted(unknown), "--")
    logged = [commits.LoggedCommit(sha, [], "", int(when), "", [], [])
              for sha, when in (line.split() for line in out.splitlines())]
    before = before_baseline(repo, policy, sorted(unknown), logged)
    for row in rows:
        if row["ai"] is None and row["commit"] in before:
            row["before_countersign"] = True


def _rows(runner: Git, rel: str, lines: list[str],
          uncommitted: dict[int, Origin]) -> list[dict[str, Any]]:
    blamed: dict[int, tuple[str, str, int]] = {}
    if commits.head(runner) is not None and _tracked(runner, rel):
        for b in runner.blame(rel):
            blamed[b.line] = (b.commit, b.orig_path, b.orig_line)
    notes: dict[str, dict[str, dict[int, Origin]] | None] = {}
    rows = []
    for number, text in enumerate(lines[:-1] if lines and lines[-1] == "" else lines):
        sha, path, orig = blamed.get(number, (_UNCOMMITTED, rel, number))
        if sha == _UNCOMMITTED:
            origin: Origin | None = uncommitted.get(number, Origin())
        else:
            if sha not in notes:
                notes[sha] = _note(runner, sha)
            note = notes[sha]
            origin = None if note is None else note.get(path, {}).get(orig, Origin())
        rows.append({"line": number + 1, "commit": None if sha == _UNCOMMITTED else sha,
                     "ai": None if origin is None else origin.is_ai,
                     "origin": None if origin is None else origin.label(),
                     "text": text})
    return rows


def _tracked(runner: Git, rel: str) -> bool:
    return bool(runner.run("--literal-pathspecs", "ls-files", "-z", "--", rel))


def _note(repo: Git, sha: str) -> dict[str, dict[int, Origin]] | None:
    try:
        record = commits.read_note(repo, sha)
        return record_lines(record) if record is not None else None
    except NoteError:
        return None
