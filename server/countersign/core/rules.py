"""Risk rules and matching them against code: lines by regex, files by their syntax tree.

All regexes of a rule set are compiled into one ``re2.Set``: a line is searched once for
every rule at the same time, and only the rules the set reports are searched again for
their position. RE2 runs in linear time, so no input can make matching hang.

Structural rules (``core/structure.py``, ``core/sqlmatch.py``) match a parsed file; a rule
with both a structure and a regex is judged structurally in its languages and by the
regex in every other file in scope.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import re2

from countersign.core.gate import opens, structure_gate
from countersign.core.lines import split_lines
from countersign.core.origin import Origin
from countersign.core.structure import SQL, Hit, Shape, language_of, match_root, parse_root
from countersign.core.tiers import Tier

CATEGORIES: tuple[str, ...] = (
    "infra", "auth", "payments", "data", "destructive", "security", "concurrency",
)

_SUPPRESS = re.compile(r"countersign:\s*ignore\[([A-Za-z0-9_,\s]+)\]\s*(.*)")


def re2_options() -> Any:
    options = re2.Options()
    options.log_errors = False
    return options


@functools.lru_cache(maxsize=1024)
def compile_re2(pattern: str) -> Any:
    """Compile an RE2 pattern; raises ``ValueError`` with RE2's own reason.

    Cached: the pack loader validates each pattern and the rule set then uses it.
    """
    try:
        return re2.compile(pattern, re2_options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ValueError(str(reason)) from None


@dataclass(frozen=True)
class Example:
    """A snippet (one or more lines) a rule must fire on or must not; for a path baseline
    rule, a path. ``path`` None: evaluated at the rule's ``examples.path``."""

    code: str
    path: str | None = None


@dataclass(frozen=True)
class Rule:
    """One risk rule from a TOML pack; see ``docs/rules.md`` for the schema."""

    id: str
    tier: Tier
    title: str
    message: str
    category: str
    regex: str | None = None
    not_regex: str | None = None
    applies_to: Literal["ai", "any"] = "ai"
    cwe: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    fire: tuple[Example, ...] = ()
    ok: tuple[Example, ...] = ()
    example_path: str | None = None
    language: tuple[str, ...] = ()
    """Languages ``structure`` / ``sql`` are written in (``core/structure.py``)."""
    structure: str | None = None
    """The ast-grep rule, as canonical JSON."""
    sql: str | None = None
    """The SQL statement matcher, as canonical JSON."""
    region: str | None = None
    """Set for a region rule: the template of the region's name ("" for the default)."""
    source: str = "<builtin>"
    line: int = 0
    """Line of the rule's ``[[rules]]`` header in ``source`` (1-based, 0 when unknown)."""

    def applies_to_path(self, path: str) -> bool:
        """Whether a repository-relative POSIX path is in this rule's scope."""
        if self.include and not _matches(self.include, path):
            return False
        return not self.exclude or not _matches(self.exclude, path)

    @property
    def is_baseline(self) -> bool:
        """A rule with paths but no pattern gives its tier to every AI line of those files."""
        return self.regex is None and not self.is_structural

    @property
    def is_structural(self) -> bool:
        return self.structure is not None or self.sql is not None

    def parses(self, path: str) -> bool:
        """Whether the rule judges ``path`` by its syntax tree (rather than its regex)."""
        return self.is_structural and language_of(path) in self.language


@functools.lru_cache(maxsize=256)
def _spec(patterns: tuple[str, ...]) -> Any:
    """Compiled once per distinct pattern list: most rules share their path lists."""
    import pathspec  # ~25 ms to import, as much to compile: skipped when scopes are known

    return pathspec.GitIgnoreSpec.from_lines(patterns)


_SCOPES: dict[tuple[tuple[str, ...], str], bool] = {}
"""(path patterns, path) -> whether the path is in scope; seeded by ``seed_scopes``."""
_SCOPES_MAX = 65536
_learned: dict[tuple[tuple[str, ...], str], bool] | None = None


