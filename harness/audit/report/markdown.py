"""Markdown report, for $GITHUB_STEP_SUMMARY and pull-request comments."""

from __future__ import annotations

from harness.audit.model import AuditReport, CheckResult
from harness.audit.provenance import Provenance
from harness.audit.provenance_compare import AREAS
from harness.audit.report.json_report import counts

MAX_EVIDENCE = 5
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}"


def _evidence(result: CheckResult) -> str:
    shown = [f"`{e.location()}`" for e in result.evidence[:MAX_EVIDENCE]]
    extra = len(result.evidence) - MAX_EVIDENCE
    if extra > 0:
        shown.append(f"and {extra} more")
    return "<br>".join(shown) or "—"


def render(report: AuditReport) -> str:
    verdict = "passed" if report.passed else "failed"
    lines = [
        f"## harness audit: {_score(report.overall_score)}/100 ({report.grade}) — {verdict}",
        "",
        f"`{report.root_name}` · commit `{(report.commit or 'unknown')[:12]}` · "
        f"stack: {', '.join(report.stack) or 'none detected'} · "
        f"coverage {report.coverage.describe()}",
        "",
    ]
    lines += [f"- {reason}" for reason in report.failed_reasons]
    if report.failed_reasons:
        lines.append("")
    lines += _categories(report)
    lines += _failures(report)
    lines += _unknown(report)
    lines += _not_applicable(report)
    lines += _waivers(report)
    if report.provenance is not None:
        lines += _provenance(report.provenance)
    if report.excluded:
        lines += ["", f"{len(report.excluded)} paths were excluded:", ""]
        lines += [f"- `{path}`: {reason}" for path, reason in report.excluded[:20]]
    if report.skipped_files:
        lines += ["", f"{len(report.skipped_files)} files were not read:", ""]
        lines += [f"- `{path}`: {reason}" for path, reason in report.skipped_files[:20]]
    return "\n".join(lines).rstrip() + "\n"


def _categories(report: AuditReport) -> list[str]:
    lines = [
        "| Category | Score | Coverage | Passed | Failed | Unknown | N/A | Waived |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for name, value in report.category_scores.items():
        tally = counts([r for r in report.results if r.check.category == name])
        coverage = report.category_coverage(name)
        shown = "n/a" if coverage.percent is None else f"{coverage.percent:g}%"
        lines.append(
            f"| {name} | {_score(value)} | {shown} | {tally['passed']} | {tally['failed']} | "
            f"{tally['unknown']} | {tally['na']} | {tally['waived']} |"
        )
    return lines


def _unknown(report: AuditReport) -> list[str]:
    undecided = [r for r in report.results if r.status == "unknown"]
    if not undecided:
        return []
    lines = [
        "",
        "### Undecided checks (unknown: left out of the score, counted in coverage)",
        "",
        "| Severity | Check | Why it could not be decided | Evidence |",
        "|---|---|---|---|",
    ]
    for r in sorted(undecided, key=lambda r: (SEVERITY_ORDER[r.check.severity.value], r.check.id)):
        lines.append(
            f"| {r.check.severity.value} | `{r.check.id}` {_cell(r.check.title)} | "
            f"{_cell(r.message)} | {_evidence(r)} |"
        )
    return lines


def _failures(report: AuditReport) -> list[str]:
    failing = sorted(
        (r for r in report.results if r.status == "fail"),
        key=lambda r: (SEVERITY_ORDER[r.check.severity.value], r.check.id),
    )
    if not failing:
        return ["", "All applicable checks pass."]
    lines = [
        "",
        "### Failing checks",
        "",
        "| Severity | Check | Finding | Evidence | Fix |",
        "|---|---|---|---|---|",
    ]
    for r in failing:
        lines.append(
            f"| {r.check.severity.value} | `{r.check.id}` {_cell(r.check.title)} | "
            f"{_cell(r.message)} | {_evidence(r)} | {_cell(r.check.remediation)} |"
        )
    return lines


def _not_applicable(report: AuditReport) -> list[str]:
    na = [r for r in report.results if r.status == "na"]
    if not na:
        return []
    lines = ["", f"<details><summary>{len(na)} checks not applicable</summary>", ""]
    lines += [f"- `{r.check.id}`: {r.message}" for r in na]
    return [*lines, "", "</details>"]


def _waivers(report: AuditReport) -> list[str]:
    if not report.waivers:
        return []
    lines = ["", "### Waivers", "", "| Check | State | Reason | Expires |", "|---|---|---|---|"]
    for waiver, state in report.waivers:
        lines.append(
            f"| `{waiver.check}` | {state} | {_cell(waiver.reason)} | {waiver.expires or '—'} |"
        )
    return lines


def _provenance(found: Provenance) -> list[str]:
    """The owner's share against the pristine template, per area (reviewers read this)."""
    lines = ["", "### Provenance", "", _cell(found.describe())]
    if found.status != "measured":
        return lines
    lines += [
        "",
        "| Area | Files added | Changed | Removed | Unchanged | Lines added | Changed | Removed "
        "| Owner's lines |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    rows = [(AREAS[name], found.areas[name]) for name in AREAS]
    for title, f in [*rows, ("**total**", found.total)]:
        lines.append(
            f"| {title} | {f.files_added} | {f.files_changed} | {f.files_removed} | "
            f"{f.files_unchanged} | {f.lines_added} | {f.lines_changed} | {f.lines_removed} | "
            f"{f.owner_lines} of {f.lines_total} |"
        )
    if found.not_counted:
        lines += ["", f"{len(found.not_counted)} changed files whose lines were not counted:", ""]
        lines += [f"- `{path}`: {reason}" for path, reason in found.not_counted[:20]]
    return lines
