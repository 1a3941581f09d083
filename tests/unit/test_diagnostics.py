"""What the editor shows: the code lens title."""

from __future__ import annotations

from countersign.core.diagnostics import Summary, lens_title
from countersign.core.tiers import Tier


def test_lens_title() -> None:
    summary = Summary(37, 120, 0, 2, Tier.HIGH, "senior", ("copilot (inline)",), ("DAT002",))
    assert lens_title(summary) == "AI: 37 lines, 2 high-risk — needs senior sign-off"
