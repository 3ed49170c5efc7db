"""Applying waivers: a waiver turns a failure into `waived`, unless it expired or its paths
leave some evidence uncovered. A waiver on a passing (or N/A) check is reported as removable."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from harness.audit.ignore import IgnoreRules
from harness.audit.model import CheckResult, Waiver


def apply_waivers(
    results: list[CheckResult], waivers: list[Waiver], today: dt.date
) -> tuple[list[CheckResult], list[tuple[Waiver, str]]]:
    """Results with waivers applied, and every waiver with its state for the report."""
    by_check = {w.check: w for w in waivers}
    states: dict[str, str] = {w.check: "unknown check" for w in waivers}
    applied = []
    for result in results:
        waiver = by_check.get(result.check.id)
        if waiver is None:
            applied.append(result)
            continue
        updated = _apply(result, waiver, today)
        states[waiver.check] = updated.waiver_state
        applied.append(updated)
    return applied, [(w, states[w.check]) for w in waivers]


def _apply(result: CheckResult, waiver: Waiver, today: dt.date) -> CheckResult:
    if result.status != "fail":
        return replace(result, waiver=waiver, waiver_state="removable")
    if waiver.expires and dt.date.fromisoformat(waiver.expires) < today:
        message = f"waiver expired on {waiver.expires}: {result.message}"
        return replace(result, message=message, waiver=waiver, waiver_state="expired")
    if waiver.paths:
        rules = IgnoreRules.from_lines(waiver.paths)
        uncovered = tuple(ev for ev in result.evidence if not rules.covers(ev.path))
        if uncovered or not result.evidence:
            message = f"{result.message} (waiver covers {', '.join(waiver.paths)} only)"
            return replace(
                result,
                message=message,
                evidence=uncovered or result.evidence,
                waiver=waiver,
                waiver_state="active",
            )
    return replace(result, status="waived", waiver=waiver, waiver_state="active")
