"""The JSON report. Its schema is versioned: fields are only added within a major version.

Schema version 1:
- `schema_version` "1", `kind` "harness-audit", `tool` {name, version}
- `generated_at` (UTC, honours SOURCE_DATE_EPOCH), `commit` (HEAD sha or null), `root` (dir name)
- `checklists` [names], `stack` {tag: file that showed it}
- `score` {overall, grade, categories: {name: {score, passed, failed, na, waived}}}
- `result` {passed, reasons, fail_under, fail_on}
- `summary` {total, passed, failed, na, waived}
- `checks` [{id, title, category, severity, status, message, evidence [{path, line, note}],
  remediation, docs, waiver {reason, paths, expires, state} | null}]
- `waivers` [{check, reason, paths, expires, state}]
- `skipped_files` [{path, reason}]
"""

from __future__ import annotations

import json
from typing import Any

from harness.audit.model import AuditReport, CheckResult, Evidence, Waiver

SCHEMA_VERSION = "1"
STATUSES = ("pass", "fail", "na", "waived")


def counts(results: list[CheckResult]) -> dict[str, int]:
    names = {"pass": "passed", "fail": "failed", "na": "na", "waived": "waived"}
    tally = {"total": len(results), "passed": 0, "failed": 0, "na": 0, "waived": 0}
    for result in results:
        tally[names[result.status]] += 1
    return tally


def to_dict(report: AuditReport) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "harness-audit",
        "tool": {"name": "portfolio-harness", "version": report.tool_version},
        "generated_at": report.generated_at,
        "commit": report.commit,
        "root": report.root_name,
        "checklists": report.checklists,
        "stack": report.stack,
        "score": {
            "overall": report.overall_score,
            "grade": report.grade,
            "categories": {
                name: {"score": value}
                | counts([r for r in report.results if r.check.category == name])
                for name, value in report.category_scores.items()
            },
        },
        "result": {
            "passed": report.passed,
            "reasons": report.failed_reasons,
            "fail_under": report.fail_under,
            "fail_on": report.fail_on,
        },
        "summary": counts(report.results),
        "checks": [_check(r) for r in report.results],
        "waivers": [_waiver(w) | {"check": w.check, "state": s} for w, s in report.waivers],
        "skipped_files": [{"path": p, "reason": r} for p, r in report.skipped_files],
    }


def _check(result: CheckResult) -> dict[str, Any]:
    check = result.check
    return {
        "id": check.id,
        "title": check.title,
        "category": check.category,
        "severity": check.severity.value,
        "status": result.status,
        "message": result.message,
        "evidence": [_evidence(e) for e in result.evidence],
        "remediation": check.remediation,
        "docs": check.docs,
        "waiver": _waiver(result.waiver) | {"state": result.waiver_state}
        if result.waiver
        else None,
    }


def _evidence(evidence: Evidence) -> dict[str, Any]:
    return {"path": evidence.path, "line": evidence.line, "note": evidence.note}


def _waiver(waiver: Waiver) -> dict[str, Any]:
    return {"reason": waiver.reason, "paths": list(waiver.paths), "expires": waiver.expires}


def render(report: AuditReport) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"
