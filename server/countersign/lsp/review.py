"""What needs review: diagnostics, the quick fixes on them, acknowledging and explaining."""

from __future__ import annotations

from lsprotocol import types
from pygls.capabilities import get_capability

from countersign.core.diagnostics import explain
from countersign.lsp import convert, typed
from countersign.lsp.actions import suppress_action
from countersign.lsp.documents import DocumentError, Entry
from countersign.lsp.messages import BadParams
from countersign.lsp.server import CountersignServer


def register(server: CountersignServer) -> None:
    """textDocument/diagnostic, textDocument/codeAction, countersign.acknowledge, .explain."""
    server.feature(types.TEXT_DOCUMENT_DIAGNOSTIC, types.DiagnosticOptions(
        identifier="countersign", inter_file_dependencies=False,
        workspace_diagnostics=False))(pull_diagnostics)
    server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix]))(code_actions)
    typed.command(server, "countersign.acknowledge", acknowledge)
    typed.command(server, "countersign.explain", explain_rule)


def pull_diagnostics(ls: CountersignServer, params: types.DocumentDiagnosticParams
                     ) -> types.DocumentDiagnosticReport:
    return ls.pull_report(params.text_document.uri, params.previous_result_id)


def code_actions(ls: CountersignServer, params: types.CodeActionParams
                 ) -> list[types.CodeAction]:
    """Acknowledge the AI lines in the range; suppress or explain each finding on them."""
    entry = ls.documents.find(params.text_document.uri)
    if entry is None:
        return []
    first, last = params.range.start.line, params.range.end.line
    actions = _acknowledge_action(entry, first, last)
    caps = ls.client_capabilities
    snippets = get_capability(caps, "workspace.workspace_edit.snippet_edit_support", False) \
        and get_capability(caps, "workspace.workspace_edit.document_changes", False)
    for f in entry.doc.findings():
        if first <= f.line <= last and f.active:
            actions.append(suppress_action(entry, f, ls.documents.encoding, snippets))
            actions.append(types.CodeAction(
                f"countersign: explain {f.rule.id}", kind=types.CodeActionKind.QuickFix,
                command=types.Command(f"Explain {f.rule.id}", "countersign.explain",
                                      arguments=[f.rule.id])))
    return actions


def _acknowledge_action(entry: Entry, first: int, last: int) -> list[types.CodeAction]:
    lines = [n for n in range(first, min(last, entry.doc.text.line_count - 1) + 1)
             if (o := entry.doc.line_ai[n]) is not None and not o.acknowledged_by]
    if not lines:
        return []
    ack_range = {"start": {"line": lines[0], "character": 0},
                 "end": {"line": lines[-1], "character": 0}}
    return [types.CodeAction(
        f"countersign: acknowledge {len(lines)} AI line(s) as reviewed",
        kind=types.CodeActionKind.QuickFix,
        command=types.Command("Acknowledge", "countersign.acknowledge",
                              arguments=[entry.uri, ack_range]))]


def acknowledge(ls: CountersignServer, uri: str, range_: types.Range | None = None,
                reviewer: str | None = None) -> int:
    """Acknowledge the AI lines in ``range_`` (None: all) as reviewed by ``reviewer``.

    Without one: the ``countersign.reviewer`` setting, then git's ``user.email``.
    """
    entry = ls.documents.get(uri)
    who = reviewer or ls.settings.reviewer or (entry.project.reviewer if entry.project else None)
    if not who:
        raise DocumentError("nobody to acknowledge as: set countersign.reviewer or "
                            "git config user.email")
    count = ls.documents.acknowledge(uri, convert.optional_range(range_), who)
    ls.changed_without_edit(uri)
    return count


def explain_rule(ls: CountersignServer, rule_id: str) -> str:
    """Show and return what rule ``rule_id`` looks for and why it matters."""
    for project in ls.projects:
        rule = project.rules.by_id().get(rule_id.upper())
        if rule is not None:
            text = explain(rule, project.config, ls.href)
            ls.show(text)
            return text
    raise BadParams(f"unknown rule {rule_id!r}: pass a rule id like DAT002 "
                    f"(countersign rules list shows them)")
