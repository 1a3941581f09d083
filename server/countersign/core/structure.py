"""Structural rules: ast-grep patterns matched on a syntax tree, and risk regions.

A structural rule gives an ast-grep rule (``pattern``, ``kind``, ``regex`` and the relational
``inside`` / ``has`` / ``not`` / ``follows`` / ``precedes``, combined with ``all`` / ``any``)
in one of the languages the ``ast-grep-py`` wheel bundles. What it matches is a ``Shape``:
the node's first line and columns, how many lines it spans and, for a region rule, the
region's name ("resource aws_db_instance.main").

Matches on the root node are ignored: every rule matches inside one top-level unit of the
file (a Terraform block, a Python statement, a YAML document). That is what lets the
language server re-parse only the units around an edit (``core/reshape.py``).
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from countersign.core.gate import Gate, opens, rule_gate, structure_gate

if TYPE_CHECKING:
    from countersign.core.rules import Rule

AST_LANGUAGES = frozenset({
    "bash", "c", "cpp", "csharp", "css", "elixir", "go", "haskell", "hcl", "html", "java",
    "javascript", "json", "kotlin", "lua", "nix", "php", "python", "ruby", "rust", "scala",
    "solidity", "swift", "tsx", "typescript", "yaml",
})
"""Languages of the ``ast-grep-py`` 0.51 wheel (checked: an unknown name panics in it)."""
SQL = "sql"
LANGUAGES = AST_LANGUAGES | {SQL}

_BY_SUFFIX = {
    ".py": "python", ".pyi": "python", ".js": "javascript", ".mjs": "javascript",
    ".cjs": "javascript", ".jsx": "javascript", ".ts": "typescript", ".mts": "typescript",
    ".cts": "typescript", ".tsx": "tsx", ".go": "go", ".java": "java", ".rb": "ruby",
    ".sh": "bash", ".bash": "bash", ".tf": "hcl", ".tfvars": "hcl", ".hcl": "hcl",
    ".yml": "yaml", ".yaml": "yaml", ".json": "json", ".sql": SQL, ".kt": "kotlin",
    ".cs": "csharp", ".php": "php", ".rs": "rust", ".c": "c", ".h": "c", ".cpp": "cpp",
    ".cc": "cpp", ".hpp": "cpp", ".scala": "scala", ".swift": "swift", ".lua": "lua",
    ".ex": "elixir", ".exs": "elixir",
}
_RULE_KEYS = {"pattern", "kind", "regex", "nthChild", "inside", "has", "precedes", "follows",
              "all", "any", "not"}
_RELATION_KEYS = _RULE_KEYS | {"stopBy", "field"}
_RELATIONS = {"inside", "has", "precedes", "follows"}
_CLOSERS = {")", "]", "}", '"', "'", "end", "fi", "done"}
_METAVAR = re.compile(r"\$([A-Z_][A-Z0-9_]*)")


@functools.lru_cache(maxsize=4096)
def language_of(path: str) -> str | None:
    """The structural language of a file by its name (``.tf`` is HCL), if any."""
    if path.endswith(".tf.json"):
        return "json"
    return _BY_SUFFIX.get(PurePosixPath(path).suffix.lower())


@dataclass(frozen=True)
class Shape:
    """What a structural rule matched; its first line is kept by whoever holds it.

    ``start``/``end`` are code-point columns on the first line; ``height`` counts the
    lines below it that the node spans; ``label`` names the region of a region rule.
    """

    rule: Rule
    start: int
    end: int
    height: int = 0
    label: str | None = None


Hit = tuple[int, Shape]
"""A shape and its first line (0-based)."""


class StructureError(ValueError):
    """A structural rule that cannot work; ``key`` is its dotted place in the rule."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def _sg() -> Any:
    """``ast_grep_py``, imported on first use (most commits touch no structural file).

    Its error for a node kind a language lacks is expected (a rule's alternatives for its
    other languages are sorted out that way); with ``RUST_BACKTRACE=1`` in the environment
    each such error captured a backtrace, and symbolizing it read ~50 MB of debug info
    into the language server. Library backtraces are off unless the user set them.
    """
    os.environ.setdefault("RUST_LIB_BACKTRACE", "0")
    import ast_grep_py

    return ast_grep_py


@functools.lru_cache(maxsize=64)
def _empty_root(language: str) -> Any:
    return _sg().SgRoot("", language).root()


