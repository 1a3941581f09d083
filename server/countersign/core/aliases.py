"""Python and JavaScript/TypeScript import aliases, resolved before structural rules match.

Rules name what they look for by its usual name (``subprocess.getoutput``,
``Crypto.Cipher.ARC4.new``), but a file may bind it to another name: ``import subprocess as
sp``, ``from Crypto.Cipher import ARC4 as x``, ``from pickle import loads``. So, per file,
each name an import binds to something else is written out in full where it is used (``sp``
becomes ``subprocess``, ``x`` becomes ``Crypto.Cipher.ARC4``) in a copy of the text that
keeps every line, the rules match that copy, and the columns of their matches are mapped
back. Only names whose full form holds a word some rule looks for are rewritten, so a file
importing nothing the rules care about is parsed once.

A JavaScript file's top-level constants (``_JS_CONSTANT``) are written out the same way,
when the file imports something a rule looks for.

JavaScript and TypeScript bind names with ``import`` and ``require``: ``import * as cp from
'child_process'`` and ``const cp = require('child_process')`` (cp: child_process), ``const {
exec: run } = require('node:child_process')`` and ``import { exec as run } from
'child_process'`` (run: child_process.exec), ``const run = require('child_process').exec``.
A declaration wrapping such a name in ``util.promisify`` binds the wrapper: ``const run =
promisify(cp.exec)`` (run: ``util.promisify(child_process.exec)``), so ``run(cmd)`` reads as
the call it makes; one wrapping a whole module in bluebird's ``promisifyAll`` or thenify-all's
``thenifyAll`` binds the module (``const p = promisifyAll(cp)``: p is child_process).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from countersign.core.jsconstants import Site
    from countersign.core.rules import Rule

_IMPORTS = ("import_statement", "import_from_statement")
JS_LANGUAGES = frozenset({"javascript", "typescript", "tsx"})
ALIAS_LANGUAGES = JS_LANGUAGES | {"python"}
"""The languages whose import aliases are resolved."""
_JS_START = re.compile(r"[ \t]*(import\s|(const|let|var)\s)")
"""A line that may start an import: JavaScript's scopes are not its indentation, and a
``require`` inside a function binds the same module, so indented ones count too."""
_JS_MODULE = re.compile(r"[A-Za-z_$][\w$]*")
_JS_BINDS = re.compile(r"import|require|promisify|thenify")
"""Words of a JavaScript declaration that may bind an alias (``promisify``,
``thenifyAll``: a wrapper)."""
_JS_PROMISIFY = re.compile(
    r"""([A-Za-z_$][\w$]*\.|require\(\s*["'](node:)?util["']\s*\)\.)?promisify""")
_JS_PROMISIFY_ALL = re.compile(
    r"""([A-Za-z_$][\w$]*\.|require\(\s*["'][\w-]+["']\s*\)\.)?(promisifyAll|thenifyAll)""")
"""Bluebird's ``promisifyAll`` and thenify-all's ``thenifyAll``: they return the module with
the same members (promise-returning), so the result is read as the module itself."""
_JS_CONSTANT = re.compile(
    r"""const[ \t]+[A-Za-z_$][\w$]*[ \t]*=[ \t]*("[^"\\\n]*"|'[^'\\\n]*'|\d+)[ \t]*;?[ \t]*$""")
"""A top-level (unindented) one-line ``const`` bound to one string or number: its uses are
written out as that constant (``const CMD = 'ls'; exec(CMD)`` runs a constant), so a
rule's "no name in it" reads through the name. A ``const`` cannot be reassigned and an
unindented one is the module's own; a name it shadows in a function is taken as the
constant too (a rare miss, the same as for an import alias)."""

Replacement = tuple[int, int, int, str]
"""(line, column, length in the text, the full name written there instead)."""


def file_aliases(text: str, language: str = "python",
                 sites: Iterable[Site] | None = None) -> dict[str, str]:
    """The aliases of a file's top-level imports (``import_lines``), parsed on their own:
    cheap for a big file, and the same whether the whole file or only the units around an
    edit are matched. In JavaScript, also the file's constants (from ``sites``, its
    binding places, when the caller keeps them)."""
    found = _js_constants(text, sites) if language in JS_LANGUAGES else {}
    if "import" not in text and "require" not in text:
        return found
    lines = text.split("\n")
    picked = [lines[n] for n, mark in enumerate(import_lines(lines, language)) if mark]
    found.update(_parsed_aliases("\n".join(picked), language) if picked else ())
    return found


def _js_constants(text: str, sites: Iterable[Site] | None) -> dict[str, str]:
    """The program's names bound only to constants (``core/jsconstants.py``)."""
    from countersign.core.jsconstants import constants, from_sites

    return constants(text) if sites is None else from_sites(sites)


def import_lines(lines: list[str], language: str = "python") -> list[bool]:
    """Per line, whether it belongs to a top-level import (its continuation lines
    included): an edit there may change the aliases. In JavaScript, a declaration (at any
    indentation) counts when it calls ``require``, and an unindented one-line constant."""
    marks = [False] * len(lines)
    i = 0
    while i < len(lines):
        if lines[i].startswith(("import ", "from ")) if language == "python" \
                else _JS_START.match(lines[i]):
            first, depth = i, _depth(lines[i])
            while (depth > 0 or lines[i].endswith("\\")) and i + 1 < len(lines):
                i += 1
                depth += _depth(lines[i])
            if language == "python" or any(_JS_BINDS.search(lines[n])
                                           for n in range(first, i + 1)) \
                    or (first == i and _JS_CONSTANT.match(lines[i])):
                marks[first:i + 1] = [True] * (i + 1 - first)
        i += 1
    return marks


def _depth(line: str) -> int:
    return sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}")


def is_import_line(line: str, language: str = "python") -> bool:
    """Whether a line starts a top-level import (in JavaScript, an ``import`` or a
    declaration that calls ``require`` or ``promisify``): an edit that writes one re-reads the
    aliases. (A multi-line declaration's ``require`` is on its last line, and an edit to
    any line of one already read is caught by ``import_lines``.)"""
    if language == "python":
        return line.startswith(("import ", "from "))
    start = line.lstrip(" \t")
    return start.startswith("import ") or _JS_CONSTANT.match(line) is not None or (
        ("require" in line or "promisify" in line or "thenify" in line)
        and (_JS_START.match(line) is not None or start.startswith("}")))


@functools.lru_cache(maxsize=64)
def _parsed_aliases(imports: str, language: str = "python") -> tuple[tuple[str, str], ...]:
    from ast_grep_py import SgRoot

    root = SgRoot(imports, language).root()
    found = js_import_aliases(root) if language in JS_LANGUAGES else import_aliases(root)
    return tuple(found.items())


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


def js_import_aliases(root: Any) -> dict[str, str]:
    """Local name -> full dotted name, for the names top-level ``import`` statements and
    ``require`` declarations bind to a module or a member of one."""
    out: dict[str, str] = {}
    for node in root.children():
        if node.kind() == "import_statement":
            _js_import(node, out)
        elif node.kind() in ("lexical_declaration", "variable_declaration"):
            for declarator in node.children():
                if declarator.kind() == "variable_declarator":
                    _js_require(declarator, out)
                    _js_promisified(declarator, out)
                    _js_constant(node, declarator, out)
    return out


def _js_constant(node: Any, declarator: Any, out: dict[str, str]) -> None:
    """A ``const`` bound to a string with no substitution or to a number: name -> its
    text."""
    name, value = declarator.field("name"), declarator.field("value")
    if node.kind() == "lexical_declaration" and node.text().startswith("const") \
            and name is not None and name.kind() == "identifier" and value is not None \
            and value.kind() in ("string", "number"):
        out[name.text()] = value.text()


def _js_promisified(declarator: Any, out: dict[str, str]) -> None:
    """``const run = promisify(x)`` where ``x`` names a module's member: run ->
    ``util.promisify(<x in full>)`` (any name of promisify is taken as util's);
    ``const pcp = promisifyAll(cp)`` (or ``thenifyAll``, or of ``require('m')``) where
    ``cp`` names a whole module: pcp -> that module."""
    name, value = declarator.field("name"), declarator.field("value")
    if name is None or name.kind() != "identifier" or value is None \
            or value.kind() != "call_expression":
        return
    callee, args = value.field("function"), value.field("arguments")
    if callee is None or args is None:
        return
    whole = _JS_PROMISIFY_ALL.fullmatch(callee.text()) is not None
    if not whole and not _JS_PROMISIFY.fullmatch(callee.text()):
        return
    wrapped = [c for c in args.children() if c.is_named()]
    if len(wrapped) != 1 or wrapped[0].kind() not in (
            "identifier", "member_expression", "call_expression"):
        return
    full = _js_full(wrapped[0], out)
    if full is None:
        return
    if whole:
        if "." not in full:  # a whole module: its members keep their names
            out[name.text()] = full
    elif wrapped[0].kind() != "call_expression":
        out[name.text()] = f"util.promisify({full})"


def _js_full(node: Any, out: dict[str, str]) -> str | None:
    """A name or member chain written out through the aliases read so far (``cp.exec``:
    ``child_process.exec``), or ``require('m').x`` as ``m.x``; None if neither."""
    member = ""
    while node.kind() == "member_expression":
        prop = node.field("property")
        if prop is None:
            return None
        member = f".{prop.text()}{member}"
        node = node.field("object")
    if node.kind() == "identifier":
        head = out.get(node.text())
        return None if head is None or _is_constant(head) else head + member
    if node.kind() == "call_expression" and (callee := node.field("function")) is not None \
            and callee.text() == "require" and (args := node.field("arguments")) is not None:
        module = _js_module(args.child(1))
        return None if module is None else module + member
    return None


def _is_constant(full: str) -> bool:
    return full[:1] in "\"'`(-0123456789"


def _js_module(source: Any) -> str | None:
    """The module a string names, as a dotted name (None: not one a rule could name)."""
    if source is None or source.kind() != "string":
        return None
    name = source.text()[1:-1].removeprefix("node:")
    return name if _JS_MODULE.fullmatch(name) else None


def _js_import(node: Any, out: dict[str, str]) -> None:
    module = _js_module(node.field("source"))
    clause = next((c for c in node.children() if c.kind() == "import_clause"), None)
    if module is None or clause is None:
        return
    for part in clause.children():
        if part.kind() == "identifier":  # the default import: taken as the module
            out[part.text()] = module
        elif part.kind() == "namespace_import":
            name = part.find(kind="identifier")
            if name is not None:
                out[name.text()] = module
        elif part.kind() == "named_imports":
            for spec in part.children():
                if spec.kind() == "import_specifier":
                    name, alias = spec.field("name"), spec.field("alias")
                    if name is not None:
                        out[(alias or name).text()] = f"{module}.{name.text()}"


def _js_require(declarator: Any, out: dict[str, str]) -> None:
    name, value = declarator.field("name"), declarator.field("value")
    member = ""
    while value is not None and value.kind() == "member_expression":
        prop = value.field("property")
        member = f".{prop.text()}{member}" if prop is not None else member
        value = value.field("object")
    if value is None or value.kind() != "call_expression" \
            or (callee := value.field("function")) is None or callee.text() != "require":
        return
    args = value.field("arguments")
    module = _js_module(args.child(1) if args is not None else None)
    if module is None or name is None:
        return
    module += member
    if name.kind() == "identifier":
        out[name.text()] = module
    elif name.kind() == "object_pattern":
        for part in name.children():
            if part.kind() == "shorthand_property_identifier_pattern":
                out[part.text()] = f"{module}.{part.text()}"
            elif part.kind() == "pair_pattern":
                key, local = part.field("key"), part.field("value")
                if key is not None and local is not None and local.kind() == "identifier":
                    out[local.text()] = f"{module}.{key.text()}"


def _aliased(part: Any, prefix: str, out: dict[str, str]) -> None:
    name, alias = part.field("name"), part.field("alias")
    if name is not None and alias is not None:
        out[alias.text()] = prefix + name.text()


def relevant(aliases: Mapping[str, str], words: Collection[str]) -> dict[str, str]:
    """The aliases whose full name holds one of ``words`` (what the rules look for), and
    the file's constants when it imports such a name (a file importing nothing the rules
    care about is still parsed once)."""
    names = {k: v for k, v in aliases.items()
             if k != v and (_is_constant(v) or any(w in v.lower() for w in words))}
    return names


def replacements(root: Any, aliases: Mapping[str, str],
                 language: str = "python") -> list[Replacement]:
    """Where the aliases are used as names (not imported, not an attribute or keyword)."""
    pattern = "^(" + "|".join(re.escape(k) for k in sorted(aliases)) + ")$"
    if language in JS_LANGUAGES:
        return _js_replacements(root, aliases, pattern)
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
                "function_definition", "class_definition", "parameters", "typed_parameter"):
            continue
        elif parent is not None and parent.kind() in _DEFAULTS:
            name = parent.field("name")  # the value of ``p=PROTOCOL_TLSv1`` is a use
            if name is None or name.range() == node.range():
                continue
        span = node.range()
        out.append((span.start.line, span.start.column, len(node.text()),
                    aliases[node.text()]))
    return out


_DEFAULTS = frozenset({"default_parameter", "typed_default_parameter"})
"""Python parameters with a default: their name defines, their value uses."""

_JS_DEFINING = frozenset({"formal_parameters", "required_parameter", "optional_parameter",
                          "function_declaration", "class_declaration", "assignment_pattern",
                          "method_definition", "labeled_statement", "catch_clause",
                          "for_in_statement", "export_specifier"})
"""Parents of an identifier that defines a name rather than using one."""


def _js_replacements(root: Any, aliases: Mapping[str, str], pattern: str) -> list[Replacement]:
    rule = {"kind": "identifier", "regex": pattern, "not": {"inside": {"stopBy": "end", "any": [
        {"kind": "import_statement"},
        {"kind": "variable_declarator", "has": {"field": "value", "regex": r"^require\s*\("}},
    ]}}}
    from countersign.core.jsconstants import local_value

    out = []
    for node in root.find_all({"rule": rule}):
        parent = node.parent()
        if parent is not None and (parent.kind() in _JS_DEFINING
                                   or parent.kind() == "update_expression"
                                   or _bound_there(parent, node)):
            continue
        local, value = local_value(node, node.text(), root)
        full = value if local else aliases[node.text()]
        if full is None or (_is_constant(full) and parent is not None
                            and parent.kind() in ("member_expression", "subscript_expression")):
            continue  # bound to something else around the use; a constant's member
        span = node.range()
        out.append((span.start.line, span.start.column, len(node.text()), full))
    return out


def _bound_there(parent: Any, node: Any) -> bool:
    """Whether ``node`` is the name a declarator or an assignment binds."""
    field = {"variable_declarator": "name", "assignment_expression": "left",
             "augmented_assignment_expression": "left"}.get(parent.kind())
    bound = parent.field(field) if field is not None else None
    return bound is not None and bound.range() == node.range()


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
