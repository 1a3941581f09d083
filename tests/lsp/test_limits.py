"""Documents that an edit makes impossible to track: the server stops and says so.

A paste that takes a document past ``maxFileBytes`` stalled the server for seconds while
the heuristic marked millions of lines as AI; a lone surrogate (half a character, which
JSON can carry and no file can hold) made the document silently untracked.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pygls.exceptions import JsonRpcInvalidParams
from pytest_lsp import LanguageClient

from countersign.store.ledger import Ledger
from tests.helpers import write
from tests.lsp.conftest import (
    CLIENTS,
    DROP,
    ai_edit,
    edit,
    eventually,
    open_doc,
    session,
    stop,
    summary,
    wait_diagnostics,
)

TEXT = "import db\n" + DROP + "\n"


def told(client: LanguageClient, fragment: str) -> str | None:
    """The text of the first ``window/showMessage`` holding ``fragment``."""
    return next((m.message for m in client.messages if fragment in m.message), None)


@pytest.mark.parametrize("spec", CLIENTS)
async def test_growing_past_max_file_bytes_untracks_and_says_so(repo: Path, spec: str) -> None:
    client = await session(repo, spec, {"maxFileBytes": 4000})
    uri = open_doc(client, write(repo, "app/db.py", TEXT))
    ai_edit(client, uri, 1, [((1, 0), (1, len(DROP)))])
    await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["DAT002"])
    edit(client, uri, 2, (0, 0), (0, 0), "x = 1\n" * 700)  # 4,200 bytes pasted
    size = len(TEXT) + 4200
    message = await eventually(lambda: told(client, "maxFileBytes"), what="a message")
    assert message == (f"countersign does not track {uri} any more: it grew to {size:,} bytes, "
                       f"over the maxFileBytes limit of 4,000 (raise countersign.maxFileBytes "
                       f"to track it, then reopen the file)")
    with pytest.raises(JsonRpcInvalidParams, match="grew to"):
        await summary(client, uri)
    await wait_diagnostics(client, uri, lambda d: d == [])
    edit(client, uri, 3, (0, 0), (0, 0), "y")  # later edits are ignored quietly
    with Ledger(repo / ".git" / "countersign" / "ledger.db") as db:
        assert list(db.attributions("app/db.py", TEXT)) == [1]  # what it was told stays
    await stop(client)


async def test_a_lone_surrogate_on_open_is_said(client: LanguageClient, repo: Path) -> None:
    uri = open_doc(client, repo / "app" / "odd.py", text="x = 1\ny = '\ud800'\n")
    message = await eventually(lambda: told(client, "surrogate"), what="a message")
    assert message == (f"countersign does not track {uri} any more: line 2 holds a lone "
                       "surrogate (U+D800), half of a character, which is not text: "
                       "countersign can neither match rules on it nor store it (delete that "
                       "character, then reopen the file)")
    with pytest.raises(JsonRpcInvalidParams, match="lone surrogate"):
        await summary(client, uri)


async def test_a_lone_surrogate_typed_untracks_and_says_so(client: LanguageClient,
                                                           repo: Path) -> None:
    uri = open_doc(client, write(repo, "app/db.py", TEXT))
    assert (await summary(client, uri))["aiLines"] == 0
    edit(client, uri, 2, (1, 0), (1, 0), "\udfff")
    message = await eventually(lambda: told(client, "surrogate"), what="a message")
    assert "line 2 holds a lone surrogate (U+DFFF)" in message
    with pytest.raises(JsonRpcInvalidParams, match="lone surrogate"):
        await summary(client, uri)
