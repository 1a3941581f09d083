"""Text people wrote, made safe to show: what is shown is what is there.

Commit subjects, author and reviewer names and file names reach terminals, CI logs and
the editor's report. A terminal escape (ESC [2K, a carriage return) could redraw a FAIL
line as ok; a bidi override could reorder it. ``printable`` shows such characters as
``\\uXXXX`` escapes instead.
"""

from __future__ import annotations

import unicodedata

_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
"""Unicode categories shown escaped: controls, format (bidi), surrogates, private use,
unassigned, line and paragraph separators."""


def printable(text: str) -> str:
    """``text`` with control, format and unassigned characters as ``\\uXXXX`` escapes (and
    a backslash doubled), so what is shown is what is there."""
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(_visible(c) for c in text)


def _visible(c: str) -> str:
    if c == "\\":
        return "\\\\"
    if c == " " or unicodedata.category(c) not in _INVISIBLE:
        return c
    return f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}"


def printable_lines(text: str) -> str:
    """``text`` made printable line by line: its newlines kept, every other control,
    format or unassigned character (a carriage return included) escaped."""
    return "\n".join(printable(line) for line in text.split("\n"))