def _matches(patterns: tuple[str, ...], path: str) -> bool:
    key = (patterns, path)
    found = _SCOPES.get(key)
    if found is None:
        # a file name that is not UTF-8 holds surrogate escapes, which RE2 cannot take; a
        # pattern (valid text) cannot name those bytes, so U+FFFD in their place matches alike
        text = path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        found = bool(_spec(patterns).match_file(text))
        if len(_SCOPES) >= _SCOPES_MAX:
            _SCOPES.clear()
        _SCOPES[key] = found
        if _learned is not None:
            _learned[key] = found
    return found


def seed_scopes(known: Mapping[tuple[tuple[str, ...], str], bool]) -> None:
    """Path-scope answers computed before (a persistent cache): a commit hook that knows
    them all never imports pathspec nor compiles its patterns."""
    _SCOPES.update(known)


def learn_scopes() -> None:
    """Start collecting the answers computed from now on (for ``learned_scopes``)."""
    global _learned
    _learned = {}


def learned_scopes() -> dict[tuple[tuple[str, ...], str], bool]:
    """The answers computed since ``learn_scopes``; stops collecting."""
    global _learned
    found, _learned = _learned or {}, None
    return found


@dataclass(frozen=True)
class Suppression:
    reason: str


@dataclass(frozen=True)
class Finding:
    """A rule that matched at ``line`` (0-based) columns ``[start, end)`` of ``path``."""

    rule: Rule
    path: str
    line: int
    start: int
    end: int
    origin: Origin | None = None
    """The AI origin of the line, when known."""
    suppression: Suppression | None = None
    region: str | None = None
    """The region the line is inside, for a region rule ("resource aws_db_instance.main")."""

    @property
    def tier(self) -> Tier:
        return self.rule.tier

    @property
    def active(self) -> bool:
        return self.suppression is None


def suppression_counts(origin: Origin | None) -> bool:
    """Whether a suppression comment on a line written by ``origin`` may count.

    On a line an AI wrote, the comment may be the AI's own: an AI must not suppress its
    own finding. Lines are what commits and notes record, not characters, so such a
    comment counts only once a person has acknowledged the line, and an acknowledgement
    covers only the AI text that was there when it was given.
    """
    return origin is None or not origin.is_ai or origin.acknowledged_by is not None


def parse_suppression(line: str, rule: Rule, origin: Origin | None = None) -> Suppression | None:
    """A ``countersign: ignore[RULE] reason`` comment on the line that covers ``rule``.

    High and critical findings need a reason; without one the comment does not count. Nor
    does it on an AI-written line no person acknowledged (``suppression_counts``).
    """
    if not suppression_counts(origin):
        return None
    match = _SUPPRESS.search(line)
    if match is None:
        return None
    ids = {part.strip().upper() for part in match.group(1).split(",")}
    if rule.id not in ids and "ALL" not in ids:
        return None
    reason = match.group(2).strip().rstrip("*/-#> ").strip()
    if rule.tier >= Tier.HIGH and not reason:
        return None
    return Suppression(reason)


