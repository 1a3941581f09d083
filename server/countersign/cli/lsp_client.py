"""A small synchronous LSP client over stdio, for ``countersign demo``.

It speaks to the real ``countersign lsp`` exactly as an editor does (Content-Length framed
JSON-RPC on the server's stdin/stdout); a reader thread queues what the server sends.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from typing import IO, Any


class LspError(RuntimeError):
    pass


class StdioClient:
    def __init__(self, command: Sequence[str], cwd: str) -> None:
        self._proc = subprocess.Popen(list(command), cwd=cwd, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._next_id = 0
        self.notifications: list[dict[str, Any]] = []
        assert self._proc.stdout is not None
        threading.Thread(target=self._read, args=(self._proc.stdout,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        try:
            while True:
                length = 0
                while True:
                    line = stream.readline()
                    if not line:
                        self._inbox.put(None)
                        return
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.decode("ascii").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                self._inbox.put(json.loads(stream.read(length)))
        except (OSError, ValueError):
            self._inbox.put(None)

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self._proc.stdin is not None
        self._proc.stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        self._proc.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = 15.0) -> Any:
        self._next_id += 1
        ident = self._next_id
        self._send({"id": ident, "method": method, "params": params})
        reply = self.wait(lambda m: m.get("id") == ident and "method" not in m, timeout,
                          f"the answer to {method}")
        if "error" in reply:
            raise LspError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result")

    def wait(self, match: Callable[[dict[str, Any]], bool], timeout: float = 15.0,
             what: str = "a message") -> dict[str, Any]:
        """The next message ``match`` accepts; requests from the server get empty answers."""
        for seen in self.notifications:
            if match(seen):
                self.notifications.remove(seen)
                return seen
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LspError(f"the language server sent no {what} within {timeout:.0f} s")
            try:
                message = self._inbox.get(timeout=remaining)
            except queue.Empty:
                continue
            if message is None:
                raise LspError("the language server exited")
            if "method" in message and "id" in message:  # e.g. workspace/configuration
                self._send({"id": message["id"], "result": _answer(message)})
                continue
            if match(message):
                return message
            if "method" in message:
                self.notifications.append(message)

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=5)
            self.notify("exit", None)
            self._proc.wait(timeout=5)
        except (LspError, OSError, subprocess.TimeoutExpired):
            self._proc.kill()
            self._proc.wait()


def _answer(request: dict[str, Any]) -> Any:
    if request.get("method") == "workspace/configuration":
        items = (request.get("params") or {}).get("items") or []
        return [{"debounceMs": 0} for _ in items]
    return None
