"""core/ stays plain Python: no pygls, lsprotocol or git libraries."""

from __future__ import annotations

import ast
from pathlib import Path

import countersign.core

FORBIDDEN = {"pygls", "lsprotocol", "git", "pygit2", "dulwich", "subprocess"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_imports_no_editor_or_git_libraries() -> None:
    files = sorted(Path(countersign.core.__file__).parent.glob("*.py"))
    assert len(files) >= 8
    offenders = {f.name: imported_roots(f) & FORBIDDEN for f in files}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_itself_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from pygls.server import LanguageServer\nimport git.repo\n")
    assert imported_roots(bad) & FORBIDDEN == {"pygls", "git"}
