"""Applying waivers: a waiver turns a failure into `waived`, unless it expired or its paths
leave some evidence uncovered. A waiver on a passing (or N/A) check is reported as removable.
Several waivers may share one check when each names its own paths: together they cover the
union of their paths, and each reports its own state."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from harness.audit.ignore import IgnoreRules
from harness.audit.model import CheckResult, Evidence, Waiver


def apply_waivers(
    results: list[CheckResult], waivers: list[Waiver], today: dt.date
) -> tuple[list[CheckResult], list[tuple[Waiver, str]]]:
    """Results with waivers applied, and every waiver with its state for the report."""
    by_check: dict[str, list[int]] = {}
    for number, waiver in enumerate(waivers):
        by_check.setdefault(waiver.check, []).append(number)
    states = ["unknown check"] * len(waivers)
    applied = []
    for result in results:
        numbers = by_check.get(result.check.id, [])
        group = [waivers[n] for n in numbers]
        updated, group_states = _apply(result, group, today) if group else (result, [])
        for number, state in zip(numbers, group_states, strict=True):
            states[number] = state
        applied.append(updated)
    return applied, list(zip(waivers, states, strict=True))


def _apply(
    result: CheckResult, group: list[Waiver], today: dt.date
) -> tuple[CheckResult, list[str]]:
    if result.status != "fail":
        return replace(result, waiver=group[0], waiver_state="removable"), ["removable"] * len(
            group
        )
    expired = [w for w in group if w.expires and dt.date.fromisoformat(w.expires) < today]
    live = [w for w in group if w not in expired]
    covered = [_covered(w, result.evidence) for w in live]
    uncovered = tuple(ev for ev in result.evidence if not any(ev in cover for cover in covered))
    states = ["expired" if w in expired else "active" for w in group]
    if live and not uncovered and (result.evidence or any(not w.paths for w in live)):
        return replace(result, status="waived", waiver=live[0], waiver_state="active"), states
    if expired:
        message = f"waiver expired on {expired[0].expires}: {result.message}"
        failed = replace(result, message=message, evidence=uncovered or result.evidence)
        return replace(failed, waiver=expired[0], waiver_state="expired"), states
    paths = ", ".join(p for w in live for p in w.paths)
    message = f"{result.message} (waiver covers {paths} only)"
    evidence = uncovered or result.evidence
    failed = replace(result, message=message, evidence=evidence, waiver=live[0])
    return replace(failed, waiver_state="active"), states


def _covered(waiver: Waiver, evidence: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
    """The evidence this waiver covers: all of it without paths, else what its paths match."""
    if not waiver.paths:
        return evidence
    rules = IgnoreRules.from_lines(waiver.paths)
    return tuple(ev for ev in evidence if rules.covers(ev.path))
