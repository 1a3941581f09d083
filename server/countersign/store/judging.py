"""The gate's verdicts on a range of commits, read from git: what ``countersign verify`` judges.

One verdict per commit: its tier recomputed from its content and provenance note, the
review that tier needs under the policy, and every approval recorded for it (signed
records, forge reviews, legacy notes) with the state the gate gives it (``core.signoff``).
``verify``, ``approve``, ``report`` and ``incident`` judge through it, and so does the
language server's report (it cannot import ``cli``): one judgement, wherever it is shown.

Never opens the ledger: the gate judges commits alone, so a broken local ledger cannot
change a verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from countersign.core.config import Config
from countersign.core.forge import ForgeApproval
from countersign.core.origin import Origin
from countersign.core.provenance import NoteError, record_lines, record_revision, record_source
from countersign.core.rules import RuleSet
from countersign.core.signoff import Commit, Verdict, judge
from countersign.core.standing import Standing
from countersign.core.tiers import Tier
from countersign.core.trailers import compute_stamp, parse_declared
from countersign.store import commits
from countersign.store.baseline import before_baseline
from countersign.store.commits import LoggedCommit
from countersign.store.evidence import (
    Evidence,
    legacy_approvals,
    protected_paths,
    tier_raising_paths,
)
from countersign.store.gitcli import Git, GitError
from countersign.store.stamping import Stamper
from countersign.store.verdicts import UNKNOWN

Wrap = Callable[[list[LoggedCommit]], Iterable[LoggedCommit]]
"""What the commits are iterated through (e.g. a progress bar)."""


@dataclass(frozen=True)
class GateInputs:
    """What commits are judged against besides the commits: the policy file (possibly from
    the base revision), the revision whose code owners apply, and forge reviews."""

    policy: Path | None = None
    """The policy file as read (a temporary copy when it came from a revision)."""
    base: str | None = None
    forge: tuple[tuple[str, Sequence[ForgeApproval]], ...] = ()
    """(forge name, approvals) per ``--forge-reviews`` file."""
    policy_path: str | None = None
    """The policy's path in the repository, when it came from a revision."""


