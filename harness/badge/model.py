"""A badge: what it says, its colour, and the report it was made from."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from harness.badge.colors import STALE_COLOR


@dataclass(frozen=True)
class Provenance:
    """Where a figure comes from: the report kind, its commit and when it was generated."""

    kind: str
    commit: str | None
    generated_at: datetime | None

    @property
    def date(self) -> str:
        return self.generated_at.date().isoformat() if self.generated_at else "unknown date"

    @property
    def commit_phrase(self) -> str:
        return f"commit {self.commit}" if self.commit else "an unknown commit"


@dataclass(frozen=True)
class Badge:
    """One figure, ready to render as SVG and as shields.io endpoint JSON."""

    id: str
    label: str
    message: str
    color: str
    source: Provenance
    stale: bool = False

    def describe(self) -> str:
        """The provenance sentence written into the SVG's <desc> and the manifest."""
        made = f"From the {self.source.kind} report of {self.source.commit_phrase}"
        text = f"{made}, generated {self.source.date}."
        return f"{text} Stale: the result is older than allowed." if self.stale else text


def mark_stale(badge: Badge, as_of: datetime, stale_after: timedelta | None) -> Badge:
    """Grey out a badge whose report is older than `stale_after` (or of unknown age)."""
    if stale_after is None:
        return badge
    made = badge.source.generated_at
    if made is not None and as_of - made <= stale_after:
        return badge
    return replace(badge, color=STALE_COLOR, stale=True)
