"""The eval JSON report, schema version "1" (documented in README.md beside this file).

Additive changes keep the version; renaming or removing a key, or changing a meaning, bumps it.
Keys the badge command relies on: kind, schema_version, generated_at, commit, metrics.*.mean,
metrics.*.coverage, latency_ms, cost, gate.passed.
"""

from __future__ import annotations

import math
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.audit.gitmeta import head_commit
from harness.eval.stats import bootstrap_mean, percentile

SCHEMA_VERSION = "1"
KIND = "harness-eval"


def generated_at() -> str:
    """ISO-8601 UTC; SOURCE_DATE_EPOCH pins it for reproducible reports."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def git_head(project: Path) -> str | None:
    """HEAD's object id through the one git-metadata reader the audit uses too."""
    return head_commit(project)


def metric_summary(records: list[dict[str, Any]], name: str) -> dict[str, Any]:
    values: list[float] = []
    reasons: dict[str, int] = {}
    for rec in records:
        value = rec["scores"].get(name)
        if isinstance(value, int | float) and math.isfinite(value):
            values.append(float(value))
            continue
        reason = rec["unmeasured"].get(name) or ("target error" if rec["error"] else "unmeasured")
        reason = _reason_class(reason)
        reasons[reason] = reasons.get(reason, 0) + 1
    interval = bootstrap_mean(values)
    n = len(records)
    ci = None
    if interval is not None and math.isfinite(interval.lo):
        ci = [_r(interval.lo), _r(interval.hi)]
    return {
        "mean": _r(interval.mean) if interval else None,
        "ci95": ci,
        "n": n,
        "measured": len(values),
        "coverage": _r(len(values) / n) if n else 0.0,
        "unmeasured_reasons": dict(sorted(reasons.items())),
    }


def _reason_class(reason: str) -> str:
    # Group per-sample messages into a few stable buckets for the summary.
    low = reason.lower()
    if "timeout" in low or "timed out" in low:
        return "timeout"
    if "nan" in low:
        return "nan"
    if "missing input" in low:
        return "missing input"
    if "target error" in low:
        return "target error"
    return "judge error"


def ops_summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    latencies = [r["latency_ms"] for r in records if r["latency_ms"] is not None]
    tokens_in = [r["input_tokens"] for r in records if r["input_tokens"] is not None]
    tokens_out = [r["output_tokens"] for r in records if r["output_tokens"] is not None]
    costs = [r["cost_usd"] for r in records if r["cost_usd"] is not None]
    answered = sum(1 for r in records if r["status"] == "ok")
    return {
        "latency_ms": {
            "p50": _r(percentile(latencies, 50)),
            "p95": _r(percentile(latencies, 95)),
            "max": _r(max(latencies)) if latencies else None,
            "n": len(latencies),
        },
        "tokens": {
            "input_total": sum(tokens_in),
            "output_total": sum(tokens_out),
            "input_per_query": _r(sum(tokens_in) / len(tokens_in)) if tokens_in else None,
            "output_per_query": _r(sum(tokens_out) / len(tokens_out)) if tokens_out else None,
            "reported": len(tokens_in),
        },
        "cost": {
            "total_usd": round(sum(costs), 8),
            "per_query_usd": round(sum(costs) / len(costs), 8) if costs else 0.0,
            "priced": len(costs),
            "unpriced": answered - len(costs),
        },
    }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
