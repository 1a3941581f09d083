"""countersign: know which lines an AI wrote, where they are dangerous, and who must sign off."""

from __future__ import annotations

__version__ = "0.1.0"