@dataclass
class RuleSet:
    """The enabled rules, ready to match lines quickly."""

    rules: Sequence[Rule]
    _set: Any = field(init=False, repr=False)
    _regex: list[Any] = field(init=False, repr=False)
    _not_regex: list[Any] = field(init=False, repr=False)
    _set_index: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rules = tuple(self.rules)
        self._set = re2.Set.SearchSet(re2_options())
        self._set_index = []
        self._regex = [None] * len(self.rules)
        self._not_regex = [None] * len(self.rules)
        for i, rule in enumerate(self.rules):
            if rule.regex is None:
                continue
            self._set.Add(rule.regex)
            self._set_index.append(i)
        if self._set_index:
            self._set.Compile()
        self._path_cache: dict[str, tuple[frozenset[int], tuple[Rule, ...]]] = {}
        self._structural_cache: dict[str, tuple[Rule, ...]] = {}

    def by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    def for_path(self, path: str) -> tuple[frozenset[int], tuple[Rule, ...]]:
        """Indices of the regex rules that apply to ``path``, and its baseline rules."""
        cached = self._path_cache.get(path)
        if cached is None:
            applicable = [i for i, r in enumerate(self.rules) if r.applies_to_path(path)]
            cached = (
                frozenset(i for i in applicable if self.rules[i].regex is not None
                          and not self.rules[i].parses(path)),
                tuple(self.rules[i] for i in applicable if self.rules[i].is_baseline),
            )
            self._path_cache[path] = cached
        return cached

    def baseline_for(self, path: str) -> tuple[Rule, ...]:
        """The baseline (path-only) rules for ``path``, without judging the regex rules'
        paths (cheaper when a file's lines matched nothing)."""
        cached = self._path_cache.get(path)
        if cached is not None:
            return cached[1]
        return tuple(r for r in self.rules if r.is_baseline and r.applies_to_path(path))

    def structural_for(self, path: str) -> tuple[Rule, ...]:
        """The structural rules that judge ``path`` (its language, in their paths)."""
        cached = self._structural_cache.get(path)
        if cached is None:
            cached = tuple(r for r in self.rules if r.parses(path) and r.applies_to_path(path))
            self._structural_cache[path] = cached
        return cached

    def match_structure(self, path: str, text: str) -> list[Hit]:
        """What the structural rules for ``path`` match in its whole text."""
        lowered = text.lower()
        rules = tuple(r for r in self.structural_for(path) if r.structure is None
                      or opens(structure_gate(r.structure), lowered))
        if not rules:
            return []  # no rule's words are in the file: no need to parse it
        language = language_of(path)
        if language == SQL:
            from countersign.core.sqlmatch import match_sql

            return match_sql(text, rules)
        assert language is not None
        return match_root(parse_root(language, text), rules, language)

    def wants_content(self, path: str, has_ai: bool) -> bool:
        """Whether structural rules judge ``path`` (and so need its whole text): AI rules
        when it has AI lines, ``applies_to = "any"`` ones always."""
        return any(has_ai or r.applies_to == "any" for r in self.structural_for(path))

    def _regex_only(self, path: str) -> frozenset[int]:
        """Indices of every regex rule for ``path``, those that would parse it too."""
        key = "\0" + path
        cached = self._path_cache.get(key)
        if cached is None:
            cached = (frozenset(i for i, r in enumerate(self.rules)
                                if r.regex is not None and r.applies_to_path(path)), ())
            self._path_cache[key] = cached
        return cached[0]

    def match_line(self, path: str, text: str,
                   structured: bool = True) -> list[tuple[Rule, int, int]]:
        """Rules whose regex matches this one line, with the columns of the match.

        A rule that parses ``path`` is left to its structure, unless ``structured`` is
        False (the caller has no whole text to parse: the regex is the fallback).
        """
        if not self._set_index:
            return []
        hits = self._set.Match(text)
        if not hits:
            return []
        allowed = self.for_path(path)[0] if structured else self._regex_only(path)
        out = []
        for hit in sorted(hits):
            i = self._set_index[hit]
            if i not in allowed:
                continue
            regex, not_regex = self._compiled(i)
            match = regex.search(text)
            if match is None or (not_regex and not_regex.search(text)):
                continue
            out.append((self.rules[i], *match.span()))
        return out

    def _compiled(self, i: int) -> tuple[Any, Any]:
        """Rule ``i``'s regex and not-regex, compiled when a line first needs them: the set
        screens every line, so a commit compiles only the few that matched (~8 ms saved)."""
        if self._regex[i] is None:
            rule = self.rules[i]
            self._regex[i] = compile_re2(rule.regex or "")
            self._not_regex[i] = compile_re2(rule.not_regex) if rule.not_regex else None
        return self._regex[i], self._not_regex[i]

    def scan_text(
        self, path: str, text: str, ai_lines: Mapping[int, Origin] | None = None
    ) -> list[Finding]:
        """Findings for a whole file.

        With ``ai_lines`` (0-based line -> AI origin), rules that apply to AI code only
        report on those lines and ``applies_to = "any"`` rules on every line; baseline
        rules report once, on the first AI line. Without it every rule reports on every
        line (a plain risk scan) and baseline rules report once at the top of the file.
        """
        lines = split_lines(text)
        findings = []
        for number, line in enumerate(lines):
            origin = ai_lines.get(number) if ai_lines is not None else None
            for rule, start, end in self.match_line(path, line):
                if ai_lines is not None and origin is None and rule.applies_to == "ai":
                    continue
                findings.append(
                    Finding(rule, path, number, start, end, origin,
                            parse_suppression(line, rule, origin))
                )
        findings.extend(self._baseline(path, lines, ai_lines))
        findings.extend(shape_findings(path, self.match_structure(path, text), lines, ai_lines))
        return sorted(findings, key=lambda f: (f.line, f.start, f.rule.id))

    def _baseline(
        self, path: str, lines: list[str], ai_lines: Mapping[int, Origin] | None
    ) -> Iterable[Finding]:
        _, baseline = self.for_path(path)
        if not baseline:
            return []
        if ai_lines is None:
            first, origin = 0, None
        elif ai_lines:
            first = min(ai_lines)
            origin = ai_lines[first]
        else:
            return []
        width = len(lines[first]) if first < len(lines) else 0
        return [Finding(rule, path, first, 0, width, origin) for rule in baseline]


