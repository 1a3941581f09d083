"""Recording who wrote the lines of a file on disk: agents, ``mark`` and ``checkpoint``.

The ledger's stored content of a file is its last *snapshot*. An agent's edit is recorded
against it: lines the agent wrote become its, lines that were AI's before move with the
content, and whatever else changed since the snapshot (a person's typing) stays human.
"""

from __future__ import annotations

from collections.abc import Mapping

from countersign.core.agents import changed_lines
from countersign.core.lines import split_lines
from countersign.core.origin import Origin
from countersign.store.ledger import FileRecord, Ledger


def _carried(record: FileRecord | None, content: str) -> dict[int, Origin]:
    return record.at(content) if record is not None else {}


def attribute(
    ledger: Ledger, path: str, content: str, origin: Origin, lines: set[int] | None,
    baseline: str = "",
) -> dict[int, Origin]:
    """Record that ``origin`` wrote ``lines`` of ``content`` (0-based).

    ``lines=None`` means every line that changed since the snapshot (checkpoint semantics);
    without a snapshot, since ``baseline`` (the committed version, or empty for a new file).
    Returns the file's AI lines as stored.
    """
    def change(record: FileRecord | None) -> Mapping[int, Origin]:
        kept = _carried(record, content)
        fresh = lines
        if fresh is None:
            fresh = changed_lines(record.content if record is not None else baseline, content)
        text = split_lines(content)
        for n in fresh:
            if n < len(text) and text[n].strip():
                kept[n] = origin
        return kept

    return ledger.update(path, content, change)


def checkpoint(ledger: Ledger, path: str, content: str) -> dict[int, Origin]:
    """Snapshot ``content`` as it is: changes since the last snapshot are a person's."""
    return ledger.update(path, content, lambda record: _carried(record, content))
