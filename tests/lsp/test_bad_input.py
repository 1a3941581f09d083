"""Bad input is logged, answered with an error or ignored; the server keeps serving."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pytest_lsp import LanguageClient

from tests.helpers import write
from tests.lsp.conftest import (
    DROP,
    ai_edit,
    edit,
    eventually,
    open_doc,
    provenance,
    summary,
    wait_diagnostics,
)


async def still_serving(client: LanguageClient, repo: Path) -> None:
    uri = open_doc(client, write(repo, "app/ok.py", DROP + "\n"))
    ai_edit(client, uri, 1, [((0, 0), (0, len(DROP)))])
    await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["DAT002"])


def logged(client: LanguageClient, fragment: str) -> bool:
    return any(fragment in m.message for m in client.log_messages)


async def test_unknown_uris(client: LanguageClient, repo: Path) -> None:
    missing = (repo / "nope.py").as_uri()
    with pytest.raises(JsonRpcInvalidParams, match="not open"):
        await summary(client, missing)
    ai_edit(client, missing, 1, [((0, 0), (0, 1))])
    await eventually(lambda: logged(client, "ignoring countersign/aiEdit"), what="a log line")
    edit(client, missing, 2, (0, 0), (0, 0), "x")
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(missing), types.Position(0, 0)))
    assert hover is None
    await still_serving(client, repo)


async def test_malformed_ai_edits_are_ignored(client: LanguageClient, repo: Path) -> None:
    uri = open_doc(client, write(repo, "app/a.py", "a = 1\n"))
    client.protocol.notify("countersign/aiEdit", {"textDocument": {"uri": uri, "version": 1},
                                                  "ranges": [], "kind": "inline"})
    client.protocol.notify("countersign/aiEdit", {"textDocument": {"uri": uri},
                                                  "ranges": "all", "tool": "x"})
    await eventually(lambda: logged(client, "'tool' must name the AI tool"), what="a log line")
    await still_serving(client, repo)


async def test_ranges_past_the_end_are_clamped(client: LanguageClient, repo: Path) -> None:
    uri = open_doc(client, write(repo, "app/a.py", "a = 1\n"))
    edit(client, uri, 2, (0, 99), (40, 7), "\n" + DROP)
    ai_edit(client, uri, 2, [((1, 0), (900, 0))])
    await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["DAT002"])
    assert (await summary(client, uri))["totalLines"] == 2
    await still_serving(client, repo)


async def test_versions_out_of_order(client: LanguageClient, repo: Path) -> None:
    uri = open_doc(client, write(repo, "app/a.py", "a = 1\n"), version=5)
    edit(client, uri, 3, (1, 0), (1, 0), DROP + "\n")
    ai_edit(client, uri, 3, [((1, 0), (1, len(DROP)))])
    await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["DAT002"])
    ai_edit(client, uri, 1, [((0, 0), (0, 1))])  # older than anything kept: dropped
    await still_serving(client, repo)  # (the stale report was handled before this one)
    spans = (await provenance(client, uri))["spans"]
    assert [(s["range"]["start"]["line"], s["range"]["end"]["line"]) for s in spans] == [(1, 1)]
    assert (await summary(client, uri))["aiLines"] == 1  # `a = 1` on line 0 stays human


async def test_huge_and_binary_files_are_not_tracked(client: LanguageClient,
                                                     repo: Path) -> None:
    big = "x = 1\n" * (50 * 1024 * 1024 // 6)
    huge = open_doc(client, repo / "huge.py", text=big)
    binary = open_doc(client, repo / "blob.bin", text="abc\x00\x01def")
    with pytest.raises(JsonRpcInvalidParams, match="maxFileBytes"):
        await summary(client, huge)
    with pytest.raises(JsonRpcInvalidParams, match="binary"):
        await summary(client, binary)
    edit(client, huge, 2, (0, 0), (0, 0), "y")
    await still_serving(client, repo)


async def test_non_utf8_bytes_on_disk(client: LanguageClient, repo: Path) -> None:
    config = repo / ".countersign.toml"
    config.write_bytes(b"[rules]\ndisable = [\"\xff\xfe\"]\n")
    (repo / "app").mkdir()
    (repo / "app" / "latin1.py").write_bytes(b"name = '\xe9t\xe9'\n")
    open_doc(client, repo / "app" / "latin1.py", text="name = '\ufffdt\ufffd'\n")
    await eventually(lambda: client.diagnostics.get(config.as_uri()), what="config error")
    assert "cannot read config" in client.diagnostics[config.as_uri()][0].message
    await still_serving(client, repo)


async def test_malformed_requests_are_answered_naming_the_field(client: LanguageClient,
                                                                repo: Path) -> None:
    send = client.protocol.send_request_async
    with pytest.raises(JsonRpcInvalidParams, match=r"params\.textDocument\.uri: expected a "
                                                   r"string, got 5"):
        await send("countersign/summary", {"textDocument": {"uri": 5}})
    with pytest.raises(JsonRpcInvalidParams, match=r"params\.textDocument: missing"):
        await send("countersign/provenance", {})
    with pytest.raises(JsonRpcInvalidParams, match=r"params\.textDocument\.uri: expected a "
                                                   r"string, got None"):
        await send("countersign/commitPreview", {"textDocument": {"uri": None}})
    await still_serving(client, repo)


async def test_a_malformed_ai_edit_is_logged_naming_the_field(client: LanguageClient,
                                                              repo: Path) -> None:
    uri = open_doc(client, write(repo, "app/a.py", "a = 1\n"))
    client.protocol.notify("countersign/aiEdit", {"textDocument": {"uri": uri, "version": 1},
                                                  "ranges": "all", "tool": "x"})
    await eventually(lambda: logged(client, "ignoring countersign/aiEdit: params.ranges: "
                                            "expected a list, got 'all'"), what="a log line")
    await still_serving(client, repo)


async def test_bad_command_arguments_are_answered_naming_the_argument(
        client: LanguageClient, repo: Path) -> None:
    uri = open_doc(client, write(repo, "app/a.py", DROP + "\n"))

    async def run(command: str, *arguments: object) -> object:
        return await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command, arguments=list(arguments)))

    with pytest.raises(JsonRpcInvalidParams, match=r"arguments\[0\]: expected a string, got 5"):
        await run("countersign.markHuman", 5)
    with pytest.raises(JsonRpcInvalidParams, match=r"arguments\[1\]\.start\.character: missing"):
        await run("countersign.acknowledge", uri, {"start": {"line": 0},
                                                   "end": {"line": 1, "character": 0}})
    with pytest.raises(JsonRpcInvalidParams, match="'kind' must be one of inline, chat"):
        await run("countersign.markAi", uri, None, {"tool": "codex", "kind": "typed"})
    with pytest.raises(JsonRpcInvalidParams, match=r"arguments\[0\] \(rule_id\) is missing"):
        await run("countersign.explain")
    with pytest.raises(JsonRpcInvalidParams, match="unknown rule 'NOPE001'"):
        await run("countersign.explain", "NOPE001")
    with pytest.raises(JsonRpcInvalidParams, match="not open"):
        await run("countersign.summary", (repo / "nope.py").as_uri())
    await still_serving(client, repo)
