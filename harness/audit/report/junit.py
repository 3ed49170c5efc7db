"""JUnit XML: one test suite per category, one test case per check.

JUnit has no "undecided" outcome: an unknown check is a skipped case whose message starts with
"unknown:" and gives the reason; each suite carries its coverage as a property."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from harness.audit.model import AuditReport, Coverage
from harness.audit.report.json_report import counts


def render(report: AuditReport) -> str:
    total = counts(report.results)
    suites = ET.Element(
        "testsuites",
        name="harness audit",
        tests=str(total["total"]),
        failures=str(total["failed"]),
        skipped=str(total["na"] + total["waived"] + total["unknown"]),
    )
    _coverage_property(suites, report.coverage)
    for category in report.category_scores:
        results = [r for r in report.results if r.check.category == category]
        tally = counts(results)
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=category,
            tests=str(tally["total"]),
            failures=str(tally["failed"]),
            errors="0",
            skipped=str(tally["na"] + tally["waived"] + tally["unknown"]),
        )
        _coverage_property(suite, report.category_coverage(category))
        for result in results:
            case = ET.SubElement(
                suite, "testcase", classname=f"harness.audit.{category}", name=result.check.id
            )
            if result.status == "fail":
                failure = ET.SubElement(
                    case, "failure", message=result.message, type=result.check.severity.value
                )
                where = "\n".join(e.location() for e in result.evidence)
                failure.text = f"{where}\nFix: {result.check.remediation}".strip()
            elif result.status == "na":
                ET.SubElement(case, "skipped", message=f"not applicable: {result.message}")
            elif result.status == "unknown":
                skipped = ET.SubElement(case, "skipped", message=f"unknown: {result.message}")
                skipped.text = "\n".join(e.location() for e in result.evidence) or None
            elif result.status == "waived" and result.waiver:
                ET.SubElement(case, "skipped", message=f"waived: {result.waiver.reason}")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def _coverage_property(element: ET.Element, coverage: Coverage) -> None:
    properties = ET.SubElement(element, "properties")
    ET.SubElement(properties, "property", name="coverage", value=coverage.describe())
