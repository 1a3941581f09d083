"""Finding the repository a path belongs to.

Asks the git binary (``store.gitcli``): every command, including the commit hooks, starts
here, so it must not pay for importing GitPython.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from countersign.store.gitcli import Git, GitError


@dataclass(frozen=True)
class Workspace:
    """Where countersign works: a git working tree, or a plain directory."""

    root: Path
    git_dir: Path | None
    bare: bool = False
    """A repository without a working tree (``git init --bare``): nothing to scan."""

    @property
    def is_git(self) -> bool:
        return self.git_dir is not None

    def relative(self, path: Path) -> str:
        """``path`` as a POSIX path relative to the root (absolute when outside it)."""
        resolved = path.resolve()
        try:
            return resolved.relative_to(self.root).as_posix()
        except ValueError:
            return resolved.as_posix()

    def git(self) -> Git:
        return Git(self.root)


def find_workspace(start: Path) -> Workspace:
    """The git working tree containing ``start``, or ``start`` itself outside git."""
    start = start.resolve()
    probe = start if start.is_dir() else start.parent
    if not probe.is_dir():
        return Workspace(probe, None)
    runner = Git(probe)
    try:  # one call in the common case: a working tree
        git_dir, _, top = runner.text("rev-parse", "--absolute-git-dir",
                                      "--is-bare-repository", "--show-toplevel").splitlines()
        return Workspace(Path(top).resolve(), Path(git_dir).resolve())
    except (GitError, ValueError, OSError):
        pass
    try:  # a bare repository, the .git directory itself, or no repository at all
        git_dir, bare = runner.text("rev-parse", "--absolute-git-dir",
                                    "--is-bare-repository").splitlines()
    except (GitError, OSError, ValueError):
        return Workspace(probe, None)
    return Workspace(probe, Path(git_dir).resolve(), bare=bare == "true")

