"""Columns in the units an editor counts (UTF-8, UTF-16 or UTF-32 code units).

Python strings index code points (UTF-32 units). LSP positions count UTF-16 code units
unless client and server agree on another encoding, so an emoji before the flagged code
is two columns for VS Code, four for a UTF-8 client and one for a UTF-32 one.
"""

from __future__ import annotations

from typing import Literal

Encoding = Literal["utf-8", "utf-16", "utf-32"]
ENCODINGS: tuple[Encoding, ...] = ("utf-16", "utf-8", "utf-32")


def _units(char: str, encoding: Encoding) -> int:
    code = ord(char)
    if encoding == "utf-16":
        return 2 if code > 0xFFFF else 1
    if code < 0x80:
        return 1
    return 2 if code < 0x800 else 3 if code < 0x10000 else 4


def unit_length(text: str, encoding: Encoding) -> int:
    """Length of ``text`` in code units of ``encoding``."""
    if encoding == "utf-32" or text.isascii():
        return len(text)
    if encoding == "utf-16":
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    return len(text.encode("utf-8", "surrogatepass"))


def index_to_column(line: str, index: int, encoding: Encoding) -> int:
    """The column (in code units) of code point ``index`` of ``line``."""
    return unit_length(line[:index], encoding)


def column_to_index(line: str, column: int, encoding: Encoding) -> int:
    """The code point index of ``column``; past the end of the line means its end.

    A column in the middle of a character (half a surrogate pair, inside a UTF-8
    sequence) moves to the end of that character, so no character is split.
    """
    if column <= 0:
        return 0
    if encoding == "utf-32" or line.isascii():
        return min(column, len(line))
    units = 0
    for index, char in enumerate(line):
        if units >= column:
            return index
        units += _units(char, encoding)
    return len(line)
