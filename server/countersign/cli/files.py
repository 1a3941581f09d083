"""Choosing which files a scan reads, and reading them safely."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pathspec

from countersign.cli.errors import UserError
from countersign.core.regular import Refused, read_regular
from countersign.lsp.settings import Settings
from countersign.store.workspace import Workspace

MAX_BYTES = 2 * 1024 * 1024
"""What ``scan`` reads of one file by default (``--max-bytes``)."""
MAX_FILE_BYTES = Settings.max_file_bytes
"""What commands that read files one by one (mark, blame, agent-hook, status) read of one:
the language server's ``maxFileBytes`` default, so what an editor tracks they can too."""
T = TypeVar("T")


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


def expand(workspace: Workspace, paths: list[Path]) -> list[Path]:
    """Files named directly, plus the files under each directory that git would track."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(_files_under(workspace, path))
        else:
            out.append(path)
    return sorted(set(out))


def _files_under(workspace: Workspace, directory: Path) -> list[Path]:
    if workspace.bare:
        raise UserError(f"{workspace.root} is a bare repository: it has no working tree to "
                        f"scan", f"scan a clone of it (git clone {workspace.root} work && "
                        f"countersign scan work)", 2)
    if workspace.is_git and directory.resolve().is_relative_to(workspace.root):
        top = workspace.root
        tracked = workspace.git().files(workspace.relative(directory))
        return [top / n for n in tracked if (top / n).is_file()]
    ignore = _gitignore(directory)
    found = []
    for root, dirs, names in os.walk(directory):
        rel_root = Path(root).relative_to(directory)
        dirs[:] = [d for d in dirs if d != ".git"
                   and not ignore.match_file((rel_root / d).as_posix() + "/")]
        found += [Path(root) / n for n in names if not ignore.match_file((rel_root / n).as_posix())]
    return found


def _gitignore(directory: Path) -> pathspec.GitIgnoreSpec:
    file = directory / ".gitignore"
    if not file.is_file():
        return pathspec.GitIgnoreSpec.from_lines([])
    lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
    return pathspec.GitIgnoreSpec.from_lines(lines)


def read_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str | Skipped:
    """The file's text, or why it was skipped (missing, not a regular file, huge, binary,
    not UTF-8)."""
    try:
        data = read_regular(path, max_bytes)
    except Refused as exc:
        return Skipped(str(path), exc.reason)
    if b"\0" in data[:8192]:
        return Skipped(str(path), "binary")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Skipped(str(path), f"not UTF-8 (byte {exc.start})")


class Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal and the job is long."""

    def __init__(self, total: int, label: str, threshold: int = 200) -> None:
        self.total, self.label = total, label
        self.enabled = sys.stderr.isatty() and total >= threshold

    def iterate(self, items: Sequence[T]) -> Iterator[T]:
        line = ""
        for done, item in enumerate(items, start=1):
            if self.enabled and (done % 25 == 0 or done == self.total):
                filled = 30 * done // self.total
                line = f"{self.label} [{'#' * filled}{'.' * (30 - filled)}] {done}/{self.total}"
                sys.stderr.write("\r" + line)
                sys.stderr.flush()
            yield item
        if line:
            sys.stderr.write("\r" + " " * len(line) + "\r")  # leave the terminal clean
