"""Scores: per category and overall, weighted by severity.

N/A (does not apply), waived and unknown (applies, undecided) checks are left out of the score;
unknown ones lower the coverage instead (see `Coverage`), so they never vanish silently."""

from __future__ import annotations

from collections.abc import Iterable

from harness.audit.model import CheckResult

GRADES = ((90.0, "A"), (80.0, "B"), (70.0, "C"), (60.0, "D"))


def score(results: Iterable[CheckResult]) -> float | None:
    earned = possible = 0
    for result in results:
        if result.status in ("pass", "fail"):
            weight = result.check.severity.weight
            possible += weight
            earned += weight if result.status == "pass" else 0
    return round(100.0 * earned / possible, 1) if possible else None


def category_scores(results: list[CheckResult]) -> dict[str, float | None]:
    categories = sorted({r.check.category for r in results})
    return {c: score(r for r in results if r.check.category == c) for c in categories}


def grade(value: float | None) -> str:
    if value is None:
        return "n/a"
    return next((letter for floor, letter in GRADES if value >= floor), "F")
