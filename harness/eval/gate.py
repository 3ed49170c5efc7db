"""The CI gate: thresholds, coverage floor and baseline regressions become named checks.

Each check is one JUnit testcase and one line in the Markdown summary, with a state:
`passed`, `failed`, or one of the two states where the data cannot decide, `underpowered` (too
few or too noisy paired samples for the tolerance) and `incomparable` (the baseline was made
from another dataset, judge or metric version). Those two are never a pass: the gate is then
`inconclusive` and the run exits 1, unless the CI accepts that state explicitly
(`--accept underpowered`, `--accept incomparable`), which turns the check into a skipped one.

The regression test is one-sided at about 2.5% per metric: a metric regresses when the upper
end of the 95% paired-bootstrap interval of its mean difference lies below -tolerance. There is
no correction across metrics: with m metrics the chance that some metric raises a false alarm
is up to about m x 2.5%.
"""

from __future__ import annotations

from typing import Any

from harness.eval.baseline import MIN_PAIRED

ACCEPTABLE = ("underpowered", "incomparable")


def run_checks(
    metrics: dict[str, dict[str, Any]],
    thresholds: dict[str, float],
    min_coverage: float,
    comparison: dict[str, Any] | None,
    accept: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    checks: list[dict[str, Any]] = []
    warnings: list[str] = []
    for name, floor in sorted(thresholds.items()):
        mean = metrics[name]["mean"]
        passed = mean is not None and mean >= floor
        shown = "no measured samples" if mean is None else f"{mean:.4f}"
        checks.append(_check(f"threshold {name}>={floor:g}", name, passed, f"mean {shown}"))
    if min_coverage > 0:
        checks += _coverage_checks(metrics, min_coverage)
    if comparison is not None:
        checks += _comparison_checks(comparison, warnings, accept)
    failures = [c["message"] for c in checks if c["state"] == "failed"]
    inconclusive = [c["message"] for c in checks if c["state"] in ACCEPTABLE and not c["passed"]]
    state = "failed" if failures else "inconclusive" if inconclusive else "passed"
    return {
        "passed": state == "passed",
        "state": state,
        "checks": checks,
        "failures": failures,
        "inconclusive": inconclusive,
        "warnings": warnings,
    }


def _coverage_checks(metrics: dict[str, dict[str, Any]], floor: float) -> list[dict[str, Any]]:
    """Coverage over the samples a metric applies to: a row without the input a metric needs
    (no reference, say) is not a failure of the target or the judge."""
    checks = []
    for name, summary in metrics.items():
        applicable = summary["n"] - summary.get("unmeasured_reasons", {}).get("missing input", 0)
        if applicable <= 0:
            continue
        cov = summary["measured"] / applicable
        msg = f"coverage {cov:.2%} ({summary['measured']}/{applicable})"
        checks.append(_check(f"coverage {name}>={floor:g}", name, cov >= floor, msg))
    return checks


def _comparison_checks(
    comparison: dict[str, Any], warnings: list[str], accept: frozenset[str]
) -> list[dict[str, Any]]:
    if comparison["status"] == "incomparable":
        reasons = "; ".join(comparison["reasons"])
        return [_undecided("baseline comparable", "", "incomparable", reasons, accept)]
    for name in comparison.get("missing", []):
        warnings.append(f"{name}: in the baseline but not computed by this run (not compared)")
    checks: list[dict[str, Any]] = []
    for name, row in comparison["metrics"].items():
        status = row["status"]
        check_name = f"no regression {name}"
        if status == "new":
            warnings.append(f"{name}: new metric, not in the baseline (not compared)")
        elif status == "lost":
            detail = f"{row['n_lost']} sample(s) measured in the baseline are unmeasured now"
            checks.append(_check(check_name, name, False, detail))
        elif status == "underpowered":
            detail = f"{row['n_paired']} paired samples, {_interval(row['ci95'])}"
            if row.get("n_needed"):
                detail += f"; about {row['n_needed']} needed at this spread"
            checks.append(_undecided(check_name, name, "underpowered", detail, accept))
        else:
            detail = f"delta {row['delta_mean']} {_interval(row['ci95'])}"
            checks.append(_check(check_name, name, status != "regressed", detail))
    return checks


def _interval(ci95: list[float] | None) -> str:
    if ci95 is None:  # printed as "CI95 None" it read like a bug
        return f"too few for a CI95 (at least {MIN_PAIRED} paired samples)"
    return f"CI95 [{ci95[0]:+.3f}, {ci95[1]:+.3f}]"


def _check(name: str, metric: str, passed: bool, detail: str) -> dict[str, Any]:
    verdict = "ok" if passed else "FAILED"
    return {
        "name": name,
        "metric": metric,
        "state": "passed" if passed else "failed",
        "passed": passed,
        "message": f"{name}: {verdict}, {detail}",
    }


def _undecided(
    name: str, metric: str, state: str, detail: str, accept: frozenset[str]
) -> dict[str, Any]:
    accepted = state in accept
    verdict = f"{state.upper()}, " + (f"accepted by --accept {state}" if accepted else "not a pass")
    return {
        "name": name,
        "metric": metric,
        "state": state,
        "passed": accepted,
        "accepted": accepted,
        "message": f"{name}: {verdict}, {detail}",
    }
