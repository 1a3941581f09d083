"""Where countersign started in a repository, and which imported provenance to trust.

``[provenance]`` in the repository config or the policy::

    [provenance]
    baseline = "v2.3.0"        # a revision: it and its history are "before countersign"
    # baseline = 2025-06-01    # or a date (TOML date or "YYYY-MM-DD"): commits before it
    trust = ["git-ai", "agent-trace", "trailer"]   # imported sources whose notes count as
                                                   # complete (default: every source)

History before the baseline was written before anyone recorded provenance: ``verify`` does
not judge it and ``report`` and ``blame`` call it "before countersign" instead of AI of
unknown provenance. A range with a base (``origin/main..HEAD``, ``^A``) is always judged in
full, whatever the baseline says, so a pull request cannot move the baseline past itself.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SOURCES = ("countersign", "git-ai", "agent-trace", "trailer")
"""Producers of provenance: countersign's own hooks, and what ``import`` reads."""
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$")


@dataclass(frozen=True)
class ProvenancePolicy:
    """The ``[provenance]`` table."""

    baseline: str | None = None
    """The last revision before countersign, or a date (``YYYY-MM-DD``...)."""
    trust: tuple[str, ...] | None = None
    """Sources whose notes count as complete; ``None``: every source."""

    @property
    def baseline_time(self) -> float | None:
        """The baseline as seconds since the epoch (UTC midnight for a bare date), when it
        is a date."""
        if self.baseline is None or not _DATE.match(self.baseline):
            return None
        when = dt.datetime.fromisoformat(self.baseline.replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        return when.timestamp()

    def trusts(self, source: str) -> bool:
        """Whether a note from ``source`` says which lines are *not* AI, too (countersign's
        own notes always do)."""
        return source == "countersign" or self.trust is None or source in self.trust


def parse_provenance(table: Any, error: Callable[[str, str], None]) -> ProvenancePolicy:
    """The ``[provenance]`` table; problems go to ``error(key, message)``."""
    if not isinstance(table, dict):
        return ProvenancePolicy()
    baseline = table.get("baseline")
    if isinstance(baseline, (dt.date, dt.datetime)):
        baseline = baseline.isoformat()
    if baseline is not None and (not isinstance(baseline, str) or not baseline.strip()):
        error("provenance.baseline", f"expected a revision or a date, got {baseline!r}")
        baseline = None
    trust = table.get("trust")
    if trust is not None:
        if not isinstance(trust, list) or not all(isinstance(t, str) for t in trust):
            error("provenance.trust", f"expected a list of strings, got {trust!r}")
            trust = []
        unknown = sorted(set(trust) - set(SOURCES))
        if unknown:
            error("provenance.trust", f"unknown source(s) {', '.join(unknown)} "
                                      f"(known: {', '.join(SOURCES)})")
        trust = tuple(t for t in trust if t in SOURCES)
    return ProvenancePolicy(baseline.strip() if baseline else None, trust)


def combine_provenance(
    policy: ProvenancePolicy, repo: ProvenancePolicy
) -> ProvenancePolicy:
    """Under a policy: the policy's baseline only (a repository must not exempt history
    itself), and only sources both trust."""
    if policy.trust is None:
        trust = repo.trust
    elif repo.trust is None:
        trust = policy.trust
    else:
        trust = tuple(t for t in policy.trust if t in repo.trust)
    return ProvenancePolicy(policy.baseline, trust)
