"""The default terminal report, drawn with rich."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from harness.audit.model import AuditReport, CheckResult
from harness.safeio import printable

STYLES = {
    "pass": "green",
    "fail": "bold red",
    "na": "dim",
    "unknown": "magenta",
    "waived": "yellow",
}
LABELS = {"pass": "PASS", "fail": "FAIL", "na": "N/A", "unknown": "UNKNOWN", "waived": "WAIVED"}
SHOWS_EVIDENCE = ("fail", "unknown")
MAX_EVIDENCE = 3


def _detail(result: CheckResult) -> Text:
    text = Text(result.message)
    shown = result.status in SHOWS_EVIDENCE
    for evidence in result.evidence[:MAX_EVIDENCE] if shown else ():
        text.append(f"\n  {evidence.location()}", style="cyan")
    if shown and len(result.evidence) > MAX_EVIDENCE:
        text.append(f"\n  and {len(result.evidence) - MAX_EVIDENCE} more", style="cyan")
    return text


def render(report: AuditReport, width: int = 120, color: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color)
    table = Table(title=f"harness audit: {report.root_name}", expand=False)
    for column in ("Status", "Check", "Severity", "Result"):
        table.add_column(column, overflow="fold")
    for result in sorted(report.results, key=lambda r: (r.check.category, r.check.id)):
        table.add_row(
            Text(LABELS[result.status], style=STYLES[result.status]),
            f"{result.check.category}/{result.check.id}",
            result.check.severity.value,
            _detail(result),
        )
    console.print(table)
    scores = "  ".join(
        f"{name} {'n/a' if value is None else f'{value:g}'}"
        for name, value in report.category_scores.items()
    )
    overall = "n/a" if report.overall_score is None else f"{report.overall_score:g}"
    console.print(f"Categories: {scores}")
    console.print(f"Score: {overall}/100 (grade {report.grade})")
    unknown = sum(1 for r in report.results if r.status == "unknown")
    console.print(
        f"Coverage: {report.coverage.describe()}"
        + (f"; {unknown} unknown, left out of the score" if unknown else "")
    )
    for waiver, state in report.waivers:
        console.print(f"Waiver {waiver.check}: {state} — {waiver.reason}")
    if report.excluded:
        console.print(f"{len(report.excluded)} paths excluded (see --format json)")
    if report.skipped_files:
        console.print(f"{len(report.skipped_files)} files not read (see --format json)")
    if report.provenance is not None:
        console.print(report.provenance.describe(), markup=False, soft_wrap=True)
    verdict = "PASSED" if report.passed else "FAILED: " + "; ".join(report.failed_reasons)
    console.print(verdict)
    return printable(buffer.getvalue())