def shape_findings(
    path: str, hits: Iterable[Hit], lines: Sequence[str],
    ai_lines: Mapping[int, Origin] | None, changed: Collection[int] | None = None,
) -> list[Finding]:
    """Findings of structural matches.

    Without ``ai_lines`` (a plain scan) every match is a finding at its first line. With
    it, a match counts when one of its lines is AI-written (``applies_to = "any"``: any
    line, or with ``changed`` one of those); a region is reported on the first such line,
    any other match at its own first line.
    """
    ai_sorted = sorted(ai_lines) if ai_lines is not None else []
    changed_sorted = sorted(changed) if changed is not None else None
    out = []
    for line, shape in hits:
        if ai_lines is None:
            out.append(_shape_finding(path, line, shape, line, lines, {}))
            continue
        if shape.rule.applies_to == "ai":
            who = _first_in(ai_sorted, line, line + shape.height)
        elif changed_sorted is None:
            who = line
        else:
            who = _first_in(changed_sorted, line, line + shape.height)
        if who is not None:
            at = who if shape.label is not None else line
            found = _shape_finding(path, line, shape, at, lines, ai_lines)
            out.append(replace(found, origin=ai_lines.get(who)))
    return out


def _first_in(numbers: Sequence[int], lo: int, hi: int) -> int | None:
    i = bisect.bisect_left(numbers, lo)
    return numbers[i] if i < len(numbers) and numbers[i] <= hi else None


def _shape_finding(path: str, line: int, shape: Shape, at: int, lines: Sequence[str],
                   ai_lines: Mapping[int, Origin]) -> Finding:
    """The finding of ``shape`` (first line ``line``) reported on line ``at``; an ignore
    comment on either line counts (``parse_suppression``: not an AI's own)."""
    text = lines[at] if at < len(lines) else ""
    start, end = (shape.start, shape.end) if at == line else (len(text) - len(text.lstrip()),
                                                             len(text))
    suppression = parse_suppression(text, shape.rule, ai_lines.get(at))
    if suppression is None and at != line and line < len(lines):
        suppression = parse_suppression(lines[line], shape.rule, ai_lines.get(line))
    return Finding(shape.rule, path, at, start, end, ai_lines.get(at), suppression,
                   shape.label)


def highest_tier(findings: Iterable[Finding]) -> Tier:
    """The tier of a change: the highest tier among its active findings.

    A finding suppressed with a reason does not raise the tier; it is still reported.
    """
    return max((f.tier for f in findings if f.active), default=Tier.NONE)
