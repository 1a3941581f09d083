"""The ledger: restored on open, written at once, shared with other processes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from countersign.core.origin import Origin
from countersign.store.attribution import attribute
from countersign.store.ledger import Ledger
from tests.helpers import git, write
from tests.lsp.conftest import (
    CLIENTS,
    DROP,
    ai_edit,
    edit,
    eventually,
    open_doc,
    provenance,
    session,
    stop,
    summary,
    wait_diagnostics,
)

TEXT = "import db\n" + DROP + "\n"


def ledger(repo: Path) -> Ledger:
    return Ledger(repo / ".git" / "countersign" / "ledger.db")


@pytest.mark.parametrize("spec", CLIENTS)
async def test_acknowledgement_survives_a_restart(repo: Path, spec: str) -> None:
    path = write(repo, "app/db.py", TEXT)
    client = await session(repo, spec)
    uri = open_doc(client, path)
    ai_edit(client, uri, 1, [((1, 0), (1, len(DROP)))])
    await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["DAT002"])
    count = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        "countersign.acknowledge", arguments=[uri, None]))
    assert count == 1
    await wait_diagnostics(client, uri, lambda d: d == [])
    await stop(client)

    client = await session(repo, spec)
    uri = open_doc(client, path)
    result = await eventually(lambda: provenance(client, uri), what="provenance")
    assert [s["acknowledged_by"] for s in result["spans"]] == ["ada@example.com"]
    assert (await summary(client, uri))["acknowledged"] == 1
    assert await wait_diagnostics(client, uri, lambda d: True) == []
    await stop(client)


@pytest.mark.parametrize("spec", CLIENTS)
async def test_sigkill_loses_no_reported_ai_edit(repo: Path, spec: str) -> None:
    path = write(repo, "app/db.py", TEXT)
    client = await session(repo, spec)
    uri = open_doc(client, path)
    ai_edit(client, uri, 1, [((1, 0), (1, len(DROP)))], tool="claude-code", kind="agent")
    await summary(client, uri)  # the server has read every message before this request
    assert client._server is not None
    os.kill(client._server.pid, signal.SIGKILL)
    await client._server.wait()
    await client.stop()

    with ledger(repo) as db:
        assert db.attributions("app/db.py", TEXT) == {
            1: Origin("agent", "claude-code", at=db.attributions("app/db.py", TEXT)[1].at)}
    client = await session(repo, spec)
    uri = open_doc(client, path)
    await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["DAT002"])
    await stop(client)


async def test_ledger_written_by_another_process_refreshes_the_editor(
        client: LanguageClient, repo: Path) -> None:
    """Nothing tells the server; it notices the ledger changed. How fast (the issue asks
    for under a second) is measured by bench/bench_refresh.py, not timed here."""
    uri = open_doc(client, write(repo, "app/db.py", TEXT))
    await wait_diagnostics(client, uri, lambda d: d == [])
    with ledger(repo) as db:  # an agent hook records what it wrote
        db.save("app/db.py", TEXT, {1: Origin("agent", "codex")})
    await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["DAT002"])


@pytest.mark.parametrize("spec", CLIENTS)
async def test_watched_file_notification_refreshes_at_once(repo: Path, spec: str) -> None:
    # the server's own check of the ledger runs once a minute here: only the client's
    # notification can bring the agent's lines in before the test's timeout
    settings = {"debounceMs": 0, "watchIntervalMs": 60000}
    client = await session(repo, spec, settings, configuration=settings)
    uri = open_doc(client, write(repo, "app/db.py", TEXT))
    assert (await summary(client, uri))["aiLines"] == 0  # the open is processed
    with ledger(repo) as db:
        db.save("app/db.py", TEXT, {1: Origin("agent", "codex")})
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams([
        types.FileEvent((repo / ".git/countersign/ledger.db").as_uri(),
                        types.FileChangeType.Changed)]))
    await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["DAT002"])
    await stop(client)


async def test_save_writes_the_ledger(client: LanguageClient, repo: Path) -> None:
    uri = open_doc(client, write(repo, "app/db.py", TEXT))
    ai_edit(client, uri, 1, [((1, 0), (1, len(DROP)))])
    await summary(client, uri)
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        types.TextDocumentIdentifier(uri)))
    await summary(client, uri)
    with ledger(repo) as db:
        assert list(db.attributions("app/db.py", TEXT)) == [1]


async def test_config_errors_show_on_the_toml_file_at_their_line(
        client: LanguageClient, repo: Path) -> None:
    config = write(repo, ".countersign.toml", '[rules]\ndisable = ["CON002"]\ntier = 5\n')
    open_doc(client, write(repo, "app/x.py", "x = 1\n"))
    await eventually(lambda: client.diagnostics.get(config.as_uri()), what="config diagnostics")
    [diag] = client.diagnostics[config.as_uri()]
    assert diag.range.start.line == 2 and "rules.tier" in diag.message
    config.write_text('[rules]\ndisable = ["CON002"]\n', encoding="utf-8")
    await eventually(lambda: len(client.diagnostics[config.as_uri()]) == 0, timeout=1.5,
                     what="config diagnostics cleared")


async def test_rule_pack_errors_point_at_the_rule(client: LanguageClient, repo: Path) -> None:
    write(repo, ".countersign.toml", '[rules]\npacks = ["extra.toml"]\n')
    pack = write(repo, "extra.toml", '[pack]\nname = "extra"\n\n[[rules]]\nid = "XYZ001"\n'
                 'tier = "severe"\ntitle = "t"\nmessage = "m"\ncategory = "data"\n'
                 'regex = "x"\nexamples.fire = ["x"]\nexamples.ok = ["y"]\n')
    open_doc(client, write(repo, "app/x.py", "x = 1\n"))
    await eventually(lambda: client.diagnostics.get(pack.as_uri()), what="pack diagnostics")
    [diag] = client.diagnostics[pack.as_uri()]
    assert diag.range.start.line == 5 and "XYZ001" in diag.message
    await asyncio.sleep(0)


@pytest.mark.parametrize("spec", CLIENTS)
async def test_a_record_another_process_just_wrote_is_merged_not_replaced(
        repo: Path, spec: str) -> None:
    """``countersign mark`` records aider's line; an AI report arrives before the server's
    next look at the ledger (here a minute away). Its write keeps aider's line."""
    settings = {"debounceMs": 0, "watchIntervalMs": 60000}
    client = await session(repo, spec, settings, configuration=settings)
    path = write(repo, "app/f.py", "import os\n\n\ndef clean():\n    pass\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "init")
    uri = open_doc(client, path)
    agent = "import os\n\n\ndef clean():\n    os.system('rm -rf /tmp/y')\n"
    path.write_text(agent, encoding="utf-8")  # aider edits the file; the editor reloads it
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(2, uri),
        [types.TextDocumentContentChangeWholeDocument(agent)]))
    assert (await summary(client, uri))["aiLines"] == 0
    subprocess.run([sys.executable, "-m", "countersign", "mark", "--tool", "aider", "app/f.py"],
                   cwd=repo, check=True, capture_output=True)
    edit(client, uri, 3, (1, 0), (1, 0), DROP)  # an inline completion on line 2
    ai_edit(client, uri, 3, [((1, 0), (1, len(DROP)))])
    lines = (await summary(client, uri))["aiLines"]  # (the report is handled before this)
    buffer = agent.replace("\n\n", "\n" + DROP + "\n", 1)
    with ledger(repo) as db:
        stored = db.attributions("app/f.py", buffer)
    assert {n: o.tool for n, o in stored.items()} == {1: "copilot", 4: "aider"}
    assert lines == 2  # and the editor shows aider's line too
    await stop(client)


