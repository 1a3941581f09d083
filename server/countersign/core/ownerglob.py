"""GitLab's reading of a CODEOWNERS pattern, as a regular expression.

GitLab does not use gitignore rules: it normalizes the pattern (a pattern without a
leading ``/`` gets ``/**/`` in front, one ending in ``/`` gets ``**/*`` after) and matches
``"/" + path`` with Ruby's ``File.fnmatch`` and ``FNM_PATHNAME | FNM_DOTMATCH``. ``pathspec``
implements gitignore, not fnmatch, so this small translation stands in for it: ``*`` and
``?`` never cross ``/``, ``**/`` is zero or more directories, ``[...]`` is a character class
(``!`` or ``^`` negates), ``\\`` escapes, and dot files are not special.
"""

from __future__ import annotations

import re


def normalize(pattern: str) -> str:
    """The pattern as GitLab matches it (``docs/`` -> ``/**/docs/**/*``)."""
    if pattern.startswith("\\#"):
        pattern = pattern[1:]
    pattern = re.sub(r"\\\s+", " ", pattern)
    if pattern == "*":
        return "/**/*"
    if not pattern.startswith("/"):
        pattern = "/**/" + pattern
    if pattern.endswith("/"):
        pattern += "**/*"
    return pattern


def compile_glob(glob: str) -> re.Pattern[str] | None:
    """A regex for ``fullmatch`` against ``"/" + path``; ``None`` when a ``[`` never closes
    (fnmatch then matches nothing)."""
    out: list[str] = []
    i = 0
    while i < len(glob):
        ch = glob[i]
        if ch == "\\":
            if i + 1 < len(glob):
                out.append(re.escape(glob[i + 1]))
            i += 2
        elif glob.startswith("**/", i) and (i == 0 or glob[i - 1] == "/"):
            out.append("(?:[^/]*/)*")
            i += 3
        elif ch == "[":
            end = glob.find("]", i + 1)
            if end < 0:
                return None
            out.append(_bracket(glob[i + 1:end]))
            i = end + 1
        else:
            out.append({"*": "[^/]*", "?": "[^/]"}.get(ch) or re.escape(ch))
            i += 1
    return re.compile("".join(out))


def _bracket(body: str) -> str:
    """A character class that, like fnmatch with ``FNM_PATHNAME``, never matches ``/``."""
    negate = body[:1] in ("!", "^")
    if negate:
        body = body[1:]
    items: list[str] = []
    i = 0
    while i < len(body):
        low, i = _class_char(body, i)
        if i + 1 < len(body) and body[i] == "-":
            high, i = _class_char(body, i + 1)
            # A reversed range holds only its two ends, as in Ruby.
            items.append(f"{re.escape(low)}-{re.escape(high)}" if low <= high
                         else re.escape(low) + re.escape(high))
        else:
            items.append(re.escape(low))
    members = "".join(items)
    if negate:
        return f"[^/{members}]"
    return f"(?!/)[{members}]" if members else "(?!)"


def _class_char(body: str, i: int) -> tuple[str, int]:
    if body[i] == "\\" and i + 1 < len(body):
        return body[i + 1], i + 2
    return body[i], i + 1
