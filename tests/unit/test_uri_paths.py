"""File URIs from editors name the same file as git and the hooks, byte for byte."""

from __future__ import annotations

import os
from pathlib import Path

from countersign.lsp.convert import path_of


def test_a_name_that_is_not_utf8_keeps_its_bytes() -> None:
    # Neovim escapes a file name byte by byte; U+FFFD would name another file
    assert path_of("file:///repo/caf%E9.py") == Path(os.fsdecode(b"/repo/caf\xe9.py"))
    assert path_of("file:///repo/caf%C3%A9.py") == Path("/repo/café.py")


def test_quotes_newlines_and_spaces_are_unescaped() -> None:
    assert path_of("file:///repo/a%20%22q%22%0Ab%09.py") == Path('/repo/a "q"\nb\t.py')
    assert path_of("untitled:Untitled-1") is None
