"""One workspace as the server sees it: configuration, rules, ledger and their files.

Knows nothing of LSP: the server asks it for rules and the ledger, and asks whether any
file it depends on changed since the last look (another process wrote the ledger, someone
edited ``.countersign.toml`` or a rule pack).
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from countersign.core.config import Config, PolicyError, find_config, load_project
from countersign.core.rulepack import RuleError
from countersign.core.rules import RuleSet
from countersign.store.ledger import Ledger, LedgerError, default_path
from countersign.store.workspace import Workspace, find_workspace

log = logging.getLogger(__name__)
Fingerprint = tuple[tuple[str, int, int], ...]
"""Path, modification time and size of each file a project depends on."""


_CHECK = """import sys
from pathlib import Path
from countersign.core.config import load_project
load_project(Path(sys.argv[1]), Path(sys.argv[2]) if sys.argv[2] else None, Path(sys.argv[3]))
"""


def check_in_child(root: Path, policy: Path | None, cache: Path) -> None:
    """Load the rules once in a short-lived process, which checks the packs and caches them.

    Checking rule packs (ast-grep compiles every structural pattern for each language)
    leaves ~55 MB in the process that does it for good, more than the server itself needs;
    a child pays it instead and the server then reads the checked packs from ``cache``.
    Best effort: if the child fails, the server checks the packs itself.
    """
    try:
        subprocess.run([sys.executable, "-c", _CHECK, str(root), str(policy or ""), str(cache)],
                       capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("checking rule packs in a child process failed: %s", exc)


def _fingerprint(paths: list[Path]) -> Fingerprint:
    """Modification time and size of each file (0, 0 when missing)."""
    out = []
    for path in paths:
        try:
            st = path.stat()
            out.append((str(path), st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((str(path), 0, 0))
    return tuple(out)


@dataclass
class Project:
    """Configuration, rules and ledger of one workspace root."""

    workspace: Workspace
    policy: Path | None
    config: Config = field(default_factory=Config)
    rules: RuleSet = field(default_factory=lambda: RuleSet([]))
    errors: list[RuleError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ledger: Ledger | None = None
    reviewer: str | None = None
    _config_seen: Fingerprint = ()
    _ledger_seen: Fingerprint = ()
    _checked_in_child: bool = False

    def config_files(self) -> list[Path]:
        found = find_config(self.workspace.root)
        files = [self.workspace.root / ".countersign.toml", self.workspace.root / "pyproject.toml"]
        extra = [*self.config.packs, *([self.policy] if self.policy else [])]
        return files + ([found] if found and found not in files else []) + list(extra)

    def ledger_files(self) -> list[Path]:
        if self.ledger is None:
            return []
        return [self.ledger.path, self.ledger.path.with_name(self.ledger.path.name + "-wal")]

    def load(self) -> None:
        """(Re)read configuration and rules; problems go to ``errors``, defaults stand.

        An invalid policy is listed with the other problems and not applied (the loader
        never applies half a policy); the gate in CI refuses to run with it.
        """
        git_dir = self.workspace.git_dir
        cache = git_dir / "countersign" / "cache" if git_dir else None
        if cache is not None and not self._checked_in_child:
            self._checked_in_child = True
            check_in_child(self.workspace.root, self.policy, cache)
        try:
            loaded = load_project(self.workspace.root, self.policy, cache, examples=False)
            policy_errors = []
        except PolicyError as exc:
            loaded = load_project(self.workspace.root, None, cache, examples=False)
            policy_errors = exc.problems
        self.config, self.rules, self.warnings = loaded.config, loaded.rules, loaded.warnings
        self.errors = policy_errors + loaded.errors
        self._config_seen = _fingerprint(self.config_files())

    def open_ledger(self) -> None:
        try:
            self.ledger = Ledger(default_path(self.workspace.git_dir))
        except LedgerError as exc:
            log.error("%s", exc)
            self.ledger = None
        self._ledger_seen = _fingerprint(self.ledger_files())

    def config_changed(self) -> bool:
        seen = _fingerprint(self.config_files())
        changed, self._config_seen = seen != self._config_seen, seen
        return changed

    def ledger_changed(self) -> bool:
        seen = _fingerprint(self.ledger_files())
        changed, self._ledger_seen = seen != self._ledger_seen, seen
        return changed

    def relative(self, path: Path) -> str:
        return self.workspace.relative(path)

    def close(self) -> None:
        if self.ledger is not None:
            self.ledger.close()


class Projects:
    """The projects of every root a document was opened in."""

    def __init__(self, policy: Path | None = None) -> None:
        self.policy = policy
        self._by_root: dict[Path, Project] = {}

    def __iter__(self) -> Iterator[Project]:
        return iter(list(self._by_root.values()))

    def for_path(self, path: Path) -> Project:
        for root, project in self._by_root.items():
            if path == root or root in path.parents:
                return project
        workspace = find_workspace(path)
        project = Project(workspace, self.policy)
        project.load()
        project.open_ledger()
        project.reviewer = workspace.git().committer_email()
        self._by_root[workspace.root] = project
        return project

    def close(self) -> None:
        for project in self._by_root.values():
            project.close()
        self._by_root.clear()
