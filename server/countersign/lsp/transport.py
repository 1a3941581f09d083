"""Reading the client's messages off the wire, and finding the next one after garbage.

pygls 2.1's reader (``pygls.io_.run_async``) takes a header only when a line is exactly
``Content-Length: N``; after anything else (``Content-Length: abc``, a body sent without a
header, a body longer than declared) it reads each following body as if it were a header
line and never answers again. Here a line that *ends* with a valid ``Content-Length``
header starts a new message whatever came before it on the line, so the server is back in
step at the next well-framed message; what was skipped is logged. Everything else (parsing
the body, answering errors) is the protocol's (``CountersignProtocol.receive``).
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from pygls.io_ import StdinAsyncReader, StdoutWriter

if TYPE_CHECKING:
    from countersign.lsp.server import CountersignServer

log = logging.getLogger(__name__)

MAX_BODY = 1 << 30
"""The largest message body read (1 GiB): a larger ``Content-Length`` is taken as garbage."""
_LENGTH = re.compile(rb"content-length[ \t]*:[ \t]*(\d{1,12})[ \t]*\r?\n\Z", re.IGNORECASE)
_HEADER = re.compile(rb"[A-Za-z][A-Za-z0-9-]*[ \t]*:[^\r\n]*\r?\n\Z")


class Reader(Protocol):
    """What the loop reads from: pygls's stdin reader or an asyncio stream."""

    def readline(self) -> Awaitable[bytes]: ...

    def readexactly(self, n: int) -> Awaitable[bytes]: ...


class _Frame:
    """The header block being read: its length, once a valid one is seen."""

    def __init__(self) -> None:
        self.length: int | None = None
        self.skipped = b""

    def skip(self, data: bytes) -> None:
        self.skipped = (self.skipped + data)[:200]

    def take(self, line: bytes) -> int | None:
        """Read one header line; the body length when the block is complete."""
        if line.strip() == b"":
            length, self.length = self.length, None
            if length is None:
                self.skip(line)
            self.report()
            return length
        match = _LENGTH.search(line)
        if match is not None and int(match[1]) <= MAX_BODY:
            self.skip(line[:match.start()])
            self.length = int(match[1])
        elif not _HEADER.match(line) or line[:15].lower().startswith(b"content-length"):
            self.skip(line)  # garbage, or a Content-Length that is no number of bytes
            self.length = None
        return None

    def report(self) -> None:
        if self.skipped.strip():
            log.warning("skipped bytes that are not a framed JSON-RPC message (a "
                        "Content-Length header, a blank line, then the body): %r",
                        self.skipped)
        self.skipped = b""


async def read_messages(reader: Reader, receive: Callable[[bytes], None],
                        stop: threading.Event) -> None:
    """Hand each message body to ``receive`` until the input ends or ``stop`` is set."""
    frame = _Frame()
    while not stop.is_set():
        line = await reader.readline()
        if not line:
            return
        length = frame.take(line)
        if length is None:
            continue
        body = await reader.readexactly(length) if length else b""
        if len(body) < length:
            log.warning("the input ended inside a message (%d of %d bytes)", len(body),
                        length)
            return
        receive(body)


def serve_stdio(server: CountersignServer, stop: threading.Event, stdin: BinaryIO | None,
                stdout: BinaryIO | None) -> None:
    """Serve on stdin and stdout until ``exit`` or the end of the input."""
    reader = StdinAsyncReader(stdin or sys.stdin.buffer, server.thread_pool)
    server.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
    _run(server, read_messages(reader, server.rpc.receive, stop))


def serve_tcp(server: CountersignServer, stop: threading.Event, host: str, port: int) -> None:
    """Serve one client at a time on ``host:port`` (for debugging)."""
    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server.protocol.set_writer(writer)
        await read_messages(reader, server.rpc.receive, stop)

    async def listen() -> None:
        async with await asyncio.start_server(connection, host, port) as tcp:
            log.info("serving on %s:%d", host, port)
            await tcp.serve_forever()

    _run(server, listen())


def _run(server: CountersignServer, main: Coroutine[Any, Any, None]) -> None:
    """Run ``main``, then shut the server down; ``server.exit_code`` says how it ended."""
    try:
        asyncio.run(main)
    except SystemExit as done:  # the ``exit`` notification: pygls calls sys.exit
        server.exit_code = done.code if isinstance(done.code, int) else 1
    except BrokenPipeError:
        log.error("the client closed the connection")
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]
