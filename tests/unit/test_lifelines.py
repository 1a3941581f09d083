"""core.lifelines: following lines through hunks, against a model that keeps every line."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from countersign.core.diff import FileChange, Hunk
from countersign.core.lifelines import Fate, Lifelines, apply_hunks, combine


@dataclass
class Edit:
    """Replace ``remove`` lines at ``at`` (of the file before the commit) with ``insert``."""

    at: int
    remove: int
    insert: int
    follow: frozenset[int]
    """Which of the inserted lines (0-based among them) are followed."""


@st.composite
def commits(draw: st.DrawFn, length: int) -> tuple[list[Edit], int]:
    """Non-overlapping edits of a file of ``length`` lines, in order, and the new length."""
    edits, pos = [], 0
    for _ in range(draw(st.integers(1, 3))):
        if pos > length:
            break
        at = draw(st.integers(pos, length))
        remove = draw(st.integers(0, min(3, length - at)))
        insert = draw(st.integers(0 if remove else 1, 3))
        follow = draw(st.frozensets(st.integers(0, max(insert - 1, 0)), max_size=insert))
        edits.append(Edit(at, remove, insert, frozenset(f for f in follow if f < insert)))
        pos = at + remove + 1
    return edits, length + sum(e.insert - e.remove for e in edits)


@given(st.data())
def test_a_linear_history_matches_a_model_that_keeps_every_line(data: st.DataObject) -> None:
    start = data.draw(st.integers(0, 8), label="lines before the window")
    model: list[tuple[str, int] | None] = [None] * start  # (commit, line) or not followed
    expected: dict[tuple[str, int], int | None] = {}
    tracker = Lifelines({f"c{i}": 1 for i in range(12)})
    parent = "before"
    for number in range(data.draw(st.integers(1, 12), label="commits")):
        sha, time = f"c{number}", 100 + number
        edits, _ = data.draw(commits(len(model)), label=sha)
        hunks, follow, shift = [], set(), 0
        new_model: list[tuple[str, int] | None] = []
        pos = 0
        for edit in edits:
            new_model += model[pos:edit.at]
            new_start = edit.at + shift
            for dead in model[edit.at:edit.at + edit.remove]:
                if dead is not None:
                    expected[dead] = time
            for k in range(edit.insert):
                line = new_start + k
                followed = k in edit.follow
                new_model.append((sha, line) if followed else None)
                if followed:
                    follow.add(line)
                    expected[(sha, line)] = None
            hunks.append(Hunk(edit.at, edit.remove, new_start, edit.insert))
            shift += edit.insert - edit.remove
            pos = edit.at + edit.remove
        new_model += model[pos:]
        model = new_model
        change = FileChange("f.py", hunks=hunks)
        tracker.step(sha, [parent], time, False, {parent: [change]}, {"f.py": follow})
        parent = sha
    fates = {(f.commit, f.line): f.died for f in tracker.fates()}
    assert fates == expected


def test_a_renamed_file_keeps_its_lines_and_a_deleted_one_loses_them() -> None:
    tracker = Lifelines({"a": 1, "b": 1, "c": 1})
    added = FileChange("x.py", status="added", hunks=[Hunk(0, 0, 0, 3)])
    tracker.step("a", [], 1, False, {"": [added]}, {"x.py": {0, 2}})
    moved = FileChange("y.py", "x.py", "renamed", hunks=[Hunk(1, 1, 1, 1)])
    tracker.step("b", ["a"], 2, False, {"a": [moved]}, {})
    gone = FileChange("y.py", status="deleted", hunks=[Hunk(0, 3, 0, 0)])
    tracker.step("c", ["b"], 3, True, {"b": [gone]}, {})
    assert list(tracker.fates()) == [Fate("a", "x.py", 0, 1, 3, True),
                                     Fate("a", "x.py", 2, 1, 3, True)]


def test_a_merge_keeps_the_ids_of_the_branch_it_takes_lines_from() -> None:
    # a: f has 2 lines; b (main) appends a followed line; s (side) inserts one at the top;
    # m merges both: each line keeps the id it has on the side it came from; its own new
    # line is born in m; the line m drops from main dies at m
    tracker = Lifelines({"a": 2, "b": 1, "s": 1})
    tracker.step("a", [], 1, False, {"": [FileChange("f", status="added",
                                                     hunks=[Hunk(0, 0, 0, 2)])]}, {"f": {1}})
    tracker.step("b", ["a"], 2, False, {"a": [FileChange("f", hunks=[Hunk(2, 0, 2, 1)])]},
                 {"f": {2}})
    tracker.step("s", ["a"], 3, False, {"a": [FileChange("f", hunks=[Hunk(0, 0, 0, 1)])]},
                 {"f": {0}})
    # m = [s0, a0, a1, m3]: against b it adds line 0 and replaces b's line 2 with m3;
    # against s it appends m3
    tracker.step("m", ["b", "s"], 4, False, {
        "b": [FileChange("f", hunks=[Hunk(0, 0, 0, 1), Hunk(2, 1, 3, 1)])],
        "s": [FileChange("f", hunks=[Hunk(3, 0, 3, 1)])]}, {"f": {3}})
    assert {(f.commit, f.line): f.died for f in tracker.fates()} == {
        ("a", 1): None, ("b", 2): 4, ("s", 0): None, ("m", 3): None}


def test_hunks_past_the_followed_lines_need_no_file_length() -> None:
    ids, dead = apply_hunks([0, 7], [Hunk(40, 2, 40, 1)], lambda n: 9)
    assert (ids, dead) == ([0, 7] + [0] * 38 + [9], [])
    assert combine([[-1, 5], [3]], lambda n: 8) == [3, 5]
    assert combine([[-1, -1], [-1, -1]], lambda n: n + 1) == [1, 2]
    assert combine([[-1, -1], [-1]], lambda n: n + 1) == [1]  # past [-1]: a line unchanged
