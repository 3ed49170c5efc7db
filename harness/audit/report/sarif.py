"""SARIF 2.1.0 for GitHub code scanning: one rule per check, one result per failing check, and
one result of kind "open" (SARIF's "the tool could not determine") per unknown check; the run's
properties carry the coverage.

Code scanning needs a location for every result; a check that failed for lack of a file points
at the README (or the first file) so the alert still lands somewhere sensible.
"""

from __future__ import annotations

import json
from typing import Any

from harness.audit.model import AuditReport, CheckResult, Evidence, Severity

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {
    Severity.LOW: "note",
    Severity.MEDIUM: "warning",
    Severity.HIGH: "error",
    Severity.CRITICAL: "error",
}
# GitHub sorts security alerts by this CVSS-like number.
SECURITY_SEVERITY = {
    Severity.LOW: "2.0",
    Severity.MEDIUM: "5.0",
    Severity.HIGH: "7.5",
    Severity.CRITICAL: "9.5",
}


def render(report: AuditReport) -> str:
    checks = [r.check for r in report.results]
    rule_index = {check.id: position for position, check in enumerate(checks)}
    fallback = _fallback_location(report)
    results = [
        _result(r, rule_index[r.check.id], fallback)
        for r in report.results
        if r.status in ("fail", "unknown")
    ]
    document = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "harness-audit",
                        "semanticVersion": report.tool_version,
                        "informationUri": "https://pypi.org/project/portfolio-harness/",
                        "rules": [_rule(r) for r in report.results],
                    }
                },
                "automationDetails": {"id": "harness-audit/"},
                "results": results,
                "properties": {
                    "coverage": {
                        "decided": report.coverage.decided,
                        "applicable": report.coverage.applicable,
                        "percent": report.coverage.percent,
                    }
                },
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _rule(result: CheckResult) -> dict[str, Any]:
    check = result.check
    tags = sorted({check.category, "portfolio-harness"})
    return {
        "id": check.id,
        "name": "".join(part.capitalize() for part in check.id.split("-")),
        "shortDescription": {"text": check.title},
        "fullDescription": {"text": check.rationale},
        "help": {
            "text": f"{check.rationale}\n\nFix: {check.remediation}\n\nDocs: {check.docs}",
            "markdown": (
                f"{check.rationale}\n\n**Fix:** {check.remediation}\n\n[Docs]({check.docs})"
            ),
        },
        "helpUri": check.docs,
        "defaultConfiguration": {"level": LEVELS[check.severity]},
        "properties": {
            "tags": tags,
            "precision": "high",
            "security-severity": SECURITY_SEVERITY[check.severity],
        },
    }


def _result(result: CheckResult, index: int, fallback: Evidence) -> dict[str, Any]:
    evidence = [e for e in result.evidence if e.path] or [fallback]
    undecided = result.status == "unknown"
    found: dict[str, Any] = {
        "ruleId": result.check.id,
        "ruleIndex": index,
        "level": "none" if undecided else LEVELS[result.check.severity],
        "message": {"text": f"{result.check.title}: {result.message}"},
        "locations": [_location(e) for e in evidence[:10]],
    }
    if undecided:
        found["kind"] = "open"  # SARIF: the tool could not determine whether the rule is met
    return found


def _location(evidence: Evidence) -> dict[str, Any]:
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": evidence.path, "uriBaseId": "%SRCROOT%"}
    }
    physical["region"] = {"startLine": evidence.line or 1}
    return {"physicalLocation": physical}


def _fallback_location(report: AuditReport) -> Evidence:
    return Evidence(report.anchor_file, 1)
