"""Code actions that edit the document: the suppression comment."""

from __future__ import annotations

from lsprotocol import types

from countersign.core.comments import suppression_comment
from countersign.core.positions import Encoding, index_to_column
from countersign.core.rules import Finding
from countersign.core.tiers import Tier
from countersign.lsp.documents import Entry

_REASON = "\x00"


def _snippet(text: str) -> str:
    """``text`` as a snippet whose only tab stop is where the reason goes."""
    escaped = text.replace("\\", "\\\\").replace("$", "\\$").replace("}", "\\}")
    return escaped.replace(_REASON, "$0")


def suppress_action(entry: Entry, finding: Finding, enc: Encoding,
                    snippets: bool) -> types.CodeAction:
    """Append ``countersign: ignore[RULE]`` to the finding's line, with no reason made up.

    The reason must come from a person: a placeholder would count as one and silence a
    high or critical finding. Clients that take snippets in workspace edits get the cursor
    where the reason goes; the others get the comment alone, and a high or critical
    finding stays (its message says the reason is missing) until someone writes it.
    """
    rule = finding.rule
    content = entry.doc.text.line(finding.line)
    end = types.Position(finding.line, index_to_column(content, len(content), enc))
    where = types.Range(end, end)
    kind = types.CodeActionKind.QuickFix
    if snippets:
        comment = suppression_comment(rule.id, entry.language_id, entry.doc.path, _REASON)
        edit = types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
            types.OptionalVersionedTextDocumentIdentifier(entry.uri, entry.doc.version),
            [types.SnippetTextEdit(where, types.StringValue(_snippet(comment)))])])
        return types.CodeAction(f"countersign: suppress {rule.id} (type the reason)",
                                kind=kind, edit=edit)
    comment = suppression_comment(rule.id, entry.language_id, entry.doc.path)
    title = (f"countersign: add ignore[{rule.id}] (then write why it is safe: "
             f"{rule.tier.label} findings need a reason)" if rule.tier >= Tier.HIGH
             else f"countersign: suppress {rule.id}")
    return types.CodeAction(title, kind=kind, edit=types.WorkspaceEdit(
        changes={entry.uri: [types.TextEdit(where, comment)]}))
