"""The language server as a subprocess spoken to byte by byte, for what a well-behaved
client (pytest-lsp) cannot send: broken framing, invalid params, requests after
``shutdown``, ``exit`` without it, ``kill -9``.

A thread reads the server's frames into a queue; ``request`` waits for the answer to its
own id and answers the server's requests (``workspace/configuration``, registrations)
with ``null`` meanwhile. The waits are hang guards, never timings a test asserts on.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from pathlib import Path
from typing import Any

from tests.lsp.conftest import SERVER

HANG = 20.0
"""Seconds after which the server is taken to be deaf (it answers in milliseconds)."""


class RawServer:
    """One ``countersign lsp`` process on pipes."""

    def __init__(self, cwd: Path | None = None) -> None:
        self.process = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, cwd=cwd)
        self.received: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.notifications: list[dict[str, Any]] = []
        self._next_id = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.stderr = b""
        self._stderr = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr.start()

    # -- the wire ----------------------------------------------------------------------

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self.received.put(None)
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            assert length is not None, "the server sent a frame without Content-Length"
            self.received.put(json.loads(stream.read(length)))

    def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr += line

    def write(self, data: bytes) -> None:
        """Bytes as they are, framed or not."""
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Any = None) -> dict[str, Any]:
        """Send a request and return the server's whole response message."""
        self._next_id += 1
        self.send({"id": self._next_id, "method": method, "params": params})
        return self.response(self._next_id)

    def response(self, msg_id: int | str | None) -> dict[str, Any]:
        """The next response to ``msg_id``, noting notifications and answering requests."""
        while True:
            message = self.received.get(timeout=HANG)
            if message is None:
                raise EOFError(f"the server closed its output; stderr:\n{self.stderr!r}")
            if "method" not in message:
                if message.get("id") == msg_id:
                    return message
                continue
            if "id" in message:  # the server asks the client something
                self.send({"id": message["id"], "result": None})
            else:
                self.notifications.append(message)

    # -- a session ---------------------------------------------------------------------

    def initialize(self, root: Path, options: dict[str, Any] | None = None) -> dict[str, Any]:
        answer = self.request("initialize", {
            "processId": None, "rootUri": root.as_uri(), "capabilities": {},
            "workspaceFolders": [{"uri": root.as_uri(), "name": "repo"}],
            "initializationOptions": options or {}})
        self.notify("initialized", {})
        return answer

    def open(self, path: Path, text: str, version: int = 1) -> str:
        uri = path.as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": version, "text": text}})
        return uri

    def shown(self) -> list[str]:
        """The ``window/showMessage`` texts received so far."""
        return [n["params"]["message"] for n in self.notifications
                if n["method"] == "window/showMessage"]

    def wait(self) -> int:
        """Close the server's input and wait for it to end; its exit code."""
        assert self.process.stdin is not None
        if not self.process.stdin.closed:
            self.process.stdin.close()
        code = self.process.wait(timeout=HANG)
        self._stderr.join(HANG)
        return code

    def kill(self) -> None:
        """``kill -9``: nothing runs after it, not even a flush."""
        self.process.kill()
        self.wait()
