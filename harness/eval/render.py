"""Human-facing renderings of the report: Markdown job summary, JUnit XML, terminal table."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from rich.console import Console
from rich.table import Table

WORST = 5


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _ci(ci: list[float] | None) -> str:
    return "-" if not ci else f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def _delta(report: dict[str, Any], name: str) -> str:
    comparison = report.get("comparison")
    if not comparison or comparison["status"] == "incomparable":
        return "-"
    row = comparison["metrics"].get(name)
    if not row or row.get("delta_mean") is None:
        return "-"
    return f"{row['delta_mean']:+.3f} {_ci(row.get('ci95'))} {row['status']}"


def markdown(report: dict[str, Any]) -> str:
    gate = report["gate"]
    head = {
        "passed": "✅ passed",
        "failed": "❌ failed",
        "inconclusive": "⚠️ inconclusive (not a pass)",
    }[gate.get("state") or ("passed" if gate["passed"] else "failed")]
    ds = report["dataset"]
    lines = [
        f"## harness eval: {head}",
        "",
        f"Dataset `{ds['path']}` ({ds['n']} samples, sha256 `{ds['sha256'][:12]}`), "
        f"commit `{(report['commit'] or 'unknown')[:12]}`.",
        "",
        "| metric | mean | 95% CI | coverage | Δ vs baseline |",
        "|---|---|---|---|---|",
    ]
    for name, m in report["metrics"].items():
        cov = f"{m['coverage']:.0%} ({m['measured']}/{m['n']})"
        lines.append(
            f"| {name} | {_fmt(m['mean'])} | {_ci(m['ci95'])} | {cov} | {_delta(report, name)} |"
        )
    lat, cost = report["latency_ms"], report["cost"]
    lines += [
        "",
        f"Latency p50 {_fmt(lat['p50'], 0)} ms, p95 {_fmt(lat['p95'], 0)} ms, "
        f"max {_fmt(lat['max'], 0)} ms. Cost ${cost['total_usd']:.6f} total, "
        f"${cost['per_query_usd']:.6f} per query.",
    ]
    lines += _gate_lines(gate, report.get("comparison"))
    lines += _worst_lines(report)
    return "\n".join(lines) + "\n"


def _gate_lines(gate: dict[str, Any], comparison: dict[str, Any] | None) -> list[str]:
    out: list[str] = []
    if comparison is not None:
        out += ["", f"Baseline `{comparison['baseline']}`: **{comparison['status']}**."]
    if gate["failures"]:
        out += ["", "**Failed checks**", ""] + [f"- {f}" for f in gate["failures"]]
    if gate.get("inconclusive"):
        out += ["", "**Inconclusive checks (not a pass)**", ""]
        out += [f"- {f}" for f in gate["inconclusive"]]
    if gate["warnings"]:
        out += ["", "**Warnings**", ""] + [f"- {w}" for w in gate["warnings"]]
    return out


def worst_samples(report: dict[str, Any], limit: int = WORST) -> list[tuple[str, float, str]]:
    """Samples with the lowest mean over their measured scores (target errors first)."""
    ranked: list[tuple[float, str, str]] = []
    for s in report["samples"]:
        values = [v for v in s["scores"].values() if v is not None]
        if s["error"]:
            ranked.append((-1.0, s["id"], s["error"]))
        elif values:
            low = min(
                s["scores"], key=lambda k: s["scores"][k] if s["scores"][k] is not None else 2
            )
            ranked.append((sum(values) / len(values), s["id"], f"lowest: {low}"))
    ranked.sort()
    return [(sid, score, note) for score, sid, note in ranked[:limit]]


def _worst_lines(report: dict[str, Any]) -> list[str]:
    rows = worst_samples(report)
    if not rows:
        return []
    out = ["", "**Worst samples**", "", "| id | mean score | note |", "|---|---|---|"]
    for sid, score, note in rows:
        out.append(f"| {sid} | {'error' if score < 0 else f'{score:.3f}'} | {note} |")
    return out


def junit(report: dict[str, Any]) -> str:
    checks = report["gate"]["checks"]
    failures = sum(1 for c in checks if not c["passed"])
    skipped = sum(1 for c in checks if c.get("accepted"))
    suite = ET.Element(
        "testsuite",
        name="harness-eval",
        tests=str(len(checks) + 1),
        failures=str(failures),
        skipped=str(skipped),
    )
    run = ET.SubElement(suite, "testcase", classname="harness.eval", name="run completed")
    ET.SubElement(run, "system-out").text = f"{report['dataset']['n']} samples"
    for check in checks:
        case = ET.SubElement(suite, "testcase", classname="harness.eval", name=check["name"])
        state = check.get("state", "passed" if check["passed"] else "failed")
        if check.get("accepted"):
            # Accepted by a flag: not a pass either, so reported as skipped.
            ET.SubElement(case, "skipped", message=check["message"])
        elif not check["passed"]:
            failure = ET.SubElement(case, "failure", message=check["message"], type=state)
            failure.text = check["message"]
    ET.indent(suite)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"
    )


def terminal(report: dict[str, Any], console: Console) -> None:
    table = Table(title=f"harness eval: {report['dataset']['n']} samples")
    for col in ("metric", "mean", "95% CI", "coverage", "Δ vs baseline"):
        table.add_column(col)
    for name, m in report["metrics"].items():
        cov = f"{m['coverage']:.0%} ({m['measured']}/{m['n']})"
        table.add_row(name, _fmt(m["mean"]), _ci(m["ci95"]), cov, _delta(report, name))
    console.print(table)
    lat, cost = report["latency_ms"], report["cost"]
    console.print(
        f"latency p50 {_fmt(lat['p50'], 0)} ms  p95 {_fmt(lat['p95'], 0)} ms  "
        f"max {_fmt(lat['max'], 0)} ms   cost ${cost['total_usd']:.6f} "
        f"(${cost['per_query_usd']:.6f}/query)"
    )


def verdicts(report: dict[str, Any], console: Console) -> None:
    """Warnings and failed checks: printed even with --quiet, since CI logs need them."""
    for warning in report["gate"]["warnings"]:
        console.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    for failure in report["gate"]["failures"]:
        console.print(f"FAILED {failure}", markup=False, highlight=False, soft_wrap=True)
    for undecided in report["gate"].get("inconclusive", []):
        console.print(f"INCONCLUSIVE {undecided}", markup=False, highlight=False, soft_wrap=True)
