"""Risk tiers and the review each one requires."""

from __future__ import annotations

import enum


class Tier(enum.IntEnum):
    """How much damage a change can do; ordered ``none < low < medium < high < critical``."""

    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Tier:
        try:
            return cls[value.upper()]
        except KeyError:
            raise ValueError(
                f"unknown tier {value!r}; expected one of low, medium, high, critical"
            ) from None


class Review(enum.IntEnum):
    """Who must sign off; ``senior+owner`` means two distinct approvers."""

    NONE = 0
    PEER = 1
    SENIOR = 2
    SENIOR_OWNER = 3

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "+")

    @classmethod
    def parse(cls, value: str) -> Review:
        try:
            return cls[value.upper().replace("+", "_")]
        except KeyError:
            raise ValueError(
                f"unknown review level {value!r}; expected one of none, peer, senior, senior+owner"
            ) from None


DEFAULT_REVIEW: dict[Tier, Review] = {
    Tier.NONE: Review.NONE,
    Tier.LOW: Review.NONE,
    Tier.MEDIUM: Review.PEER,
    Tier.HIGH: Review.SENIOR,
    Tier.CRITICAL: Review.SENIOR_OWNER,
}
