"""Python import aliases, resolved before structural rules match.

Rules name what they look for by its usual name (``subprocess.getoutput``,
``Crypto.Cipher.ARC4.new``), but a file may bind it to another name: ``import subprocess as
sp``, ``from Crypto.Cipher import ARC4 as x``, ``from pickle import loads``. So, per file,
each name an import binds to something else is written out in full where it is used (``sp``
becomes ``subprocess``, ``x`` becomes ``Crypto.Cipher.ARC4``) in a copy of the text that
keeps every line, the rules match that copy, and the columns of their matches are mapped
back. Only names whose full form holds a word some rule looks for are rewritten, so a file
importing nothing the rules care about is parsed once.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from countersign.core.rules import Rule

_IMPORTS = ("import_statement", "import_from_statement")

Replacement = tuple[int, int, int, str]
"""(line, column, length in the text, the full name written there instead)."""


def file_aliases(text: str) -> dict[str, str]:
    """The aliases of a file's top-level imports (lines that start with ``import`` or
    ``from``, with their continuation lines), parsed on their own: cheap for a big file,
    and the same whether the whole file or only the units around an edit are matched."""
    if "import" not in text:
        return {}
    lines = text.split("\n")
    picked: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i].startswith(("import ", "from ")):
            depth = lines[i].count("(") - lines[i].count(")")
            picked.append(lines[i])
            while (depth > 0 or picked[-1].endswith("\\")) and i + 1 < len(lines):
                i += 1
                depth += lines[i].count("(") - lines[i].count(")")
                picked.append(lines[i])
        i += 1
    return dict(_parsed_aliases("\n".join(picked))) if picked else {}


def is_import_line(line: str) -> bool:
    """Whether a line starts a top-level import (an edit to it may change the aliases)."""
    return line.startswith(("import ", "from "))


@functools.lru_cache(maxsize=64)
def _parsed_aliases(imports: str) -> tuple[tuple[str, str], ...]:
    from ast_grep_py import SgRoot

    return tuple(import_aliases(SgRoot(imports, "python").root()).items())


def import_aliases(root: Any) -> dict[str, str]:
    """Local name -> full dotted name, for the names the top-level imports bind to another
    name: ``import a.b as x`` (x: a.b), ``from m import n [as x]`` (n or x: m.n)."""
    out: dict[str, str] = {}
    for node in root.children():
        kind = node.kind()
        if kind == "import_statement":
            for part in node.children():
                if part.kind() == "aliased_import":
                    _aliased(part, "", out)
        elif kind == "import_from_statement":
            module = node.field("module_name")
            if module is None or module.kind() != "dotted_name":
                continue  # a relative import names nothing the rules know
            prefix = module.text() + "."
            for part in node.children():
                if part.kind() == "aliased_import":
                    _aliased(part, prefix, out)
                elif part.kind() == "dotted_name" and part.range() != module.range():
                    out[part.text()] = prefix + part.text()
    return out


def _aliased(part: Any, prefix: str, out: dict[str, str]) -> None:
    name, alias = part.field("name"), part.field("alias")
    if name is not None and alias is not None:
        out[alias.text()] = prefix + name.text()


def relevant(aliases: Mapping[str, str], words: Collection[str]) -> dict[str, str]:
    """The aliases whose full name holds one of ``words`` (what the rules look for)."""
    return {k: v for k, v in aliases.items()
            if k != v and any(w in v.lower() for w in words)}


def replacements(root: Any, aliases: Mapping[str, str]) -> list[Replacement]:
    """Where the aliases are used as names (not imported, not an attribute or keyword)."""
    pattern = "^(" + "|".join(re.escape(k) for k in sorted(aliases)) + ")$"
    rule = {"kind": "identifier", "regex": pattern,
            "not": {"inside": {"any": [{"kind": k} for k in _IMPORTS]}}}
    out = []
    for node in root.find_all({"rule": rule}):
        parent = node.parent()
        if parent is not None and parent.kind() in ("attribute", "keyword_argument"):
            first = parent.field("object" if parent.kind() == "attribute" else "value")
            if first is None or first.range() != node.range():
                continue
        elif parent is not None and parent.kind() in (
                "function_definition", "class_definition", "parameters",
                "default_parameter", "typed_parameter"):
            continue
        span = node.range()
        out.append((span.start.line, span.start.column, len(node.text()),
                    aliases[node.text()]))
    return out


def rewrite(text: str, found: list[Replacement]) -> str:
    """``text`` with the replacements made (each within its line: lines stay where they are)."""
    lines = text.split("\n")
    for line, column, length, full in sorted(found, reverse=True):
        lines[line] = lines[line][:column] + full + lines[line][column + length:]
    return "\n".join(lines)


def column_back(found: list[Replacement], line: int, column: int, end: bool) -> int:
    """The column in the original text of ``column`` of ``line`` in the rewritten one; a
    column inside a replacement maps to its start (``end``: its end)."""
    shift = 0
    for at, column0, length, full in sorted(found):
        if at != line:
            continue
        start = column0 + shift
        if column >= start + len(full):
            shift += len(full) - length
        elif column > start:
            return column0 + (length if end else 0)
        else:
            break
    return column - shift


@functools.lru_cache(maxsize=256)
def rule_words(rules: tuple[Rule, ...]) -> frozenset[str]:
    """The words of the rules' patterns and regexes (lower case): an alias matters when its
    full name holds one (generous on purpose: a regex's words are only approximated)."""
    words: set[str] = set()
    for rule in rules:
        if rule.structure is not None:
            words.update(_pattern_words(json.loads(rule.structure)))
    return frozenset(words)


def _pattern_words(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for key, part in value.items():
            if key in ("pattern", "regex") and isinstance(part, str):
                yield from re.findall(r"[a-z0-9_]{3,}", part.lower())
            else:
                yield from _pattern_words(part)
    elif isinstance(value, list):
        for part in value:
            yield from _pattern_words(part)
