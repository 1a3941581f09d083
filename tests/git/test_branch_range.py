"""Which commits the editor's report judges (``store.branch_range``), in real clones of a real
remote: the branch's upstream, the remote's default branch for a pushed feature branch, and
HEAD's recent commits without either."""

from __future__ import annotations

from pathlib import Path

import pytest

from countersign.store.branch_range import RangeError, branch_range, default_base
from countersign.store.gitcli import Git
from tests.helpers import git, make_repo, write


def commit(repo: Path, name: str) -> str:
    write(repo, f"{name}.txt", f"{name}\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", name)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A clone of a remote whose ``main`` has two commits (``origin/HEAD`` -> ``main``)."""
    origin = make_repo(tmp_path / "seed")
    commit(origin, "one")
    commit(origin, "two")
    git(tmp_path, "clone", "-q", "--bare", str(origin), str(tmp_path / "origin.git"))
    git(tmp_path, "clone", "-q", str(tmp_path / "origin.git"), str(tmp_path / "clone"))
    return tmp_path / "clone"


def shas(repo: Path, revs: tuple[str, ...]) -> list[str]:
    return git(repo, "rev-list", *revs).split()


def test_a_branch_made_from_the_base_is_judged_over_it(clone: Path) -> None:
    git(clone, "checkout", "-q", "-b", "feature", "origin/main")  # tracks origin/main
    mine = [commit(clone, "a"), commit(clone, "b")]
    found = branch_range(Git(clone))
    assert (found.label, found.base, found.omitted) == ("origin/main..HEAD", "origin/main", 0)
    assert shas(clone, found.revs) == mine[::-1]
    assert found.verify_args == ("origin/main..HEAD",)


def test_a_pushed_feature_branch_is_judged_over_the_remotes_default_branch(clone: Path) -> None:
    git(clone, "checkout", "-q", "-b", "feature")
    mine = [commit(clone, "a"), commit(clone, "b")]
    git(clone, "push", "-q", "-u", "origin", "feature")  # now tracks origin/feature
    assert default_base(Git(clone)) == "origin/main"
    assert shas(clone, branch_range(Git(clone)).revs) == mine[::-1]
    git(clone, "remote", "set-head", "origin", "--delete")  # no default branch known:
    assert default_base(Git(clone)) == "origin/feature"  # its own upstream, nothing ahead
    assert shas(clone, branch_range(Git(clone)).revs) == []


def test_main_is_judged_over_origin_main(clone: Path) -> None:
    mine = commit(clone, "local")
    found = branch_range(Git(clone))
    assert (found.label, shas(clone, found.revs)) == ("origin/main..HEAD", [mine])


def test_without_an_upstream_head_and_the_nine_commits_before_it(clone: Path) -> None:
    git(clone, "checkout", "-q", "--detach")
    mine = [commit(clone, str(n)) for n in range(12)]
    found = branch_range(Git(clone))
    assert (found.label, found.base) == ("HEAD and the 9 commits before it (no upstream)", None)
    assert shas(clone, found.revs) == mine[::-1][:10]
    assert found.verify_args == ("--", "--max-count=10", "HEAD")
    assert shas(clone, branch_range(Git(clone), limit=4).revs) == mine[::-1][:4]
    assert branch_range(Git(clone), limit=4).omitted == 6


def test_a_short_history_without_upstream_says_how_long_it_is(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    commit(repo, "only")
    assert branch_range(Git(repo)).label == "HEAD and no commit before it (no upstream)"
    commit(repo, "second")
    assert branch_range(Git(repo)).label == "HEAD and the 1 commit before it (no upstream)"


def test_the_bound_keeps_the_newest_and_counts_the_rest(clone: Path) -> None:
    git(clone, "checkout", "-q", "-b", "feature", "origin/main")
    mine = [commit(clone, str(n)) for n in range(5)]
    found = branch_range(Git(clone), limit=3)
    assert shas(clone, found.revs) == mine[::-1][:3] and found.omitted == 2


@pytest.mark.parametrize("base", ["nope", "-o", "--output=/tmp/x"])
def test_a_base_that_is_not_a_commit_is_refused(clone: Path, base: str) -> None:
    with pytest.raises(RangeError, match="is not a commit here"):
        branch_range(Git(clone), base)


def test_nothing_to_judge_before_the_first_commit(tmp_path: Path) -> None:
    with pytest.raises(RangeError, match="no commits yet"):
        branch_range(Git(make_repo(tmp_path / "empty")))
