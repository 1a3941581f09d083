"""countersign's own LSP messages: their names, and the types of their params and arguments.

The params are attrs classes, camelCase on the wire like every lsprotocol type; ``typed``
reads them and registers the handlers that take them.
"""

from __future__ import annotations

import time
from typing import Any

import attrs
from lsprotocol import types

from countersign.core.origin import AI_KINDS, Origin

AI_EDIT = "countersign/aiEdit"
SUMMARY = "countersign/summary"
PROVENANCE = "countersign/provenance"
COMMIT_PREVIEW = "countersign/commitPreview"
SIGNOFF = "countersign/signoff"
MAX_COMMITS = 200
"""The most commits one ``countersign/signoff`` request judges: 0.2-0.5 s of a worker thread
on a 2-core machine (``bench/bench_report_signoff.py``); the report asks for 20."""


class BadParams(ValueError):
    """The params or arguments of a countersign message are wrong; the message says where."""


# -- params ----------------------------------------------------------------------------


@attrs.define
class AiEditParams:
    """``countersign/aiEdit``: the text now in ``ranges`` of that document version is AI's."""

    text_document: types.VersionedTextDocumentIdentifier
    ranges: list[types.Range]
    tool: str | None = None
    kind: str = ""
    model: str | None = None

    def origin(self) -> Origin:
        return origin_of(self.tool, self.kind, self.model)


@attrs.define
class DocumentParams:
    """``countersign/summary`` and ``countersign/provenance``: the document asked about."""

    text_document: types.TextDocumentIdentifier


@attrs.define
class CommitPreviewParams:
    """``countersign/commitPreview``: a document of the repository (none: the first folder)."""

    text_document: types.TextDocumentIdentifier | None = None


@attrs.define
class SignoffParams:
    """``countersign/signoff``: the gate's verdicts on the commits HEAD's branch adds.

    ``textDocument``: a document of the repository (none: the first folder); ``base``: the
    branch to compare with (default: the upstream, see ``store.branch_range``);
    ``maxCommits``: the newest commits to judge (1 to ``MAX_COMMITS``).
    """

    text_document: types.TextDocumentIdentifier | None = None
    base: str | None = None
    max_commits: int = 20

    def __attrs_post_init__(self) -> None:
        if not 1 <= self.max_commits <= MAX_COMMITS:
            raise BadParams(f"'maxCommits' must be 1 to {MAX_COMMITS}, got {self.max_commits}")
        if self.base is not None and (not self.base or self.base.startswith("-")):
            raise BadParams(f"'base' must name a branch or commit, got {self.base!r}")


@attrs.define
class OriginArgs:
    """``countersign.markAi``'s third argument: which AI wrote the lines."""

    tool: str = "unknown"
    kind: str = "chat"
    model: str | None = None

    def origin(self) -> Origin:
        return origin_of(self.tool, self.kind, self.model)


def origin_of(tool: str | None, kind: str, model: str | None) -> Origin:
    """An AI origin; BadParams says what is missing."""
    if not tool:
        raise BadParams(f"'tool' must name the AI tool (like \"copilot\"), got {tool!r}")
    if kind not in AI_KINDS:
        raise BadParams(f"'kind' must be one of {', '.join(AI_KINDS)}, got {kind!r}")
    return Origin(kind, tool, model, at=time.time())


# -- results ---------------------------------------------------------------------------


@attrs.define
class ApprovalState:
    """One approval of a commit and what the gate made of it (``core.signoff.Approval``)."""

    who: str
    """As recorded: ``Name <email>``, an e-mail or a forge login (shown, never trusted)."""
    email: str
    source: str
    """``ssh``, ``openpgp``, ``github``, ``gitlab``, ``trailer`` or ``note``."""
    state: str
    """``valid`` (it counts), ``bad-signature``, ``unknown-key``, ``stale``, ``own-change``,
    ... (``core.signoff.STATES``)."""
    meaning: str
    """The state in words."""
    counts: bool
    detail: str
    """What exactly is wrong, or for a valid signature the key."""
    role: str | None = None
    """The role it claims (``None``: any the policy grants)."""


@attrs.define
class CommitSignoff:
    """One commit: the review it needs and why, its approvals, and whether it passes."""

    sha: str
    subject: str
    author: str
    ok: bool
    status: str
    """``ok`` in words: meets its requirement, does not, or needs no review."""
    tier: str
    review: str
    reasons: list[str]
    """Why it needs that review (tier and rules, suppressions, policy files, autonomy)."""
    failures: list[str]
    """What is missing, as ``countersign verify`` says it."""
    rules: list[str]
    ai_lines: int
    added_lines: int
    approvers: list[str]
    """The approvals that met the requirement."""
    approvals: list[ApprovalState]
    declared_tier: str | None = None


@attrs.define
class SignoffResult:
    """The answer of ``countersign/signoff`` (``core.branch_signoff.BranchSignoff``)."""

    label: str
    command: str
    """The ``countersign verify`` command that makes the same judgement."""
    commits: list[CommitSignoff]
    """Newest first."""
    omitted: int
    before_countersign: int
    problems: list[str]
    notes: list[str]
    markdown: str
    """The same, as the report's Markdown section (what Neovim shows)."""
    base: str | None = None


# -- the JSON-RPC messages that carry them ---------------------------------------------


@attrs.define
class ClientRequest:
    """A request of countersign's own: its params stay plain JSON until its handler reads them.

    pygls would otherwise turn them into namedtuples, a new class per JSON object.
    """

    id: int | str
    method: str
    jsonrpc: str
    params: Any = None


@attrs.define
class ClientNotification:
    """A notification of countersign's own, params as plain JSON (see ``ClientRequest``)."""

    method: str
    jsonrpc: str
    params: Any = None


MESSAGE_TYPES: dict[str, type] = {AI_EDIT: ClientNotification, SUMMARY: ClientRequest,
                                  PROVENANCE: ClientRequest, COMMIT_PREVIEW: ClientRequest,
                                  SIGNOFF: ClientRequest}
"""What the client sends. The server's own ``countersign/provenance`` notification is sent
as JSON text (``CountersignProtocol.notify_json``), not through these."""
