"""Structural rules in the editor: regions named in the diagnostic, findings that follow an
edit to another line of the same statement."""

from __future__ import annotations

from pathlib import Path

from pytest_lsp import LanguageClient

from tests.helpers import write
from tests.lsp.conftest import ai_edit, edit, open_doc, wait_diagnostics

DB = '''resource "aws_db_instance" "main" {
  engine              = "postgres"
  storage_encrypted   = true
  deletion_protection = true
}
'''
CALL = "resp = requests.post(\n    url,\n    timeout=5,\n)\n"


async def test_an_ai_line_inside_a_database_resource_names_the_region(
    client: LanguageClient, repo: Path
) -> None:
    uri = open_doc(client, write(repo, "infra/rds.tf", DB), language="terraform")
    ai_edit(client, uri, 1, [((1, 0), (1, 30))])
    found = await wait_diagnostics(client, uri, lambda d: "INF017" in [x.code for x in d])
    [region] = [d for d in found if d.code == "INF017"]
    assert region.range.start.line == 1
    assert "inside resource aws_db_instance.main; tier critical" in region.message


async def test_an_edit_on_another_line_of_a_call_changes_its_finding(
    client: LanguageClient, repo: Path
) -> None:
    uri = open_doc(client, write(repo, "app/client.py", CALL))
    ai_edit(client, uri, 1, [((0, 0), (3, 1))])
    await wait_diagnostics(client, uri, lambda d: d == [])  # a timeout, and verify on
    edit(client, uri, 2, (1, 8), (1, 8), " verify=False,")  # line 1: "    url, verify=False,"
    found = await wait_diagnostics(client, uri, lambda d: "SEC005" in [x.code for x in d])
    assert [(d.code, d.range.start.line) for d in found] == [("SEC005", 1)]
    edit(client, uri, 3, (2, 4), (2, 14), "")  # the timeout goes: CON001 on the call's line
    found = await wait_diagnostics(client, uri, lambda d: "CON001" in [x.code for x in d])
    assert sorted((d.code, d.range.start.line) for d in found) == [("CON001", 0),
                                                                   ("SEC005", 1)]
