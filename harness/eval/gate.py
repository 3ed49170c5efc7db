"""The CI gate: thresholds, coverage floor and baseline regressions become named checks.

Each check is one JUnit testcase and one line in the Markdown summary; the run fails (exit 1)
when any check fails. An incomparable or underpowered comparison is a warning, never a pass or
a fail, because neither outcome would be supported by the data.
"""

from __future__ import annotations

from typing import Any


def run_checks(
    metrics: dict[str, dict[str, Any]],
    thresholds: dict[str, float],
    min_coverage: float,
    comparison: dict[str, Any] | None,
) -> dict[str, Any]:
    checks: list[dict[str, Any]] = []
    for name, floor in sorted(thresholds.items()):
        mean = metrics[name]["mean"]
        passed = mean is not None and mean >= floor
        shown = "no measured samples" if mean is None else f"{mean:.4f}"
        checks.append(_check(f"threshold {name}>={floor:g}", name, passed, f"mean {shown}"))
    if min_coverage > 0:
        for name, summary in metrics.items():
            cov = summary["coverage"]
            msg = f"coverage {cov:.2%} ({summary['measured']}/{summary['n']})"
            checks.append(
                _check(f"coverage {name}>={min_coverage:g}", name, cov >= min_coverage, msg)
            )
    warnings: list[str] = []
    if comparison is not None:
        checks += _comparison_checks(comparison, warnings)
    failures = [c["message"] for c in checks if not c["passed"]]
    return {"passed": not failures, "checks": checks, "failures": failures, "warnings": warnings}


def _comparison_checks(comparison: dict[str, Any], warnings: list[str]) -> list[dict[str, Any]]:
    if comparison["status"] == "incomparable":
        warnings.append("baseline incomparable: " + "; ".join(comparison["reasons"]))
        return []
    checks: list[dict[str, Any]] = []
    for name, row in comparison["metrics"].items():
        status = row["status"]
        if status == "underpowered":
            warnings.append(f"{name}: underpowered ({row['n_paired']} paired samples)")
        if status == "new":
            continue
        detail = f"delta {row['delta_mean']} CI95 {row['ci95']}"
        checks.append(_check(f"no regression {name}", name, status != "regressed", detail))
    return checks


def _check(name: str, metric: str, passed: bool, detail: str) -> dict[str, Any]:
    verdict = "ok" if passed else "FAILED"
    return {
        "name": name,
        "metric": metric,
        "passed": passed,
        "message": f"{name}: {verdict}, {detail}",
    }
