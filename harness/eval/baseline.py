"""Baselines: per-sample scores plus a fingerprint, and the paired comparison against them.

For each metric the per-sample differences (current - baseline, over samples measured in both
runs) are resampled with a paired bootstrap. A metric regresses when the whole 95% CI of the
mean difference lies below -tolerance. When the CI is wider than the tolerance on either side
the data cannot tell a regression of that size from noise: "underpowered", not a pass.
A fingerprint mismatch (dataset, judge, metric versions) makes the comparison "incomparable".
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from harness import safeio
from harness.errors import BaselineError
from harness.eval.stats import bootstrap_mean

BASELINE_KIND = "harness-eval-baseline"
MIN_PAIRED = 5
_MAX_BASELINE_BYTES = 64 * 1024 * 1024


def fingerprint(
    dataset_sha256: str, judge: dict[str, str] | None, versions: dict[str, str], k: int
) -> dict[str, Any]:
    return {"dataset_sha256": dataset_sha256, "judge": judge, "metric_versions": versions, "k": k}


def baseline_document(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema_version": "1",
        "kind": BASELINE_KIND,
        "generated_at": report["generated_at"],
        "commit": report["commit"],
        "fingerprint": report["fingerprint"],
        "samples": {s["id"]: s["scores"] for s in report["samples"]},
    }


def save_baseline(path: Path, report: dict[str, Any]) -> None:
    """Store the run as a baseline; a run that measured nothing for a metric is refused, since
    comparing against it would switch that metric's gate off."""
    empty = [name for name, m in report["metrics"].items() if not m.get("measured")]
    if empty:
        raise BaselineError(
            f"not saving a baseline: {', '.join(empty)} measured no sample in this run",
            "fix the target or judge and run again (the report was written)",
        )
    text = json.dumps(baseline_document(report), indent=2, sort_keys=True)
    safeio.write_text(path, text + "\n")


def load_baseline(path: Path, shown: str) -> dict[str, Any]:
    try:
        doc = safeio.loads_json(safeio.read_text(path, limit=_MAX_BASELINE_BYTES))
    except FileNotFoundError:
        raise BaselineError(
            f"baseline {shown} not found", "create one with `harness eval --save-baseline`"
        ) from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise BaselineError(f"cannot read baseline {shown}: {reason}", "regenerate it") from None
    if not isinstance(doc, dict) or doc.get("kind") != BASELINE_KIND:
        raise BaselineError(
            f"{shown} is not a harness eval baseline", "create one with --save-baseline"
        )
    _check_shape(doc, shown)
    return doc


def _check_shape(doc: dict[str, Any], shown: str) -> None:
    """Every part compare() reads, so a damaged baseline is one line and exit 2, not a crash."""
    hint = "regenerate it with --save-baseline"
    if not isinstance(doc.get("fingerprint"), dict):
        raise BaselineError(f"baseline {shown} has no fingerprint object", hint)
    versions = doc["fingerprint"].get("metric_versions")
    if not isinstance(versions, dict):
        raise BaselineError(f"baseline {shown}: fingerprint.metric_versions is not an object", hint)
    samples = doc.get("samples")
    if not isinstance(samples, dict):
        raise BaselineError(f"baseline {shown}: samples is not an object", hint)
    for sample_id, scores in samples.items():
        if not isinstance(scores, dict):
            raise BaselineError(
                f"baseline {shown}: sample {sample_id!r} is not an object of scores", hint
            )
        for name, value in scores.items():
            if value is not None and not (isinstance(value, int | float) and _num(value)):
                raise BaselineError(
                    f"baseline {shown}: sample {sample_id!r} has a non-numeric {name!r}", hint
                )


