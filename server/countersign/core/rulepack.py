"""Loading TOML rule packs, with errors that say which file, line, rule and key is wrong.

A broken pack never stops the others from loading, and a broken rule never stops the
rest of its pack: the caller gets the good rules and a list of ``RuleError``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from countersign.core.regular import SETTINGS_MAX_BYTES, Refused, read_regular
from countersign.core.rules import CATEGORIES, Example, Rule, compile_re2
from countersign.core.sqlmatch import check_sql
from countersign.core.structure import (
    AST_LANGUAGES,
    LANGUAGES,
    SQL,
    StructureError,
    canonical,
    check_structure,
)
from countersign.core.tiers import Tier

_ID = re.compile(r"^[A-Z]{3}[0-9]{3}$")
_RULE_KEYS = {
    "id", "tier", "title", "message", "category", "regex", "not_regex", "applies_to", "cwe",
    "paths", "examples", "language", "structure", "sql", "region",
}
_TOML_LINE = re.compile(r"at line (\d+)")
_CHECKED = "countersign-structures-checked"
CHECK_TAG = "ast-grep-py 0.51.0, sqlglot 30.30.0, google-re2, checks 2"
"""What a cached pack's patterns and structures were checked with; change it with the checks."""


@dataclass(frozen=True)
class RuleError:
    """A problem in a rule pack; ``line`` is 1-based (0 when unknown)."""

    path: str
    line: int
    message: str
    rule_id: str | None = None
    key: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        parts = [where]
        if self.rule_id:
            parts.append(f"rule {self.rule_id}")
        if self.key:
            parts.append(f"key '{self.key}'")
        return ": ".join([*parts, self.message])


