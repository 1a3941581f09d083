"""Who wrote a piece of text: a person, or an AI tool (and which one)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["human", "inline", "chat", "agent", "suspected"]
AI_KINDS: tuple[Kind, ...] = ("inline", "chat", "agent", "suspected")


@dataclass(frozen=True)
class Origin:
    """The author of some text.

    Mirrors the Agent Trace contributor record: ``tool`` and ``model`` name the AI
    (``model`` in models.dev style, ``anthropic/claude-sonnet-4-5``); ``kind`` says how
    the text arrived. ``acknowledged_by`` is set once a person has reviewed AI text; it
    silences editor diagnostics but never lowers the review tier.
    """

    kind: Kind = "human"
    tool: str | None = None
    model: str | None = None
    at: float = 0.0
    """When the text was written, seconds since the epoch (0 when unknown)."""
    acknowledged_by: str | None = None
    source: str | None = None
    """Where the attribution was imported from (``git-ai``, ``agent-trace``, ``trailer``);
    ``None`` when countersign recorded it itself."""

    def __post_init__(self) -> None:
        if self.kind not in ("human", *AI_KINDS):
            raise ValueError(f"unknown origin kind {self.kind!r}; expected one of "
                             f"human, {', '.join(AI_KINDS)}")
        if self.kind != "human" and not self.tool:
            raise ValueError(f"an AI origin (kind {self.kind!r}) needs a tool name")

    @property
    def is_ai(self) -> bool:
        return self.kind != "human"

    @property
    def contributor_type(self) -> str:
        """Agent Trace ``contributor.type``: ``human`` or ``ai``."""
        return "ai" if self.is_ai else "human"

    def acknowledge(self, who: str) -> Origin:
        return dataclasses.replace(self, acknowledged_by=who) if self.is_ai else self

    def label(self) -> str:
        """Short human-readable name: ``claude-code (agent, anthropic/claude-sonnet-4-5)``."""
        if not self.is_ai:
            return "human"
        via = f"via {self.source}" if self.source else None
        details = ", ".join(x for x in (self.kind, self.model, via) if x)
        return f"{self.tool} ({details})"

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v not in (None, 0.0)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Origin:
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - fields
        if unknown:
            raise ValueError(f"unknown origin field(s): {', '.join(sorted(unknown))}")
        return cls(**data)


HUMAN = Origin()
