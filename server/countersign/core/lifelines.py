"""When each followed line of a history was born and when it was removed or changed.

Commits are applied oldest first (parents before children), each as the hunks of its diff
against its parents, to a per-commit state: path -> the ids of the file's lines. Only lines
someone asked to follow (AI lines, lines of unknown provenance) get an id; every other line
is 0, and a file's list stops after its last followed line (the lines after it are all 0,
whatever their number), so the cost grows with the followed lines, not with the repository.

A merge keeps, for each line of a file it changed, the id the line has in the first parent
it is unchanged against (as ``git blame`` passes blame); lines new against every parent are
its own. A line dies at the first commit whose state lacks it while a parent's had it, and
lives again if a later merge keeps it from another parent.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

from countersign.core.diff import FileChange, Hunk

_NEW = -1
"""In a merge: a line added against this parent (its id comes from another parent)."""
State = dict[str, list[int]]


@dataclass(frozen=True)
class Fate:
    """A followed line: where and when it was born, and when it was removed or changed."""

    commit: str
    path: str
    line: int
    """0-based, in ``commit``."""
    born: int
    died: int | None
    """Time of the first commit that removed or changed it (``None``: still there)."""
    reverted: bool
    """Removed by a revert."""


class Lifelines:
    """Follows lines through a history given oldest first (see the module docstring)."""

    def __init__(self, children: Mapping[str, int]) -> None:
        """``children``: commit id -> how many commits of the history have it as parent."""
        self._left = dict(children)
        self._states: dict[str, State] = {}
        self._born: list[tuple[str, str, int, int]] = [("", "", 0, 0)]
        self._deaths: dict[int, tuple[int, bool]] = {}

    def step(
        self, sha: str, parents: Sequence[str], time: int, revert: bool,
        diffs: Mapping[str, Sequence[FileChange]], follow: Mapping[str, Collection[int]],
    ) -> None:
        """Apply one commit: ``diffs`` maps each parent (``""`` for a root commit) to the
        files changed against it (absent: the same tree); ``follow`` maps a path to the
        0-based lines the commit added that are to be followed."""

        def new_line(path: str) -> Callable[[int], int]:
            lines = follow.get(path, ())
            return lambda n: self._birth(sha, path, n, time) if n in lines else 0

        if len(parents) < 2:
            parent = parents[0] if parents else ""
            state = self._take(parent)
            for change in diffs.get(parent, ()):
                self._apply_change(state, change, new_line(change.path), time, revert)
        else:
            state = self._merge(parents, diffs, new_line, time, revert)
        self._states[sha] = state
        self._release(parents)

    def fates(self) -> Iterator[Fate]:
        for number, (sha, path, line, born) in enumerate(self._born):
            if number:
                died = self._deaths.get(number)
                yield Fate(sha, path, line, born, died[0] if died else None,
                           bool(died and died[1]))

    def _birth(self, sha: str, path: str, line: int, time: int) -> int:
        self._born.append((sha, path, line, time))
        return len(self._born) - 1

    def _kill(self, ids: Collection[int], time: int, revert: bool) -> None:
        for i in ids:
            if i > 0 and (i not in self._deaths or self._deaths[i][0] > time):
                self._deaths[i] = (time, revert)

    def _take(self, parent: str) -> State:
        """The parent's state to build on: handed over when this is its last child."""
        if self._left.get(parent, 0) <= 1:
            return self._states.pop(parent, None) or {}
        return dict(self._states.get(parent, {}))

    def _release(self, parents: Sequence[str]) -> None:
        for parent in parents:
            self._left[parent] = self._left.get(parent, 1) - 1
            if self._left[parent] <= 0:
                self._states.pop(parent, None)

    def _apply_change(
        self, state: State, change: FileChange, fill: Callable[[int], int], time: int,
        revert: bool,
    ) -> None:
        source = change.old_path or change.path
        if change.status == "deleted" or change.binary:
            self._kill(state.pop(source, []) + state.pop(change.path, []), time, revert)
            return
        old = state.get(source, []) if change.status == "copied" else state.pop(source, [])
        new, dead = apply_hunks(old, change.hunks, fill)
        self._kill(dead, time, revert)
        if new:
            state[change.path] = new

    def _merge(
        self, parents: Sequence[str], diffs: Mapping[str, Sequence[FileChange]],
        new_line: Callable[[str], Callable[[int], int]], time: int, revert: bool,
    ) -> State:
        states = [self._states.get(p, {}) for p in parents]
        changed = [diffs.get(p) for p in parents]
        paths = sorted({c.path for cs in changed for c in cs or () if c.status != "deleted"})
        before = {i for k, cs in enumerate(changed) for c in cs or ()
                  for i in states[k].get(c.old_path or c.path, [])}
        merged = {path: combine([_against(states[k], cs, path) for k, cs in enumerate(changed)],
                                new_line(path)) for path in paths}
        state = self._take(parents[0])  # may be states[0] itself: read before this
        for change in changed[0] or ():
            state.pop(change.old_path or change.path, None)
        after: set[int] = set()
        for path, ids in merged.items():
            after.update(ids)
            if ids:
                state[path] = ids
            else:
                state.pop(path, None)
        self._kill(before - after, time, revert)
        for i in after:
            self._deaths.pop(i, None)
        return state


def _against(state: State, changes: Sequence[FileChange] | None, path: str) -> list[int]:
    """The ids of ``path`` in a merge against one parent; added lines are ``_NEW``."""
    change = next((c for c in changes or () if c.path == path and c.status != "deleted"), None)
    if change is None:
        return state.get(path, [])
    old = [] if change.status == "added" else state.get(change.old_path or change.path, [])
    return apply_hunks(old, change.hunks, lambda n: _NEW)[0]


def apply_hunks(
    old: list[int], hunks: Sequence[Hunk], fill: Callable[[int], int]
) -> tuple[list[int], list[int]]:
    """The ids after the hunks (added line ``n`` gets ``fill(n)``), and the ids removed."""
    out: list[int] = []
    dead: list[int] = []
    pos = 0
    for hunk in hunks:
        out.extend(old[pos:hunk.old_start])
        if len(out) < hunk.new_start:  # past the followed lines: the file's lines are all 0
            out.extend([0] * (hunk.new_start - len(out)))
        dead.extend(i for i in old[hunk.old_start:hunk.old_start + hunk.old_count] if i > 0)
        out.extend(fill(n) for n in range(hunk.new_start, hunk.new_start + hunk.new_count))
        pos = hunk.old_start + hunk.old_count
    out.extend(old[pos:])
    return _trim(out), dead


def combine(lists: Sequence[list[int]], fill: Callable[[int], int]) -> list[int]:
    """Line by line, the id from the first parent the line is not new against."""
    out = list(lists[0]) if lists else []  # past its end the first parent's lines are 0
    for i in [i for i, value in enumerate(out) if value == _NEW]:
        value = next((ids[i] if i < len(ids) else 0 for ids in lists[1:]
                      if i >= len(ids) or ids[i] != _NEW), _NEW)
        out[i] = fill(i) if value == _NEW else value
    return _trim(out)


def _trim(ids: list[int]) -> list[int]:
    while ids and ids[-1] == 0:
        ids.pop()
    return ids
