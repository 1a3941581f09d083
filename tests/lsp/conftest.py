"""pytest-lsp harness: the real server in a subprocess, a real git repository, real ledger.

Every test runs once with the VS Code and once with the Neovim client capabilities.
Neovim declares pull diagnostics, so its diagnostics are pulled; VS Code's are pushed.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from countersign.lsp.convert import plain
from tests.helpers import make_repo

SERVER = [sys.executable, "-m", "countersign.cli.main", "lsp", "--log-level", "INFO"]
CLIENTS = ["visual-studio-code", "neovim"]
TIMEOUT = 10.0


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


async def start(client: LanguageClient, root: Path, spec: str,
                options: dict[str, Any] | None = None,
                capabilities: types.ClientCapabilities | None = None) -> None:
    await client.initialize_session(types.InitializeParams(
        capabilities=capabilities or client_capabilities(spec),
        root_uri=root.as_uri(), workspace_folders=[types.WorkspaceFolder(root.as_uri(), "repo")],
        initialization_options=options))


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER), params=CLIENTS)
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest, repo: Path):
    """A client with the parametrized capabilities, initialized on ``repo``."""
    lsp_client.set_configuration({"debounceMs": 0}, section="countersign")
    lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)(lambda ls, params: None)
    await start(lsp_client, repo, request.param, {"debounceMs": 0})
    yield
    await lsp_client.shutdown_session()


def pulls(client: LanguageClient) -> bool:
    caps = client.capabilities
    return bool(caps and caps.text_document and caps.text_document.diagnostic is not None)


async def eventually(check: Callable[[], Any], timeout: float = TIMEOUT,
                     what: str = "condition") -> Any:
    """Poll ``check`` (sync or async) until it returns a truthy value, or fail."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


async def current_diagnostics(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    if pulls(client):
        report = await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri)))
        return list(getattr(report, "items", []))
    return list(client.diagnostics.get(uri, []))


async def wait_diagnostics(client: LanguageClient, uri: str,
                           predicate: Callable[[list[types.Diagnostic]], bool],
                           timeout: float = TIMEOUT) -> list[types.Diagnostic]:
    result: list[types.Diagnostic] = []

    async def check() -> bool:
        nonlocal result
        result = await current_diagnostics(client, uri)
        return predicate(result)

    await eventually(check, timeout, f"diagnostics of {uri} (last: {result})")
    return result


def open_doc(client: LanguageClient, path: Path, text: str | None = None, version: int = 1,
             language: str = "python") -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri, language, version, path.read_text(encoding="utf-8") if text is None else text)))
    return uri


def edit(client: LanguageClient, uri: str, version: int, start: tuple[int, int],
         end: tuple[int, int], text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version, uri),
        [types.TextDocumentContentChangePartial(
            types.Range(types.Position(*start), types.Position(*end)), text)]))


def ai_edit(client: LanguageClient, uri: str, version: int,
            ranges: list[tuple[tuple[int, int], tuple[int, int]]], tool: str = "copilot",
            kind: str = "inline", model: str | None = None) -> None:
    params: dict[str, Any] = {
        "textDocument": {"uri": uri, "version": version},
        "ranges": [{"start": {"line": s[0], "character": s[1]},
                    "end": {"line": e[0], "character": e[1]}} for s, e in ranges],
        "tool": tool, "kind": kind}
    if model:
        params["model"] = model
    client.protocol.notify("countersign/aiEdit", params)


async def provenance(client: LanguageClient, uri: str) -> dict[str, Any]:
    result: dict[str, Any] = plain(await client.protocol.send_request_async(
        "countersign/provenance", {"textDocument": {"uri": uri}}))
    return result


async def summary(client: LanguageClient, uri: str) -> Any:
    return plain(await client.protocol.send_request_async(
        "countersign/summary", {"textDocument": {"uri": uri}}))


async def session(root: Path, spec: str, options: dict[str, Any] | None = None,
                  capabilities: types.ClientCapabilities | None = None,
                  configuration: dict[str, Any] | None = None) -> LanguageClient:
    """A client and server started by hand (for restarts, kills and custom capabilities).

    ``configuration`` is what the client answers to ``workspace/configuration`` for the
    ``countersign`` section (clients that support it, like VS Code's, get asked and their
    answer replaces ``initializationOptions``).
    """
    from pytest_lsp.client import make_test_lsp_client

    client = make_test_lsp_client()
    if configuration is not None:
        client.set_configuration(configuration, section="countersign")
    client.feature(types.CLIENT_REGISTER_CAPABILITY)(lambda ls, params: None)
    await client.start_io(*SERVER)
    await start(client, root, spec, {"debounceMs": 0, **(options or {})}, capabilities)
    return client


async def stop(client: LanguageClient) -> None:
    await client.shutdown_session()
    await client.stop()


DROP = "cursor.execute('DROP TABLE users')"
