"""Python import aliases: which names are read, where they are used, and columns mapped back."""

from __future__ import annotations

import pytest

from countersign.core.aliases import column_back, file_aliases, replacements, rewrite
from countersign.core.structure import parse_root

IMPORTS = """import os
import subprocess as sp
from Crypto.Cipher import ARC4 as c4, AES
from pickle import (
    loads as unpack,
)
from . import local as other

def f():
    import yaml as y
"""


def test_the_top_level_imports_give_the_aliases() -> None:
    assert file_aliases(IMPORTS) == {
        "sp": "subprocess", "c4": "Crypto.Cipher.ARC4", "AES": "Crypto.Cipher.AES",
        "unpack": "pickle.loads"}


def test_uses_are_rewritten_but_not_attributes_keywords_or_definitions() -> None:
    text = "sp.run(x)\nobj.sp(sp=1, k=sp)\ndef sp(): pass\n"
    found = replacements(parse_root("python", text), {"sp": "subprocess"})
    assert rewrite(text, found) == \
        "subprocess.run(x)\nobj.sp(sp=1, k=subprocess)\ndef sp(): pass\n"


@pytest.mark.parametrize(("column", "end", "back"), [
    (0, False, 0), (2, False, 0), (10, True, 2), (11, False, 3), (17, False, 9),
    (20, False, 10), (20, True, 12), (36, True, 12), (37, False, 13)])
def test_columns_map_back_to_the_original_line(column: int, end: bool, back: int) -> None:
    # "sp.run(x, c4)" -> "subprocess.run(x, Crypto.Cipher.ARC4)"
    found = [(0, 0, 2, "subprocess"), (0, 10, 2, "Crypto.Cipher.ARC4")]
    assert rewrite("sp.run(x, c4)", found) == "subprocess.run(x, Crypto.Cipher.ARC4)"
    assert column_back(found, 0, column, end) == back