@pytest.mark.parametrize("spec", CLIENTS)
async def test_a_record_of_the_same_content_from_another_process_is_adopted(
        repo: Path, spec: str) -> None:
    """An agent's hook records its line for exactly the content the server wrote last: it
    is still news (it was taken for the server's own write and never shown)."""
    settings = {"debounceMs": 0, "watchIntervalMs": 60000}
    client = await session(repo, spec, settings, configuration=settings)
    uri = open_doc(client, write(repo, "app/db.py", TEXT))
    ai_edit(client, uri, 1, [((1, 0), (1, len(DROP)))])
    assert (await summary(client, uri))["aiLines"] == 1  # written: the ledger holds TEXT
    with ledger(repo) as db:
        attribute(db, "app/db.py", TEXT, Origin("agent", "codex"), {0})
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams([
        types.FileEvent((repo / ".git/countersign/ledger.db").as_uri(),
                        types.FileChangeType.Changed)]))
    assert (await summary(client, uri))["aiLines"] == 2
    await stop(client)


async def _kill(client: LanguageClient) -> None:
    """``kill -9`` the server: nothing of it runs after this."""
    assert client._server is not None
    os.kill(client._server.pid, signal.SIGKILL)
    await client._server.wait()
    await client.stop()


@pytest.mark.parametrize("spec", CLIENTS)
async def test_typing_on_an_ai_line_then_a_crash_keeps_the_line(repo: Path, spec: str) -> None:
    """Killed before the typing is written: the ledger holds the line as copilot wrote it,
    and re-anchoring keeps it AI's on the changed line (its characters are all there)."""
    client = await session(repo, spec)
    path = write(repo, "app/db.py", "import db\n")
    uri = open_doc(client, path)
    edit(client, uri, 2, (1, 0), (1, 0), DROP + "\n")
    ai_edit(client, uri, 2, [((1, 0), (1, len(DROP)))])
    edit(client, uri, 3, (1, len(DROP)), (1, len(DROP)), "  # ok")
    assert (await summary(client, uri))["aiLines"] == 1
    await _kill(client)

    client = await session(repo, spec)  # the editor reopens its unsaved buffer
    uri = open_doc(client, path, text="import db\n" + DROP + "  # ok\n")
    spans = (await provenance(client, uri))["spans"]
    assert [(s["range"]["start"]["line"], s["tool"]) for s in spans] == [(1, "copilot")]
    await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["DAT002"])
    await stop(client)


@pytest.mark.parametrize("spec", CLIENTS)
async def test_typing_on_an_ai_line_is_written_once_it_pauses(repo: Path, spec: str) -> None:
    """No save, no AI report: the typing still reaches the ledger, so a crash loses
    nothing the ledger was told."""
    client = await session(repo, spec)
    path = write(repo, "app/db.py", "import db\n")
    uri = open_doc(client, path)
    edit(client, uri, 2, (1, 0), (1, 0), DROP + "\n")
    ai_edit(client, uri, 2, [((1, 0), (1, len(DROP)))])
    edit(client, uri, 3, (1, len(DROP)), (1, len(DROP)), "  # ok")
    buffer = "import db\n" + DROP + "  # ok\n"

    def stored() -> bool:
        with ledger(repo) as db:
            record = db.load("app/db.py")
        return record is not None and record.content == buffer and list(record.lines) == [1]

    await eventually(stored, what="the typing in the ledger")
    await _kill(client)
    client = await session(repo, spec)
    uri = open_doc(client, path, text=buffer)
    await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["DAT002"])
    await stop(client)
