"""Words a structural rule's match must contain: a cheap test before asking ast-grep.

ast-grep-py compiles a rule (its regexes, its patterns) on every ``find_all`` call, about
0.1 ms a rule even on a one-line tree: too much per keystroke for every rule. Most rules
name words their match must contain (``verify`` in ``verify\\s*=\\s*False``, one of the
resource types of an alternation, the identifiers of a pattern); a text lacking them
cannot match, and the rule is not run on it. The analysis only ever drops a word when
unsure, so the gate lets through everything that can match.

A gate is a set of alternatives, each a set of words that must all occur (lower case);
``None`` lets everything through.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

Gate = frozenset[frozenset[str]] | None
_WORD = re.compile(r"[a-z0-9_]{3,}")
_METAVAR = re.compile(r"\$+[A-Z_][A-Z0-9_]*|\$+")
_MAX_ALTERNATIVES = 64


def _and(a: Gate, b: Gate) -> Gate:
    if a is None or b is None:
        return b if a is None else a
    both = frozenset(x | y for x in a for y in b)
    return both if len(both) <= _MAX_ALTERNATIVES else min(a, b, key=len)


def _or(a: Gate, b: Gate) -> Gate:
    return None if a is None or b is None else a | b


def _words(text: str) -> Gate:
    found = frozenset(_WORD.findall(text.lower()))
    return frozenset({found}) if found else None


def rule_gate(rule: Any) -> Gate:
    """The gate of an ast-grep rule (a dict)."""
    gate: Gate = None
    if not isinstance(rule, dict):
        return None
    for key, value in rule.items():
        if key == "pattern":
            text = value.get("context", "") if isinstance(value, dict) else str(value)
            gate = _and(gate, _words(_METAVAR.sub(" ", text)))
        elif key == "regex" and isinstance(value, str):
            gate = _and(gate, regex_gate(value))
        elif key in ("has", "inside", "follows", "precedes", "matches") or (
                key == "all" and isinstance(value, list)):
            # a node a relation names is in the text too (an ancestor, a child, a sibling)
            for part in value if key == "all" else [value]:
                gate = _and(gate, rule_gate(part))
        elif key == "any" and isinstance(value, list) and value:
            alternatives: Gate = frozenset()
            for part in value:
                alternatives = _or(alternatives, rule_gate(part))
            gate = _and(gate, alternatives)
    return gate


@functools.lru_cache(maxsize=512)
def structure_gate(structure: str) -> Gate:
    return rule_gate(json.loads(structure))


def opens(gate: Gate, lowered: str) -> bool:
    """Whether a text (lower-cased) may hold a match.

    A gate of a few alternatives looks its words up directly. A larger one (a rule listing
    thirty module.function pairs) asks which of the gates' words the text holds, found for
    all of them in one RE2 pass per text and shared by every rule asking about that text.
    """
    if gate is None:
        return True
    if len(gate) <= 2:
        return any(all(w in lowered for w in words) for words in gate)
    present = _VOCABULARY.present(_distinct(gate), lowered)
    return any(words <= present for words in gate)


@functools.lru_cache(maxsize=1024)
def _distinct(gate: frozenset[frozenset[str]]) -> frozenset[str]:
    return frozenset(w for words in gate for w in words)


class _Vocabulary:
    """The words of the gates asked about so far, and which of them the last text holds."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self.known: set[str] = set()
        self.matcher: Any = None
        self.last: tuple[str, frozenset[str]] | None = None

    def present(self, wanted: frozenset[str], lowered: str) -> frozenset[str]:
        """The words of the vocabulary (``wanted`` among them) that ``lowered`` holds."""
        if not wanted <= self.known:
            self.words.extend(sorted(wanted - self.known))
            self.known |= wanted
            self.matcher, self.last = None, None
        last = self.last
        if last is not None and (last[0] is lowered or last[0] == lowered):
            return last[1]
        if self.matcher is None:
            self.matcher = self._compile()
        found = frozenset(self.words[i] for i in self.matcher.Match(lowered) or ())
        self.last = (lowered, found)
        return found

    def _compile(self) -> Any:
        import re2

        from countersign.core.rules import re2_options

        matcher = re2.Set.SearchSet(re2_options())
        for word in self.words:
            matcher.Add(re.escape(word))
        matcher.Compile()
        return matcher


_VOCABULARY = _Vocabulary()


# -- regular expressions ---------------------------------------------------------------


def regex_gate(pattern: str) -> Gate:
    """Words every match of an RE2 pattern contains (a conservative reading)."""
    try:
        gate, _ = _alternation(pattern, 0)
    except (IndexError, ValueError):
        return None
    return gate


def _alternation(s: str, i: int) -> tuple[Gate, int]:
    branches: Gate = frozenset()
    while True:
        branch, i = _sequence(s, i)
        branches = _or(branches, branch)
        if i < len(s) and s[i] == "|":
            i += 1
            continue
        return (branches or None), i


def _sequence(s: str, i: int) -> tuple[Gate, int]:
    gate: Gate = None
    run = ""
    while i < len(s) and s[i] not in "|)":
        literal, sub, i = _atom(s, i)
        quantified, i = _quantifier(s, i)
        if literal is not None and not quantified:
            run += literal
            continue
        gate = _and(gate, _words(run))
        run = ""
        if sub is not None and quantified != "zero":
            gate = _and(gate, sub)
    return _and(gate, _words(run)), i


def _atom(s: str, i: int) -> tuple[str | None, Gate, int]:
    """(literal character or None, gate of a group, next index)."""
    c = s[i]
    if c == "\\":
        nxt = s[i + 1]
        if nxt in "xuUpPQ" or nxt.isalnum():
            end = s.index("}", i) + 1 if s[i + 2:i + 3] == "{" else i + 2 + (2 if nxt == "x"
                                                                             else 0)
            return None, None, end
        return nxt, None, i + 2
    if c == "[":
        j = i + 1 + (s[i + 1] == "^")
        j += s[j] == "]"
        while s[j] != "]":
            j += 2 if s[j] == "\\" else 1
        return None, None, j + 1
    if c == "(":
        j = i + 1
        if s[j] == "?":
            close = re.match(r"\?(P?<\w+>|[a-zA-Z]*:|[a-zA-Z]*\))", s[j:])
            if close is None:
                raise ValueError("unknown group")
            j += close.end()
            if close.group(0).endswith(")"):
                return None, None, j  # (?i): flags only
        sub, j = _alternation(s, j)
        if s[j] != ")":
            raise ValueError("unbalanced")
        return None, sub, j + 1
    if c in ".^$":
        return None, None, i + 1
    return c.lower(), None, i + 1


def _quantifier(s: str, i: int) -> tuple[str, int]:
    """``""`` without a quantifier, ``"zero"`` when the atom may be absent, else
    ``"repeat"`` (a repeated literal breaks the word run it is in)."""
    if i >= len(s) or s[i] not in "?*+{":
        return "", i
    if s[i] == "{":
        end = s.index("}", i)
        zero = s[i + 1:end].split(",")[0].strip() in ("0", "")
        i = end + 1
    else:
        zero = s[i] in "?*"
        i += 1
    if i < len(s) and s[i] in "?+":
        i += 1
    return ("zero" if zero else "repeat"), i
