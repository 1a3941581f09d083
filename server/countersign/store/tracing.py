"""Fix tracing: the commits and AI tools behind the lines a fix or revert repaired.

For each fix, the lines it removed or changed are blamed on its first parent (renames and
moved lines followed, ``store.lineage.blame_removed``) to find the commits that introduced
them; each of those is joined with its provenance note and judged as ``verify`` judges it
(``store.judging.Gate``, without ``[autonomy]``). ``countersign incident`` prints it; the
track record (``store.track``) counts it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from countersign.core.autonomy import AutonomyPolicy
from countersign.core.config import Config
from countersign.core.incidents import Incident, OriginCommit, TracedLine, find_markers
from countersign.core.origin import HUMAN
from countersign.core.rules import RuleSet
from countersign.core.signoff import Verdict
from countersign.store import commits
from countersign.store.gitcli import Git, GitError
from countersign.store.judging import Gate
from countersign.store.lineage import (
    HistoryCommit,
    Lines,
    blame_removed,
    notes_of,
    read_history,
    shallow_boundary,
)
from countersign.store.signing import SigningError

NOTES_HINT = "git fetch origin 'refs/notes/countersign*:refs/notes/countersign*'"


class HistoryError(Exception):
    """History cannot be read or judged as asked: what went wrong, and the fix (``hint``).

    The commands say it as a usage error (exit 2); the editor's report says it as is."""

    def __init__(self, message: str, hint: str | None) -> None:
        super().__init__(f"{message} ({hint})" if hint else message)
        self.message = message
        self.hint = hint


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


def trace(
    repo: Git, config: Config, rules: RuleSet, fixes: Sequence[HistoryCommit]
) -> list[Incident]:
    """Each fix with the lines it repaired, their origins and the commits it names."""
    trailer = config.autonomy.incident_trailer
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
               for v in judge(repo, config, rules, wanted)}
    return [_incident(fix, blamed[fix.sha], named[fix.sha], origins, notes, trailer)
            for fix in fixes]


def judge(repo: Git, config: Config, rules: RuleSet, shas: Sequence[str]) -> list[Verdict]:
    """The gate's verdicts on ``shas`` (``verify``'s: same evidence, owners and policy),
    without ``[autonomy]``: the track record is made of these verdicts, so they must not
    depend on it. Raises ``HistoryError`` as ``verify`` words it."""
    if not shas:
        return []
    plain = replace(config, autonomy=AutonomyPolicy())
    revs = ["--no-walk=unsorted", *shas]
    try:
        return list(Gate(repo, repo.root, plain, rules).verdicts(revs))
    except SigningError as exc:
        raise HistoryError(f"cannot check approvals: {exc.message}", exc.hint) from None
    except GitError as exc:
        raise HistoryError(f"git cannot read the range {' '.join(revs)}: "
                           f"{exc.stderr.strip() or exc}",
                           "pass a range git understands, e.g. `countersign verify "
                           "origin/main..HEAD` (fetch the base branch first in CI)") from None


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
