"""JavaScript names bound only to constants, per scope: their uses read as the constant.

``let html = '<b>ok</b>'; el.innerHTML = html`` writes a constant, as ``el.innerHTML =
'<b>ok</b>'`` does; a rule's "no name in it" (``core/aliases.py`` writes the uses out)
must read through the name. A name is a constant in a scope when every place the scope's
text binds it (``let``/``var``/``const`` declarations, with or without a value, and plain
``=`` assignments) gives it a constant: a string with no substitution, a number,
``true``/``false``/``null``/``undefined``, a ``+`` of those, or another such name; and
nothing updates it otherwise (``+=``, ``++``, destructuring in a declaration). A name
bound only partly to constants, or whose binding sits on a later line (``x =`` then the
value below), is not one.

The program's scope is read from the file's text by these regular expressions (cheap, and
the same for a whole-file scan and the editor, which keeps each line's binding places and
reads the constants again only when an edit changes them: ``sites``). A function's or
block's own declarations are judged on that scope's text when a use sits inside it
(``local_value``): a parameter of that name is never a constant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_NAME = r"[A-Za-z_$][\w$]*"
_ATOM = (r"""(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`$\\\n]*`|-?\d[\w.]*"""
         rf"|(?<![\w$]){_NAME}(?![\w$]))")
_VALUE = rf"{_ATOM}(?:[ \t]*\+[ \t]*{_ATOM})*"
_DECL = re.compile(rf"(?<![\w$.])(?:const|let|var)[ \t]+({_NAME})(?![\w$])")
_ASSIGN = re.compile(
    rf"(?<![\w$.])({_NAME})[ \t]*((?:[-+*/%&|^]|\*\*|<<|>>>?|&&|\|\||\?\?)?=)(?![=>])")
_UPDATE = re.compile(rf"(?:\+\+|--)[ \t]*({_NAME})|(?<![\w$.])({_NAME})[ \t]*(?:\+\+|--)")
_LOOPED = re.compile(rf"\bfor[ \t]*\([ \t]*({_NAME})[ \t]+(?:of|in)\b")
_CLOSED = re.compile(r"[\]}][ \t]*=(?![=>])")
"""``for (x of xs)`` and destructuring (``[x] = a``, ``const {x} = o``): not a constant."""
_RIGHT = re.compile(rf"[ \t]*({_VALUE})[ \t]*(?=[;,)}}\]]|$)", re.M)
_EQUALS = re.compile(r"[ \t]*=(?![=>])")
_NO_VALUE = re.compile(r"[ \t]*(?=[;,]|$)", re.M)
_LITERALS = frozenset({"true", "false", "null", "undefined"})
_KEYWORDS = frozenset({"const", "let", "var", "if", "else", "return", "typeof", "new",
                       "in", "of", "void", "delete", "await", "yield", "this"})
"""Words that are never a constant's value (``this``: a name a rule reads as one)."""

Binding = str | None
"""A place that binds a name: the constant's text, ``""`` for no value, None for anything
else."""


Site = tuple[str, bool, Binding]
"""One place that binds a name: the name, whether it declares it, its binding."""


def sites(text: str) -> list[Site]:
    """The places ``text`` binds names, in a fixed order. Every one lies within a line, so
    a file's are its lines' put together (what lets the editor keep them per line)."""
    if "=" not in text and "++" not in text and "--" not in text and "for" not in text \
            and "let" not in text and "var" not in text and "const" not in text:
        return []
    out: list[Site] = []
    taken: set[int] = set()
    for m in _DECL.finditer(text):
        taken.add(m.start(1))
        after = m.end(1)
        if (eq := _EQUALS.match(text, after)) is not None:
            out.append((m.group(1), True, _value(text, eq.end())))
        else:
            out.append((m.group(1), True, "" if _NO_VALUE.match(text, after) else None))
    for m in _ASSIGN.finditer(text):
        if m.start(1) not in taken:
            out.append((m.group(1), False, _value(text, m.end()) if m.group(2) == "=" else None))
    if "++" in text or "--" in text:
        out += [(m.group(1) or m.group(2), False, None) for m in _UPDATE.finditer(text)]
    if "for" in text:
        out += [(m.group(1), False, None) for m in _LOOPED.finditer(text)]
    for m in _CLOSED.finditer(text):
        out += [(name, False, None) for name in _unpacked(text, m.start())]
    return out


def _unpacked(text: str, close: int) -> list[str]:
    """The names between ``close`` (a ``]`` or ``}`` followed by ``=``) and the bracket
    opening it on its line, when that bracket starts a pattern (``[a] =``, ``const {a} =``),
    not an index (``xs[i] =``)."""
    opening = "[" if text[close] == "]" else "{"
    line = text.rfind("\n", 0, close) + 1
    start = text.rfind(opening, line, close)
    if start < 0:
        return []
    before = text[line:start].rstrip(" \t")
    if before[-1:] and (before[-1].isalnum() or before[-1] in "_$])") \
            and not re.search(r"(?<![\w$.])(const|let|var)$", before):
        return []
    return re.findall(_NAME, _strip(text[start + 1:close]))


def constants(text: str) -> dict[str, str]:
    """Name -> a constant that stands for it, for the names declared in ``text`` (one scope's
    text) that every binding there gives a constant."""
    return from_sites(sites(text))


def from_sites(found: Iterable[Site]) -> dict[str, str]:
    """``constants`` from the binding places (in any order: a file's lines' put together
    give what its whole text gives)."""
    found = list(found)
    declared = {name for name, declares, _ in found if declares}
    bindings: dict[str, list[Binding]] = {}
    for name, _, binding in found:
        if name in declared:
            bindings.setdefault(name, []).append(binding)
    return _settle(bindings)


def _value(text: str, at: int) -> Binding:
    """The constant (or name) bound at ``at``, None when it is anything else."""
    m = _RIGHT.match(text, at)
    if m is None:
        return None
    value = m.group(1)
    return None if any(w in _KEYWORDS for w in re.findall(_NAME, _strip(value))) else value


def _strip(value: str) -> str:
    return re.sub(r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`]*`""", '""', value)


def _names_in(value: str) -> set[str]:
    return {w for w in re.findall(_NAME, _strip(value))
            if w not in _LITERALS and not w[0].isdigit()}


def _settle(bindings: dict[str, list[Binding]]) -> dict[str, str]:
    """The names whose bindings are all constants, reading through names bound to names."""
    alive = {n for n, values in bindings.items() if all(v is not None for v in values)}
    changed = True
    while changed:
        changed = False
        for name in sorted(alive):
            if any(not _names_in(v or "") <= alive - {name} for v in bindings[name]):
                alive.discard(name)
                changed = True
    out = {}
    for name in sorted(alive):
        values = [v for v in bindings[name] if v and not _names_in(v)]
        first = min(values) if values else '""'  # the same in any order
        out[name] = first if re.fullmatch(_ATOM, first) else f"({first})"
    return out


_FUNCTIONS = frozenset({"function_declaration", "function_expression", "function",
                        "arrow_function", "method_definition", "generator_function",
                        "generator_function_declaration"})
_SCOPES = _FUNCTIONS | {"statement_block", "for_statement", "for_in_statement",
                        "catch_clause", "class_body"}


def _same(a: Any, b: Any) -> bool:
    return bool(a.start.index == b.start.index and a.end.index == b.end.index)


def local_value(node: Any, name: str, top: Any) -> tuple[bool, str | None]:
    """Whether a scope between ``node`` (a use of ``name``) and ``top`` (the parsed root)
    binds ``name``, and if so the constant it stands for there (None: not a constant)."""
    scope = node.parent()
    word = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])")
    span = top.range()
    while scope is not None and not _same(scope.range(), span):
        kind = scope.kind()
        if kind in _SCOPES:
            if kind in _FUNCTIONS or kind == "catch_clause":
                params = scope.field("parameters") or scope.field("parameter")
                if params is not None and word.search(params.text()):
                    return True, None
            if kind in ("for_statement", "for_in_statement"):
                head = scope.text().split(")", 1)[0]
                if word.search(head) and _DECL.search(head):
                    return True, None
            text = scope.text()
            if any(m.group(1) == name for m in _DECL.finditer(text)):
                return True, constants(text).get(name)
        scope = scope.parent()
    return False, None
