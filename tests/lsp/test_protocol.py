"""The JSON-RPC layer under hostile input: the server never goes deaf, every request is
answered, and it ends as the LSP specification says."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lsp.raw import RawServer

INVALID_REQUEST, INVALID_PARAMS, PARSE_ERROR = -32600, -32602, -32700


def frame(message: dict[str, object]) -> bytes:
    body = json.dumps({"jsonrpc": "2.0", **message}).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


HOVER = {"textDocument": {"uri": "file:///nowhere/a.py"}, "position": {"line": 0,
                                                                      "character": 0}}
LOST = frame({"id": "lost", "method": "textDocument/hover", "params": HOVER})
GARBAGE = {
    "length is not a number": b"Content-Length: abc\r\n\r\n" + LOST.split(b"\r\n\r\n")[1],
    "negative length": b"Content-Length: -5\r\n\r\n" + LOST.split(b"\r\n\r\n")[1],
    "no header": LOST.split(b"\r\n\r\n")[1],
    "body longer than declared": b"Content-Length: 10\r\n\r\n" + LOST.split(b"\r\n\r\n")[1],
    "header without a colon": b"Content-Length 12\r\n\r\n{}",
    "random bytes": random.Random(9).randbytes(4000),
    "random bytes ending in a blank line": random.Random(10).randbytes(500) + b"\r\n\r\n",
    "a body that is not JSON": b"Content-Length: 7\r\n\r\n{nope!}",
    "a body that is not UTF-8": b"Content-Length: 4\r\n\r\n\xff\xfe{}",
    "a JSON array": b"Content-Length: 2\r\n\r\n[]",
}


@pytest.fixture
def server(repo: Path) -> Iterator[RawServer]:
    raw = RawServer(repo)
    raw.initialize(repo)
    yield raw
    if raw.process.poll() is None:
        raw.kill()


@pytest.mark.parametrize("garbage", GARBAGE)
def test_a_framing_error_leaves_the_server_listening(server: RawServer, garbage: str) -> None:
    server.write(GARBAGE[garbage])
    # the first well-framed request after the garbage is read and answered
    assert server.request("textDocument/hover", HOVER)["result"] is None
    assert server.request("shutdown")["result"] is None
    server.notify("exit")
    assert server.wait() == 0


def test_a_body_that_is_not_json_gets_a_parse_error(server: RawServer) -> None:
    server.write(GARBAGE["a body that is not JSON"])
    assert server.response(None)["error"]["code"] == PARSE_ERROR


def test_a_request_with_invalid_params_is_answered(server: RawServer) -> None:
    answer = server.request("textDocument/hover", {**HOVER, "position": {"line": -3,
                                                                         "character": 0}})
    assert answer["error"]["code"] == INVALID_PARAMS
    assert answer["error"]["message"] == ("textDocument/hover: params.position: Position.line "
                                          "should be in range [0:2147483647], but was -3.")
    assert server.request("textDocument/hover", HOVER)["result"] is None


def test_a_request_without_jsonrpc_version_is_answered(server: RawServer) -> None:
    body = json.dumps({"id": 7, "method": "textDocument/hover", "params": HOVER}).encode()
    server.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    assert server.response(7)["error"]["code"] == INVALID_REQUEST


def test_requests_after_shutdown_are_refused(server: RawServer) -> None:
    assert server.request("shutdown")["result"] is None
    answer = server.request("textDocument/hover", HOVER)
    assert answer["error"]["code"] == INVALID_REQUEST
    assert "shut" in answer["error"]["message"]
    server.notify("exit")
    assert server.wait() == 0


def test_exit_without_shutdown_exits_1(server: RawServer) -> None:
    server.notify("exit")
    assert server.wait() == 1


def test_an_edit_that_cannot_be_read_untracks_the_document(server: RawServer,
                                                           repo: Path) -> None:
    """Dropping it would leave the server's text different from the editor's: every
    position after it would land on the wrong characters."""
    uri = server.open(repo / "a.py", "x = 1\n")
    server.notify("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": 2},
        "contentChanges": [{"range": {"start": {"line": -1, "character": 0},
                                      "end": {"line": 0, "character": 0}}, "text": "y"}]})
    answer = server.request("countersign/summary", {"textDocument": {"uri": uri}})
    assert answer["error"]["code"] == INVALID_PARAMS
    assert "an edit could not be read" in answer["error"]["message"]
    assert server.shown() == [
        f"countersign does not track {uri} any more: an edit could not be read "
        "(textDocument/didChange: params.contentChanges[0].range.start: Position.line should "
        "be in range [0:2147483647], but was -1.), so countersign no longer knows the text "
        "(reopen the file to track it again)"]
