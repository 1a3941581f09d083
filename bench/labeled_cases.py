"""Labeled cases for ``bench_rules_quality.py``, read from public test suites of other tools.

Each case is a snippet that another tool's own tests say is bad (its check fires) or good (it
does not), in an area countersign has rules for. The snippets are other projects' code: they
are read from local snapshots of their repositories and written to ``--out`` (outside this
repository); ``tests/data/labeled/README.md`` lists the sources, commits, licences, and which
of their checks map to which countersign rules (and which are out of scope).

Sources and how they are labeled are in ``labeled_iac.py`` (Terraform, CloudFormation,
GitHub Actions) and ``labeled_code.py`` (Python, SQL migrations).

**Tuning and held-out sets.** The held-out set is the eleventh round's fresh sources:
RuleTester suites of eslint-plugin-sdl and eslint-plugin-react no earlier round labeled
(``labeled_round11.py``; their groups are named ``sdl11:...``, ``react11:...``): every group
of them, listed in ``labeled_heldout.txt`` by ``propose`` before countersign ran on any of its
cases. Every other case is tuning: the earlier rounds' held-out sets (the tenth round's
codeql10 and kics10 groups included) have been measured and their misses looked at. The list
is frozen: a group that a later change of the generator adds is not held out.

Run: .venv/bin/python bench/labeled_cases.py --mirror /work/.mirror --out build/labeled
     [--bandit /path/to/bandit]  (labels bandit's examples by running bandit; without it they
     are left out) [--snapshots /work/snapshots]  (kics's and CodeQL's files, read one by one)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FRESH = ("sdl11:", "react11:")
"""The eleventh round's sources, by group prefix (eslint-plugin-sdl gave the seventh round
other test files; ``labeled_round11.py``): their groups in ``labeled_heldout.txt`` are the
held-out set; every other case has been looked at: tuning."""


def fresh(case: Case) -> bool:
    """Whether a case comes from the eleventh round's sources."""
    return case.group.startswith(FRESH)


@dataclass(eq=False)
class Repo:
    """A snapshot at ``MIRROR/<owner>+<name>/repo``, read at ``rev`` (HEAD unless a licence
    changed later)."""

    name: str
    license: str
    rev: str = "HEAD"
    path: Path = field(init=False)
    commit: str = field(init=False)

    def open(self, mirror: Path) -> Repo:
        self.path = mirror / self.name.replace("/", "+") / "repo"
        self.commit = git(self.path, "rev-parse", self.rev).strip()
        return self

    def show(self, path: str) -> str:
        return git(self.path, "show", f"{self.commit}:{path}")

    def files(self, under: str) -> list[str]:
        return git(self.path, "ls-tree", "-r", "--name-only", self.commit, under).splitlines()

    def exists(self, path: str) -> bool:
        return subprocess.run(["git", "-C", str(self.path), "cat-file", "-e",
                               f"{self.commit}:{path}"], capture_output=True).returncode == 0


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


@dataclass(frozen=True)
class Case:
    """One labeled snippet; ``group`` is the source check it comes from (the split's unit)."""

    area: str
    rules: tuple[str, ...]
    path: str
    code: str
    label: str
    repo: Repo
    source: str
    group: str

    def record(self, which: str) -> dict[str, Any]:
        return {"area": self.area, "rules": list(self.rules), "path": self.path,
                "code": self.code, "label": self.label, "set": which, "group": self.group,
                "source": {"repository": self.repo.name, "commit": self.repo.commit,
                           "path": self.source, "license": self.repo.license}}


HELDOUT = Path(__file__).with_name("labeled_heldout.txt")


def split(cases: Iterable[Case]) -> dict[Case, str]:
    """``"tuning"`` or ``"heldout"`` for each case (see the module's docstring)."""
    held = {tuple(line.split("\t")) for line in HELDOUT.read_text().splitlines()
            if line and not line.startswith("#")}
    return {c: "heldout" if fresh(c) and (c.area, c.group) in held
            else "tuning" for c in cases}


def propose(cases: Iterable[Case]) -> set[tuple[str, str]]:
    """The (area, group) pairs the splitting rule holds out: every group of a fresh source."""
    return {(c.area, c.group) for c in cases if fresh(c)}


Source = Callable[[Path, argparse.Namespace], Iterator[Case]]


def sources() -> dict[str, Source]:
    import labeled_code
    import labeled_fresh
    import labeled_iac
    import labeled_round4
    import labeled_round5
    import labeled_round6
    import labeled_round7
    import labeled_round8
    import labeled_round9
    import labeled_round10
    import labeled_round11

    return {**labeled_iac.SOURCES, **labeled_code.SOURCES, **labeled_fresh.SOURCES,
            **labeled_round4.SOURCES, **labeled_round5.SOURCES, **labeled_round6.SOURCES,
            **labeled_round7.sources(), **labeled_round8.sources(), **labeled_round9.SOURCES,
            **labeled_round10.SOURCES, **labeled_round11.SOURCES}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--out", type=Path, default=Path("build/labeled"))
    parser.add_argument("--bandit", help="bandit executable, to label bandit's examples")
    parser.add_argument("--snapshots", type=Path, default=Path("/work/snapshots"),
                        help="files read one by one from repositories too large to fetch "
                             "(SNAPSHOTS/{kics,codeql,kics8,codeql8,kics9,tseslint9,codeql10,"
                             "kics10}/<path>, each with a MANIFEST.tsv)")
    parser.add_argument("--propose", action="store_true",
                        help="print the held-out groups the splitting rule would choose now")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.jsonl"):
        old.unlink()
    made = {name: list(source(args.mirror, args)) for name, source in sources().items()}
    if args.propose:
        for area, group in sorted(propose(c for cases in made.values() for c in cases)):
            print(f"{area}\t{group}")
        return 0
    sets = split(c for cases in made.values() for c in cases)
    for name, cases in made.items():
        with (args.out / f"{name}.jsonl").open("w", encoding="utf-8") as out:
            for item in cases:
                out.write(json.dumps(item.record(sets[item])) + "\n")
    counts = Counter((sets[c], c.area, c.label) for cases in made.values() for c in cases)
    print(f"wrote {sum(len(c) for c in made.values())} cases to {args.out}: "
          + ", ".join(f"{name} {len(cases)}" for name, cases in made.items()))
    for which in ("tuning", "heldout"):
        areas = sorted({a for (s, a, _) in counts if s == which})
        print(f"  {which}: " + ", ".join(
            f"{a} {counts[(which, a, 'bad')]}/{counts[(which, a, 'good')]}" for a in areas)
            + "  (bad/good)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