class _PackSource:
    """Finds the line of a rule's header or key in a pack's text, for error messages."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers = [i for i, ln in enumerate(self.lines) if ln.strip() == "[[rules]]"]

    def rule_line(self, index: int) -> int:
        return self.headers[index] + 1 if index < len(self.headers) else 0

    def key_line(self, index: int, key: str) -> int:
        start = self.rule_line(index)
        if not start:
            return 0
        end = self.headers[index + 1] if index + 1 < len(self.headers) else len(self.lines)
        pattern = re.compile(r"^\s*" + re.escape(key).replace(r"\.", r"\s*\.\s*") + r"\s*=")
        leaf = re.compile(r"^\s*" + re.escape(key.split(".")[-1]) + r"\s*=")
        for number in range(start, end):
            if pattern.match(self.lines[number]) or leaf.match(self.lines[number]):
                return number + 1
        name = re.sub(r"\[\d+\]", "", key.split(".")[-1])
        inline = re.compile(r"[{,]\s*" + re.escape(name) + r"\s*=")  # { pattern = ... }
        for number in range(start, end):
            if inline.search(self.lines[number]):
                return number + 1
        return start


def toml_error_line(exc: Exception, text: str) -> int:
    """The 1-based line a TOML parse error points at (the last line for end of document)."""
    found = _TOML_LINE.search(str(exc))
    if found:
        return int(found.group(1))
    return text.count("\n") + 1 if "end of document" in str(exc) else 0


def builtin_rules_dir() -> Path:
    """The built-in packs: package data in a wheel, ``rules/`` in a source checkout."""
    packaged = Path(__file__).resolve().parent.parent / "rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "rules"


def load_packs(
    paths: Iterable[Path], cache: Path | None = None, *, examples: bool = True
) -> tuple[list[Rule], list[RuleError]]:
    """Load every pack; rule ids must be unique across all of them (``examples``: see
    ``load_pack``)."""
    rules: list[Rule] = []
    errors: list[RuleError] = []
    seen: dict[str, Rule] = {}
    for path in paths:
        pack_rules, pack_errors = load_pack(path, cache, examples=examples)
        errors.extend(pack_errors)
        for rule in pack_rules:
            if rule.id in seen:
                first = seen[rule.id]
                errors.append(RuleError(str(path), rule.line, f"duplicate rule id, first "
                                        f"defined at {first.source}:{first.line}", rule.id, "id"))
                continue
            seen[rule.id] = rule
            rules.append(rule)
    return rules, errors


def load_builtin(cache: Path | None = None, *,
                 examples: bool = True) -> tuple[list[Rule], list[RuleError]]:
    return load_packs(sorted(builtin_rules_dir().glob("*.toml")), cache, examples=examples)


def load_pack(path: Path, cache: Path | None = None, *,
              examples: bool = True) -> tuple[list[Rule], list[RuleError]]:
    """Load one pack file; a TOML error rejects the file, a rule error only that rule.

    ``examples=False``: the rules' examples are checked but not kept (a long-running
    process that only matches, such as the language server, saves their memory).

    With ``cache`` (a directory), the parsed TOML is kept there as JSON named by the hash
    of the file's text, so the next process skips the TOML parser (the commit hook's
    start-up time is the user's wait). Content-addressed: an edited pack is parsed anew.
    """
    name = str(path)
    try:  # a repository's pack may be a symlink to /dev/zero: read regular files only
        text = read_regular(path, SETTINGS_MAX_BYTES).decode("utf-8")
    except (Refused, UnicodeDecodeError) as exc:
        return [], [RuleError(name, 0, f"cannot read rule pack: {exc}")]
    data = _cached(cache, text)
    checked = data is not None and data.pop(_CHECKED, None) == CHECK_TAG
    if data is None:
        try:
            data = toml_module().loads(text)
        except toml_module().TOMLDecodeError as exc:
            return [], [RuleError(name, toml_error_line(exc, text), f"invalid TOML: {exc}")]
        _store(cache, text, data)
    source = _PackSource(text)
    errors = _check_pack_header(name, data)
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        return [], [*errors, RuleError(name, 0, "'rules' must be an array of tables [[rules]]",
                                       key="rules")]
    rules = []
    for index, raw in enumerate(raw_rules):
        try:
            rules.append(_parse_rule(raw, name, source.rule_line(index), not checked,
                                     examples))
        except _Invalid as exc:
            line = source.key_line(index, exc.key) if exc.key else source.rule_line(index)
            rule_id = raw.get("id") if isinstance(raw, dict) else None
            errors.append(RuleError(name, line, exc.message, rule_id if isinstance(rule_id, str)
                                    else f"#{index + 1}", exc.key))
    if not checked and not errors:
        _store(cache, text, {**data, _CHECKED: CHECK_TAG})  # next time: skip RE2/ast-grep checks
    return rules, errors


def _check_pack_header(name: str, data: dict[str, Any]) -> list[RuleError]:
    unknown = set(data) - {"pack", "rules"}
    errors = [RuleError(name, 0, "unknown top-level key (allowed: pack, rules)", key=k)
              for k in sorted(unknown)]
    pack = data.get("pack")
    if not isinstance(pack, dict) or not isinstance(pack.get("name"), str):
        errors.append(RuleError(name, 0, "missing [pack] table with a string 'name'",
                                key="pack.name"))
    return errors


class _Invalid(Exception):
    def __init__(self, key: str | None, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def _get(raw: dict[str, Any], key: str, kind: type, required: bool = False) -> Any:
    value = raw.get(key)
    if value is None:
        if required:
            raise _Invalid(key, "missing required field")
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _Invalid(key, f"expected {kind.__name__}, got {type(value).__name__} {value!r}")
    return value


def _strings(raw: dict[str, Any], key: str, required: bool = False) -> tuple[str, ...]:
    value = _get(raw, key, list, required)
    if value is None:
        return ()
    if not all(isinstance(v, str) for v in value):
        raise _Invalid(key, "expected a list of strings")
    if required and not value:
        raise _Invalid(key, "must not be empty")
    return tuple(value)


def _table(raw: dict[str, Any], key: str, allowed: set[str]) -> dict[str, Any]:
    value = _get(raw, key, dict) or {}
    unknown = set(value) - allowed
    if unknown:
        bad = sorted(unknown)[0]
        raise _Invalid(f"{key}.{bad}", f"unknown key (allowed: {', '.join(sorted(allowed))})")
    return {f"{key}.{k}": v for k, v in value.items()}


def _parse_rule(raw: Any, source: str, line: int, check: bool = True,
                examples: bool = True) -> Rule:
    if not isinstance(raw, dict):
        raise _Invalid(None, "each [[rules]] entry must be a table")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        allowed = ", ".join(sorted(_RULE_KEYS))
        raise _Invalid(sorted(unknown)[0], f"unknown key (allowed: {allowed})")
    rule_id = _get(raw, "id", str, required=True)
    if not _ID.match(rule_id):
        raise _Invalid("id", f"{rule_id!r} is not of the form ABC123")
    try:
        tier = Tier.parse(_get(raw, "tier", str, required=True))
    except ValueError as exc:
        raise _Invalid("tier", str(exc)) from None
    if tier == Tier.NONE:
        raise _Invalid("tier", "tier 'none' is not a rule tier")
    category = _get(raw, "category", str, required=True)
    if category not in CATEGORIES:
        raise _Invalid("category", f"unknown category {category!r}; expected one of "
                                   f"{', '.join(CATEGORIES)}")
    applies_to: Literal["ai", "any"] = "ai"
    given = _get(raw, "applies_to", str)
    if given == "any":
        applies_to = "any"
    elif given not in (None, "ai"):
        raise _Invalid("applies_to", f"expected 'ai' or 'any', got {given!r}")
    flat = {**raw, **_table(raw, "paths", {"include", "exclude"}),
            **_table(raw, "examples", {"fire", "ok", "path"})}
    regex, not_regex = _regex(flat, "regex", check), _regex(flat, "not_regex", check)
    include = _strings(flat, "paths.include")
    language, structure, sql, region = _structural(raw, check)
    if regex is None and not include and structure is None and sql is None:
        raise _Invalid("regex", "a rule needs a regex, a structure or sql pattern, or "
                                "paths.include for a path baseline")
    if not_regex is not None and regex is None:
        raise _Invalid("not_regex", "not_regex needs a regex to qualify")
    fire, ok = _examples(flat, "examples.fire"), _examples(flat, "examples.ok")
    return Rule(
        id=rule_id, tier=tier, category=category, applies_to=applies_to,
        title=_get(raw, "title", str, required=True),
        message=_get(raw, "message", str, required=True),
        regex=regex, not_regex=not_regex, cwe=_strings(raw, "cwe"),
        include=include, exclude=_strings(flat, "paths.exclude"),
        fire=fire if examples else (), ok=ok if examples else (),
        example_path=_get(flat, "examples.path", str), source=source, line=line,
        language=language, structure=structure, sql=sql, region=region,
    )


def _structural(raw: dict[str, Any], check: bool) -> tuple[tuple[str, ...], str | None,
                                                           str | None, str | None]:
    """``language``, ``structure``, ``sql`` and ``region`` of a rule, checked (the checks
    that ask ast-grep only with ``check``: a cached pack passed them already)."""
    given = raw.get("language")
    language = (given,) if isinstance(given, str) else _strings(raw, "language")
    for name in language:
        if name not in LANGUAGES:
            raise _Invalid("language", f"unknown language {name!r}; expected one of "
                                       f"{', '.join(sorted(LANGUAGES))}")
    structure = sql = None
    try:
        if "structure" in raw:
            ast_languages = [n for n in language if n in AST_LANGUAGES]
            if not ast_languages:
                raise StructureError("language", "a structure needs the language(s) it is "
                                                 "written in, e.g. language = \"python\"")
            if check:
                check_structure(raw["structure"], ast_languages)
            structure = canonical(raw["structure"])
        if "sql" in raw:
            if SQL not in language:
                raise StructureError("language", "an sql pattern needs language = \"sql\"")
            sql = canonical(check_sql(raw["sql"]))
    except StructureError as exc:
        raise _Invalid(exc.key, exc.message) from None
    if language and structure is None and sql is None:
        raise _Invalid("language", "language is only for rules with a structure or sql "
                                   "pattern")
    region = raw.get("region")
    if region is not None:
        if structure is None:
            raise _Invalid("region", "a region is marked by a structure pattern")
        if region is True:
            region = ""
        elif not isinstance(region, str):
            raise _Invalid("region", "expected true or a name template like "
                                     "\"resource $TYPE.$NAME\"")
    return language, structure, sql, region


def _examples(flat: dict[str, Any], key: str) -> tuple[Example, ...]:
    """Snippets (strings) or ``{ path = "...", code = "..." }`` tables; at least one."""
    value = _get(flat, key, list, required=True)
    if not value:
        raise _Invalid(key, "must not be empty")
    out = []
    for item in value:
        if isinstance(item, str):
            out.append(Example(item))
        elif isinstance(item, dict) and set(item) == {"path", "code"} and all(
                isinstance(v, str) for v in item.values()):
            out.append(Example(item["code"], item["path"]))
        else:
            raise _Invalid(key, "expected strings, or tables { path = \"...\", code = "
                                f"\"...\" }}, got {item!r}")
    return tuple(out)


def _regex(flat: dict[str, Any], key: str, check: bool = True) -> str | None:
    """The pattern at ``key``, compiled once to check it unless a cached pack passed already
    (compiling a pack's patterns cost ~9 ms of every commit)."""
    pattern: str | None = _get(flat, key, str)
    if pattern is None or not check:
        return pattern
    try:
        compile_re2(pattern)
    except ValueError as exc:
        hint = ""
        if re.search(r"\(\?[=!<]|\\[1-9]", pattern):
            hint = " (RE2 has no lookaround or backreferences: use not_regex instead)"
        raise _Invalid(key, f"invalid RE2 pattern {pattern!r}: {exc}{hint}") from None
    return pattern


def toml_module() -> Any:
    """tomllib, imported on first use (the commit hook often reads cached rules only)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    return tomllib


def _cache_file(cache: Path, text: str) -> Path:
    return cache / f"pack-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]}.json"


def _cached(cache: Path | None, text: str) -> Any:
    if cache is None:
        return None
    try:
        data = json.loads(_cache_file(cache, text).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _store(cache: Path | None, text: str, data: dict[str, Any]) -> None:
    """Best effort: a cache that cannot be written (read-only, full disk) costs only time."""
    if cache is None:
        return
    try:
        cache.mkdir(parents=True, exist_ok=True)
        target = _cache_file(cache, text)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, target)
    except (OSError, TypeError, ValueError):
        pass