def check_structure(rule: Any, languages: Sequence[str]) -> None:
    """Check a rule's ``structure``; with several languages, each alternative of a top-level
    ``any`` needs to fit only one of them (``kind = "pair"`` is JSON's, not HCL's)."""
    if not isinstance(rule, dict) or list(rule) != ["any"] or len(languages) < 2:
        check_rule(rule, languages)
        return
    if not isinstance(rule["any"], list) or not rule["any"]:
        raise StructureError("structure.any", "expected a non-empty array of rules")
    for i, part in enumerate(rule["any"]):
        errors = []
        for language in languages:
            try:
                check_rule(part, [language], f"structure.any[{i}]")
            except StructureError as exc:
                errors.append(exc)
        if len(errors) == len(languages):
            raise errors[0]


def check_rule(rule: Any, languages: Sequence[str], key: str = "structure",
               whole: bool = True) -> None:
    """Raise ``StructureError`` naming the key of the first thing wrong with an ast-grep rule.

    ast-grep's own errors name no key (and accept a pattern that does not parse), so each
    atomic part is tried on its own first.
    """
    if not isinstance(rule, dict) or not rule:
        raise StructureError(key, "expected a table with at least one of "
                                  f"{', '.join(sorted(_RULE_KEYS))}")
    allowed = _RELATION_KEYS if key.rsplit(".", 1)[-1] in _RELATIONS else _RULE_KEYS
    for name, value in rule.items():
        where = f"{key}.{name}"
        if name not in allowed:
            hint = (" (a rule key after a [rules.structure] header belongs to that table: "
                    "put it above, or use dotted keys)") if name in {"region", "examples"} else ""
            raise StructureError(where, f"unknown key (allowed: {', '.join(sorted(allowed))})"
                                 + hint)
        _check_part(name, value, languages, where)
    for language in languages if whole else ():
        try:
            _empty_root(language).find_all({"rule": rule})
        except Exception as exc:  # ast-grep's own reason, for what the checks above missed
            raise StructureError(key, f"ast-grep rejects the rule: {_reason(exc)}") from None


def _check_part(name: str, value: Any, languages: Sequence[str], where: str) -> None:
    if name in _RELATIONS or name == "not":
        check_rule(value, languages, where, whole=False)
    elif name in {"all", "any"}:
        if not isinstance(value, list) or not value:
            raise StructureError(where, "expected a non-empty array of rules")
        for i, part in enumerate(value):
            check_rule(part, languages, f"{where}[{i}]", whole=False)
    elif name == "pattern":
        _check_pattern(value, languages, where)
    elif name == "kind":
        _check_kind(value, languages, where)
    elif name == "regex":
        _check_regex(value, where)
    elif name == "stopBy" and value not in ("neighbor", "end"):
        check_rule(value, languages, where, whole=False)
    elif name == "field" and not isinstance(value, str):
        raise StructureError(where, "expected a string (a field name of the parent node)")
    elif name == "nthChild" and (isinstance(value, bool) or not isinstance(value, (int, str))):
        raise StructureError(where, "expected a position (1-based) or an An+B string")


def _check_pattern(value: Any, languages: Sequence[str], where: str) -> None:
    if isinstance(value, dict):
        value = value.get("context")
        where += ".context"
    if not isinstance(value, str) or not value.strip():
        raise StructureError(where, "expected a non-empty code pattern")
    for language in languages:
        # ast-grep reads $VAR as an identifier; where '$' is not one it substitutes 'µ'
        if _broken(value, language) and _broken(value.replace("$", "µ"), language):
            raise StructureError(where, f"pattern {value!r} is not valid {language} code "
                                        "(ast-grep would match it loosely or not at all)")


def _broken(code: str, language: str) -> bool:
    """An ERROR node, or a zero-width token tree-sitter made up (an unclosed bracket)."""
    for node in _walk(_sg().SgRoot(code, language).root()):
        if node.kind() == "ERROR":
            return True
        span = node.range()
        if span.start.index == span.end.index and node.is_leaf() and node.kind() in _CLOSERS:
            return True
    return False


def _walk(node: Any) -> Iterable[Any]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children())


def _check_kind(value: Any, languages: Sequence[str], where: str) -> None:
    if not isinstance(value, str):
        raise StructureError(where, "expected a node kind (a string)")
    for language in languages:
        try:
            _empty_root(language).find_all({"rule": {"kind": value}})
        except Exception:
            raise StructureError(where, f"{value!r} is not a node kind of {language} "
                                        "(see the grammar's node-types, or the ast-grep "
                                        "playground)") from None


def _check_regex(value: Any, where: str) -> None:
    from countersign.core.rules import compile_re2

    if not isinstance(value, str):
        raise StructureError(where, "expected a regular expression (a string)")
    try:
        compile_re2(value)  # ast-grep uses Rust's regex crate: the same syntax as RE2
    except ValueError as exc:
        raise StructureError(where, f"invalid regex {value!r}: {exc} (no lookaround or "
                                    "backreferences: use 'not' instead)") from None


