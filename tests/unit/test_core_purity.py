"""core/ stays plain Python: no pygls, lsprotocol, git libraries, subprocess or SQLite, and
nothing from the layers above it (store, lsp, cli); lsp/ and store/ never reach into cli/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import countersign.core

FORBIDDEN = {"pygls", "lsprotocol", "git", "pygit2", "dulwich", "subprocess", "sqlite3",
             "countersign.store", "countersign.lsp", "countersign.cli"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {_root(alias.name) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(_root(node.module))
    return roots


def _root(module: str) -> str:
    """The package an import reaches: ``countersign.store`` for countersign's own layers."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "countersign" else parts[0]


def test_core_imports_no_editor_or_git_libraries() -> None:
    files = sorted(Path(countersign.core.__file__).parent.glob("*.py"))
    assert len(files) >= 8
    offenders = {f.name: imported_roots(f) & FORBIDDEN for f in files}
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("layer", ["lsp", "store"])
def test_the_server_and_the_store_never_import_the_cli(layer: str) -> None:
    """The language server shares the gate's judgement through ``store``, never ``cli``."""
    files = sorted((Path(countersign.core.__file__).parent.parent / layer).glob("*.py"))
    assert len(files) >= 8
    offenders = {f.name: imported_roots(f) & {"countersign.cli"} for f in files}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_itself_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from pygls.server import LanguageServer\nimport git.repo\nimport sqlite3\n"
                   "from countersign.store.ledger import Ledger\nimport countersign.lsp.server\n"
                   "from countersign.core.rules import RuleSet\n")
    assert imported_roots(bad) & FORBIDDEN == {"pygls", "git", "sqlite3", "countersign.store",
                                               "countersign.lsp"}
