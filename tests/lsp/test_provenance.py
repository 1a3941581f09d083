"""AI edits land on the right characters whatever the order of messages."""

from __future__ import annotations

from pathlib import Path

from pytest_lsp import LanguageClient

from countersign.lsp.convert import plain
from tests.helpers import write
from tests.lsp.conftest import (
    DROP,
    ai_edit,
    edit,
    eventually,
    open_doc,
    provenance,
    wait_diagnostics,
)


def spans(result: dict) -> list[tuple[int, int, int, int, str]]:
    return [(s["range"]["start"]["line"], s["range"]["start"]["character"],
             s["range"]["end"]["line"], s["range"]["end"]["character"], s["tool"])
            for s in result["spans"]]


async def test_ai_edit_reported_after_more_human_typing_lands_right(
        client: LanguageClient, repo: Path) -> None:
    uri = open_doc(client, write(repo, "app/db.py", "import db\n"))
    edit(client, uri, 2, (1, 0), (1, 0), DROP + "\n")          # the AI inserts a line
    edit(client, uri, 3, (0, 0), (0, 0), "# a comment\n")      # a person types above it
    edit(client, uri, 4, (2, 0), (2, 0), "x = 1  ")            # and in front of it
    ai_edit(client, uri, 2, [((1, 0), (1, len(DROP)))], tool="claude-code", kind="chat")
    diags = await wait_diagnostics(client, uri, lambda d: any(x.code == "DAT002" for x in d))
    [drop] = [d for d in diags if d.code == "DAT002"]
    assert (drop.range.start.line, drop.range.start.character) == (2, 7 + 16)
    assert spans(await provenance(client, uri)) == [(2, 7, 2, 7 + len(DROP), "claude-code")]


async def test_ai_edit_before_the_change_that_produces_its_version(
        client: LanguageClient, repo: Path) -> None:
    uri = open_doc(client, write(repo, "app/db.py", "import db\n"))
    ai_edit(client, uri, 2, [((1, 0), (1, len(DROP)))])
    edit(client, uri, 2, (1, 0), (1, 0), DROP + "\n")
    await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["DAT002"])
    assert spans(await provenance(client, uri)) == [(1, 0, 1, len(DROP), "copilot")]


async def test_typing_inside_an_ai_span_splits_it(client: LanguageClient, repo: Path) -> None:
    uri = open_doc(client, write(repo, "app/calc.py", "value = compute(a, b)\n"))
    ai_edit(client, uri, 1, [((0, 0), (0, 21))])
    await eventually(lambda: provenance(client, uri), what="provenance")
    edit(client, uri, 2, (0, 5), (0, 5), "HUMAN")

    async def split() -> bool:
        return spans(await provenance(client, uri)) == [
            (0, 0, 0, 5, "copilot"), (0, 10, 0, 26, "copilot")]

    await eventually(split, what="the span split in two")


async def test_provenance_notification_after_spans_change(
        client: LanguageClient, repo: Path) -> None:
    uri = open_doc(client, write(repo, "app/x.py", "a = 1\nb = 2\n"))
    ai_edit(client, uri, 1, [((1, 0), (1, 5))], tool="cursor", kind="agent", model="m/x")
    data = plain(await client.wait_for_notification("countersign/provenance"))
    assert data["uri"] == uri
    first = data["spans"][0]
    assert (first["tool"], first["kind"], first["model"]) == ("cursor", "agent", "m/x")


async def test_mark_ai_and_mark_human_commands(client: LanguageClient, repo: Path) -> None:
    uri = open_doc(client, write(repo, "app/db.py", DROP + "\n"))
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}
    await client.workspace_execute_command_async(_cmd("countersign.markAi", [
        uri, whole, {"tool": "codex", "kind": "agent"}]))
    await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == ["DAT002"])
    assert "codex (agent)" in (await wait_diagnostics(client, uri, bool))[0].message
    await client.workspace_execute_command_async(_cmd("countersign.markHuman", [uri, whole]))
    await wait_diagnostics(client, uri, lambda d: d == [])
    assert spans(await provenance(client, uri)) == []


def _cmd(name: str, args: list) -> object:
    from lsprotocol import types
    return types.ExecuteCommandParams(command=name, arguments=args)


async def test_command_arguments_left_out_take_their_defaults(client: LanguageClient,
                                                              repo: Path) -> None:
    uri = open_doc(client, write(repo, "app/db.py", DROP + "\n"))
    assert await client.workspace_execute_command_async(_cmd("countersign.markAi", [uri])) == 1
    [span] = (await provenance(client, uri))["spans"]
    assert (span["tool"], span["kind"]) == ("unknown", "chat")  # the whole document
    assert await client.workspace_execute_command_async(_cmd(
        "countersign.acknowledge", [uri, None, "grace@example.com"])) == 1
    first = (await provenance(client, uri))["spans"][0]  # the line; its newline is a span too
    assert first["acknowledged_by"] == "grace@example.com"
    await client.workspace_execute_command_async(_cmd("countersign.markHuman", [uri]))
    assert spans(await provenance(client, uri)) == []