def mismatches(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    reasons: list[str] = []
    if old.get("dataset_sha256") != new["dataset_sha256"]:
        reasons.append("dataset changed (sha256 differs)")
    if old.get("k") != new["k"]:
        reasons.append(f"k changed ({old.get('k')} -> {new['k']})")
    if old.get("judge") and new["judge"] and old["judge"] != new["judge"]:
        reasons.append(f"judge changed ({_judge(old['judge'])} -> {_judge(new['judge'])})")
    old_versions = old.get("metric_versions") or {}
    for name, version in sorted(new["metric_versions"].items()):
        if name in old_versions and old_versions[name] != version:
            reasons.append(f"{name} version changed ({old_versions[name]} -> {version})")
    return reasons


def _judge(judge: dict[str, str]) -> str:
    return f"{judge.get('model')} at {judge.get('base_url')}"


def compare(
    baseline: dict[str, Any],
    shown: str,
    current: dict[str, Any],
    records: list[dict[str, Any]],
    tolerance: float,
) -> dict[str, Any]:
    reasons = mismatches(baseline.get("fingerprint") or {}, current)
    out: dict[str, Any] = {"baseline": shown, "tolerance": tolerance, "reasons": reasons}
    if reasons:
        return {**out, "status": "incomparable", "metrics": {}}
    old_samples: dict[str, dict[str, Any]] = baseline.get("samples") or {}
    old_metrics = set((baseline.get("fingerprint") or {}).get("metric_versions") or {})
    metrics = {
        name: _compare_metric(name, old_samples, records, tolerance, name in old_metrics)
        for name in current["metric_versions"]
    }
    out["missing"] = sorted(old_metrics - set(current["metric_versions"]))
    statuses = {m["status"] for m in metrics.values()}
    status = next((s for s in ("regressed", "lost", "underpowered") if s in statuses), "ok")
    return {**out, "status": status, "metrics": metrics}


def _compare_metric(
    name: str,
    old: dict[str, dict[str, Any]],
    records: list[dict[str, Any]],
    tolerance: float,
    in_baseline: bool,
) -> dict[str, Any]:
    if not in_baseline and not any(name in scores for scores in old.values()):
        # The baseline's run did not compute this metric at all: nothing to compare it with.
        return {"status": "new", "n_paired": 0}
    pairs = [
        (old[r["id"]][name], r["scores"][name])
        for r in records
        if r["id"] in old and _num(old[r["id"]].get(name)) and _num(r["scores"].get(name))
    ]
    # Samples the baseline measured that this run did not: dropping them from the pairs would
    # let a candidate that fails exactly on its misses look better than its baseline.
    lost = sum(
        1
        for r in records
        if r["id"] in old and _num(old[r["id"]].get(name)) and not _num(r["scores"].get(name))
    )
    diffs = [new - prev for prev, new in pairs]
    interval = bootstrap_mean(diffs)
    result: dict[str, Any] = {
        "n_paired": len(pairs),
        "n_lost": lost,
        "baseline_mean": _mean([p for p, _ in pairs]),
        "current_mean": _mean([c for _, c in pairs]),
        "delta_mean": None if interval is None else round(interval.mean, 6),
        "ci95": None,
        "n_needed": _needed(diffs, tolerance),
    }
    if lost:
        return {**result, "status": "lost"}
    if interval is None or len(pairs) < MIN_PAIRED:
        return {**result, "status": "underpowered"}
    lo, hi = interval.lo, interval.hi
    result["ci95"] = [round(lo, 6), round(hi, 6)]
    if hi < -tolerance:
        status = "regressed"
    elif (hi - lo) / 2 > tolerance:
        status = "underpowered"
    elif lo > tolerance:
        status = "improved"
    else:
        status = "ok"
    return {**result, "status": status}


def _needed(diffs: list[float], tolerance: float) -> int | None:
    """Paired samples for a 95% CI half-width of `tolerance` at this spread of differences:
    n = (1.96 sd / tolerance)^2. None when the spread is unknown (fewer than 2 pairs)."""
    if len(diffs) < 2 or tolerance <= 0:
        return None
    mean = sum(diffs) / len(diffs)
    sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / (len(diffs) - 1))
    return max(MIN_PAIRED, math.ceil((1.96 * sd / tolerance) ** 2))


def _num(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 6) if values else None