@dataclass(frozen=True)
class Gate:
    """Judges commits of one repository under one configuration (the policy applied)."""

    repo: Git
    root: Path
    """The working tree: where the policy's files are unless it came from a revision."""
    config: Config
    rules: RuleSet
    inputs: GateInputs = field(default_factory=GateInputs)

    def verdicts(
        self, revs: Sequence[str], standing: Standing | None = None, wrap: Wrap | None = None,
        problems: list[str] | None = None, before: list[str] | None = None,
    ) -> Iterator[Verdict]:
        """One verdict per commit of ``revs`` (git rev-list syntax), newest first.

        ``standing``: the AI tools' standing under ``[autonomy]``, when it applies. Commits
        before the adoption baseline are not judged but added to ``before``; records that
        cannot be read go to ``problems``. Raises ``GitError`` (a range git cannot read)
        and ``SigningError`` (signer lists that cannot be read).
        """
        notes = commits.all_notes(self.repo)
        approvals = commits.all_notes(self.repo, commits.APPROVALS_REF)
        stamper = Stamper(self.repo, None, self.rules, self.config)  # commits alone
        logged_commits = list(commits.log(self.repo, revs))
        skip = before_baseline(self.repo, self.config.provenance, revs, logged_commits,
                               problems)
        if before is not None:
            before += [c.sha for c in logged_commits if c.sha in skip]
        logged_commits = [c for c in logged_commits if c.sha not in skip]
        evidence = self.evidence(revs, logged_commits)
        if problems is not None:
            problems += evidence.problems
        # every note and approval blob of the range in one cat-file
        blobs = self.repo.objects([table[c.sha] for c in logged_commits
                                   for table in (notes, approvals) if c.sha in table])
        ais = {c.sha: self._judged_lines(stamper, c, blobs.get(notes.get(c.sha, "")))
               for c in logged_commits}
        texts = stamper.prefetch((c.sha, c.changes, ais[c.sha]) for c in logged_commits)
        for logged in (wrap(logged_commits) if wrap else logged_commits):
            ai = ais[logged.sha]
            stamp = compute_stamp(logged.changes, ai, self.rules, self.config,
                                  texts[logged.sha])
            declared = parse_declared(logged.trailers)
            paths = _paths(logged)
            raised = tier_raising_paths(stamp.findings, max(stamp.tier, declared.tier or
                                                            Tier.NONE), paths)
            commit = Commit(logged.sha, logged.subject, logged.author, declared, stamp,
                            logged.sha in notes,
                            (*legacy_approvals(blobs.get(approvals.get(logged.sha, ""))),
                             *evidence.approvals(logged.sha)),
                            {c.path: c.added for c in logged.changes}, logged.time,
                            committer=logged.committer,
                            all_lines_tier=self._all_lines_tier(stamper, logged),
                            owners=evidence.owner_rules(raised),
                            changed_policy=evidence.policy_files_changed(paths),
                            autonomy=standing)
            yield judge(commit, self.config)

    def evidence(self, revs: Sequence[str], logged: Sequence[LoggedCommit]) -> Evidence:
        """Approvals, owners and protected files for the commits of one run."""
        inputs = self.inputs
        base = inputs.base or owners_base(self.repo, revs, logged)
        tip = logged[0].sha if logged else None
        forge = [a for _, approvals in inputs.forge for a in approvals]
        name = "+".join(f for f, _ in inputs.forge)
        protected = protected_paths(self._policy_root(), self.config, inputs.policy)
        evidence = Evidence(self.repo, self.config, base, forge, name, tip, protected)
        evidence.load([c.sha for c in logged])
        return evidence

    def _policy_root(self) -> Path:
        """Where the policy's files are, as in the repository: the working tree, or the
        directory a policy read from a revision was copied to."""
        if self.inputs.policy is None or self.inputs.policy_path is None:
            return self.root
        depth = len(Path(self.inputs.policy_path).parts)
        return self.inputs.policy.resolve().parents[depth - 1]

    def _all_lines_tier(self, stamper: Stamper, logged: LoggedCommit) -> Tier | None:
        """The tier were every added line AI-written, when the policy reviews regardless."""
        if not self.config.signoff.regardless:
            return None
        return stamper.all_lines_tier(logged.changes)

    def _judged_lines(
        self, stamper: Stamper, logged: LoggedCommit, data: bytes | None
    ) -> dict[str, dict[int, Origin]]:
        """AI lines of a commit: its note's, and, where no trusted note says which lines are
        not AI, every other added line as ``UNKNOWN`` when the policy counts unknown as AI."""
        found = _note_lines(stamper, logged.sha, data)
        lines, source = found if found is not None else ({}, None)
        if source is not None and self.config.provenance.trusts(source):
            return lines
        if not self.config.unknown_is_ai:
            return lines
        return {c.path: {**dict.fromkeys(c.added, UNKNOWN), **lines.get(c.path, {})}
                for c in logged.changes}


def _paths(logged: LoggedCommit) -> list[str]:
    """Every path the commit touches, before and after a move."""
    return sorted({p for c in logged.changes for p in (c.path, c.old_path) if p})


def _note_lines(
    stamper: Stamper, sha: str, data: bytes | None
) -> tuple[dict[str, dict[int, Origin]], str] | None:
    """AI lines from the commit's note and the note's source (``None`` without a readable
    note)."""
    if data is None:
        return None
    try:
        record = commits.parse_note(data, sha)
        lines = record_lines(record)
    except NoteError:
        return None
    revision = record_revision(record)
    if revision and revision != sha:  # copied by a rewrite without our hook: move it
        lines = {p: stamper.carry(revision, p, ls, commits.decode(
            commits.read_blob(stamper.repo, f"{sha}:{p}") or b"")) for p, ls in lines.items()}
    return lines, record_source(record)


def owners_base(repo: Git, revs: Sequence[str],
                logged: Sequence[LoggedCommit]) -> str | None:
    """The revision whose code owners apply to the range: ``A`` of ``A..B`` or ``^A``, else
    the oldest commit's first parent. Not the base the AI tools' standing is read from
    (``store.track.range_base`` says why they differ)."""
    for rev in revs:
        if ".." in rev and not rev.startswith("-"):
            base = rev.split("..")[0].rstrip(".") or "HEAD"
            return _commit(repo, base)
        if rev.startswith("^"):
            return _commit(repo, rev[1:])
    if logged and logged[-1].parents:
        return logged[-1].parents[0]
    return None


def _commit(repo: Git, rev: str) -> str | None:
    try:
        return repo.text("rev-parse", "-q", "--verify", "--end-of-options", f"{rev}^{{commit}}")
    except GitError:
        return None
