"""A pull request's job summary: this run's eval against `main`'s last run, as Markdown deltas.

The reference is the last line of the history `main` left behind (CI downloads it before the
eval appends this run), so a reviewer sees what the change moved — metric means, coverage,
latency, cost — without opening two reports. Both sides are history entries, so a reference
written by an older harness still compares field by field; a figure missing on one side shows
as a dash, never as zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from harness.report.history import History, entry_from_report

Format = Callable[[float], str]


def _finite(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _mean(value: float) -> str:
    return f"{value:.3f}"


def _pct(value: float) -> str:
    return f"{value * 100:.1f} %"


def _ms(value: float) -> str:
    return f"{value:,.1f} ms"


def _usd(value: float) -> str:
    return f"${value:.6f}"


def _delta(before: float | None, after: float | None, fmt: Format) -> str:
    if before is None or after is None:
        return "—"
    change = after - before
    if fmt(abs(change)) == fmt(0.0):
        return "±0"
    sign = "+" if change > 0 else "\u2212"  # a real minus sign, as the page prints it
    return sign + fmt(abs(change))


def _row(label: str, before: object, after: object, fmt: Format) -> str:
    old, new = _finite(before), _finite(after)
    shown = [fmt(v) if v is not None else "—" for v in (old, new)]
    return f"| {label} | {shown[0]} | {shown[1]} | {_delta(old, new, fmt)} |"


def _describe(run: dict[str, Any]) -> str:
    commit = run.get("commit")
    parts = [f"`{commit[:12]}`" if isinstance(commit, str) and commit else "unknown commit"]
    if run.get("generated_at"):
        parts.append(str(run["generated_at"]))
    return ", ".join(parts)


def summary_markdown(report: dict[str, Any], against: History | None) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY: a table of `main`'s last run, this run and the delta."""
    current = entry_from_report(report)
    reference = against.runs[-1] if against and against.runs else None
    lines = ["### Eval against `main`", ""]
    if reference is None:
        lines.append("No run of `main` to compare with yet: this run starts the history.")
    else:
        lines.append(f"`main`'s last run: {_describe(reference)}. This run: {_describe(current)}.")
    lines += ["", "| | `main` | this run | Δ |", "|---|---:|---:|---:|"]
    old_metrics = (reference or {}).get("metrics") or {}
    new_metrics = current["metrics"]
    names = list(new_metrics) + [n for n in old_metrics if n not in new_metrics]
    for name in names:
        old = old_metrics.get(name) or {}
        new = new_metrics.get(name) or {}
        lines.append(_row(f"{name} mean", old.get("mean"), new.get("mean"), _mean))
        lines.append(_row(f"{name} coverage", old.get("coverage"), new.get("coverage"), _pct))
    old_latency = (reference or {}).get("latency_ms") or {}
    for key in ("p50", "p95"):
        lines.append(
            _row(f"latency {key}", old_latency.get(key), current["latency_ms"].get(key), _ms)
        )
    lines.append(
        _row(
            "cost per query",
            (reference or {}).get("cost_per_query_usd"),
            current["cost_per_query_usd"],
            _usd,
        )
    )
    if against and against.skipped_lines:
        lines += ["", f"{against.skipped_lines} unreadable line(s) of `main`'s history skipped."]
    return "\n".join(lines) + "\n"
