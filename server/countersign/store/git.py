"""Finding the repository a path belongs to, and the files git would track there."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import git


@dataclass(frozen=True)
class Workspace:
    """Where countersign works: a git working tree, or a plain directory."""

    root: Path
    git_dir: Path | None

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


def find_workspace(start: Path) -> Workspace:
    """The git working tree containing ``start``, or ``start`` itself outside git."""
    start = start.resolve()
    probe = start if start.is_dir() else start.parent
    try:
        repo = git.Repo(probe, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return Workspace(probe, None)
    if repo.bare or repo.working_tree_dir is None:
        return Workspace(probe, Path(repo.git_dir).resolve())
    return Workspace(Path(repo.working_tree_dir).resolve(), Path(repo.git_dir).resolve())


def tracked_and_untracked(workspace: Workspace, under: Path) -> list[Path]:
    """Files under ``under`` that git tracks or would track (``.gitignore`` respected)."""
    repo = git.Repo(workspace.root)
    rel = workspace.relative(under)
    args = ["--cached", "--others", "--exclude-standard", "-z", "--", rel]
    out: str = repo.git.ls_files(*args)
    names = sorted({n for n in out.split("\0") if n})
    return [workspace.root / n for n in names if (workspace.root / n).is_file()]


def identity(workspace: Workspace) -> str | None:
    """The committer e-mail git would use here (honours ``GIT_COMMITTER_EMAIL``), or None."""
    try:
        repo = git.Repo(workspace.root) if workspace.is_git else None
        ident: str = (repo.git if repo else git.Git(str(workspace.root))).var("GIT_COMMITTER_IDENT")
    except (git.GitCommandError, git.InvalidGitRepositoryError, OSError):
        return None
    start, end = ident.find("<"), ident.find(">")
    return ident[start + 1:end] if 0 <= start < end else None