def _reason(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


@functools.lru_cache(maxsize=512)
def _config(structure: str, language: str) -> dict[str, Any] | None:
    """The ast-grep config of a rule for one language: alternatives of a top-level ``any``
    that do not fit the language are left out (None: nothing of the rule does)."""
    rule = json.loads(structure)
    if list(rule) == ["any"]:
        rule = {"any": [part for part in rule["any"] if _fits(part, language)]}
        if not rule["any"]:
            return None
    return {"rule": _ascii(rule)}


@functools.lru_cache(maxsize=512)
def _alternatives(structure: str, language: str) -> tuple[tuple[Gate, Any], ...] | None:
    """The alternatives of a rule's top-level ``any`` that fit the language, each with its
    word gate (None: the rule has no top-level ``any``)."""
    rule = json.loads(structure)
    if list(rule) != ["any"]:
        return None
    return tuple((rule_gate(part), part) for part in rule["any"] if _fits(part, language))


@functools.lru_cache(maxsize=2048)
def _chosen_config(structure: str, language: str, chosen: tuple[int, ...]) -> dict[str, Any]:
    parts = _alternatives(structure, language) or ()
    return {"rule": _ascii({"any": [parts[i][1] for i in chosen]})}


def config_for(structure: str, language: str, lowered: str) -> dict[str, Any] | None:
    """The ast-grep config of a rule for one text (lower-cased), None when it cannot match.

    Only the alternatives whose words the text holds are kept: ast-grep compiles every
    part of a rule on each call (a few alternatives with regexes cost ~0.1 ms each, per
    file scanned and per edit).
    """
    parts = _alternatives(structure, language)
    if parts is None:
        return _config(structure, language) if opens(structure_gate(structure), lowered) \
            else None
    chosen = tuple(i for i, (gate, _) in enumerate(parts) if opens(gate, lowered))
    return _chosen_config(structure, language, chosen) if chosen else None


def _ascii(value: Any) -> Any:
    """The rule with its regexes' ``\\w \\s \\d \\b`` in their ASCII form.

    ast-grep compiles a rule's regexes on every call, and Rust's Unicode classes make that
    slow (``\\w`` alone ~0.4 ms); the names and keywords rules look for are ASCII.
    """
    if isinstance(value, dict):
        return {k: ascii_classes(v) if k == "regex" and isinstance(v, str) else _ascii(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_ascii(v) for v in value]
    return value


_ASCII = {"w": "0-9A-Za-z_", "s": "\\t\\n\\x0B\\f\\r ", "d": "0-9"}


def ascii_classes(pattern: str) -> str:
    """``pattern`` with ``\\w``, ``\\s``, ``\\d`` as ASCII sets and ``\\b`` as an ASCII boundary."""
    out: list[str] = []
    i, in_class, opened = 0, False, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            escaped = pattern[i + 1]
            if escaped in _ASCII:
                out.append(_ASCII[escaped] if in_class else f"[{_ASCII[escaped]}]")
            elif escaped == "b" and not in_class:
                out.append("(?-u:\\b)")
            else:
                out.append(pattern[i:i + 2])
            i += 2
            continue
        if c == "[" and not in_class:
            in_class, opened = True, len(out) + 1
        elif c == "]" and in_class and len(out) > opened + (out[opened:] == ["^"]):
            in_class = False  # a ']' first in the class (after any '^') is a literal
        out.append(c)
        i += 1
    return "".join(out)


def _fits(rule: dict[str, Any], language: str) -> bool:
    try:
        check_rule(rule, [language])
    except StructureError:
        return False
    return True


def parse_root(language: str, text: str) -> Any:
    """The root node of ``text`` parsed as ``language`` (one of ``AST_LANGUAGES``)."""
    return _sg().SgRoot(text, language).root()


def match_root(root: Any, rules: Iterable[Rule], language: str,
               aliases: Mapping[str, str] | None = None, resolve: bool = True) -> list[Hit]:
    """Every match of ``rules`` below the root of a tree of ``language``; in HCL and YAML,
    also the matches of its JSON rules in the JSON of heredocs and block scalars
    (``embedded_json``). Python and JavaScript/TypeScript import aliases are resolved first
    (``aliases``: the file's, when ``root`` is only part of it)."""
    rules = tuple(rules)
    if resolve and language in _ALIASED:
        resolved = _resolve_aliases(root, rules, aliases, language)
        if resolved is not None:
            return resolved
    top = root.range()
    hits: list[Hit] = []
    lowered = str(root.text()).lower()
    for rule in rules:
        config = config_for(rule.structure, language, lowered) \
            if rule.structure is not None else None
        if config is None:
            continue
        for node in root.find_all(config):
            span = node.range()
            if span.start.index == top.start.index and span.end.index == top.end.index \
                    and node.kind() == root.kind():
                continue
            hits.append((span.start.line, _shape(rule, node, span)))
    if language in _EMBEDDING:
        hits += embedded_json(root, rules, language)
    return hits


def _resolve_aliases(root: Any, rules: tuple[Rule, ...], known: Mapping[str, str] | None,
                     language: str = "python") -> list[Hit] | None:
    """Matches in the text with import aliases written out (``core/aliases.py``), mapped
    back to the text's columns; None when no alias names what a rule looks for."""
    from countersign.core import aliases

    start = root.range().start  # the root's text starts at its first token: put back
    text = "\n" * start.line + " " * start.column + str(root.text())  # what was before it
    names = aliases.relevant(aliases.file_aliases(text, language) if known is None else known,
                             aliases.rule_words(rules))
    found = aliases.replacements(root, names, language) if names else []
    if not found:
        return None
    hits = match_root(parse_root(language, aliases.rewrite(text, found)), rules, language,
                      resolve=False)
    return [(line, replace(shape, start=aliases.column_back(found, line, shape.start, False),
                           end=aliases.column_back(found, line, shape.end, True)))
            for line, shape in hits]


_ALIASED = frozenset({"python", "javascript", "typescript", "tsx"})
"""Languages whose import aliases are resolved (``core/aliases.py``'s ``ALIAS_LANGUAGES``:
named here so a file with no structural rule never imports that module)."""

_EMBEDDING = {"hcl": "heredoc_template", "yaml": "block_scalar"}
"""Where a language holds JSON as text: Terraform heredocs, YAML block scalars (``|``)."""


def embedded_json(root: Any, rules: Sequence[Rule], language: str = "hcl") -> list[Hit]:
    """Matches of the rules written for JSON too in the JSON an HCL heredoc or a YAML block
    scalar holds.

    Terraform policies are often JSON in a heredoc (``policy = <<POLICY``), CloudFormation
    ones JSON in a block scalar (``PolicyDocument: |``); to HCL and YAML that is one string.
    Its lines are parsed as JSON on their own, whole lines, so columns stay the file's and
    lines only shift by where the string starts.
    """
    inner = [r for r in rules if "json" in r.language and r.structure is not None]
    marker = "<<" if language == "hcl" else "|"
    if not inner or marker not in str(root.text()):
        return []
    lines = str(root.text()).split("\n")
    hits: list[Hit] = []
    for node in root.find_all(kind=_EMBEDDING[language]):
        span = node.range()
        first = span.start.line + 1
        last = span.end.line - 1 if language == "hcl" or span.end.column == 0 \
            else span.end.line
        body = "\n".join(lines[first:last + 1])
        if last < first or body.lstrip()[:1] not in ("{", "["):
            continue
        found = match_root(parse_root("json", body), inner, "json")
        hits += [(first + line, shape) for line, shape in found]
    return hits


def _shape(rule: Rule, node: Any, span: Any) -> Shape:
    height = span.end.line - span.start.line
    if height and span.end.column == 0:
        height -= 1  # a node ending with its line break ends on the line before
    text = node.text()
    first = text.split("\n", 1)[0].rstrip("\r")
    end = span.start.column + len(first) if height or "\n" in text else span.end.column
    label = region_label(rule.region, node) if rule.region is not None else None
    return Shape(rule, span.start.column, end, height, label)


def region_label(template: str, node: Any) -> str:
    """The region's name: ``template`` with ``$VAR`` metavariables filled in, or (empty
    template) a name made from the node's first line: ``resource aws_db_instance.main``."""
    if template:
        def fill(match: re.Match[str]) -> str:
            found = node.get_match(match.group(1))
            return _unquote(found.text()) if found is not None else match.group(0)
        return _METAVAR.sub(fill, template)
    if node.kind() == "block":  # HCL: resource "type" "name" {
        parts = [_unquote(c.text()) for c in node.children()
                 if c.kind() in ("identifier", "string_lit")]
        if parts:
            return " ".join([parts[0], ".".join(parts[1:])]).strip()
    first = str(node.text()).split("\n", 1)[0].strip().rstrip("{:(").strip()
    return first[:60] + ("..." if len(first) > 60 else "")


def _unquote(text: str) -> str:
    text = text.strip()
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'`" else text


def canonical(value: Mapping[str, Any]) -> str:
    """The rule as JSON with sorted keys: hashable, and equal for equal rules."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
