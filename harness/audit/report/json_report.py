"""The JSON report. Its schema is versioned: fields are only added within a major version.

Schema version 2 (version 1 plus the `unknown` status, coverage and exclusions):
- `schema_version` "2", `kind` "harness-audit", `tool` {name, version}
- `generated_at` (UTC, honours SOURCE_DATE_EPOCH), `commit` (HEAD sha or null), `root` (dir name)
- `checklists` [names], `stack` {tag: file that showed it}
- `score` {overall, grade, categories: {name: {score, total, passed, failed, na, unknown, waived,
  coverage {decided, applicable, percent}}}}
- `coverage` {decided, applicable, percent}: applicable = every check but N/A; decided = pass,
  fail or waived; percent is null when nothing applies
- `result` {passed, reasons, fail_under, fail_on, min_coverage}
- `summary` {total, passed, failed, na, unknown, waived}
- `checks` [{id, title, category, severity, status (pass | fail | na | unknown | waived), message
  (for unknown: the reason it could not be decided), evidence [{path, line, note}], remediation,
  docs, waiver {reason, paths, expires, state} | null}]
- `waivers` [{check, reason, paths, expires, state}]
- `skipped_files` [{path, reason}]: files not read (binary, too large, undecodable, symlinks)
- `excluded` [{path, reason}]: folders and files left out of code checks (vendored copies,
  template sources, `--exclude`)

Revision 2.1 adds `schema_revision` "2.1" and an optional top-level `provenance` object
(`schema_version` stays "2", the major: fields are only added, so every reader of 2 reads a 2.1
report; reports written before 2.1 have neither field):
- `provenance` {status (measured | unknown | not-applicable), reason (why unknown or not
  applicable, else null)}, and when measured also: template (rag-qa | agent-workflow |
  production-app), source (the recorded `_src_path`), commit (the recorded `_commit`, null for the
  packaged templates), owner_share (owner lines / total lines, null when no lines), total and
  areas {app, tests, evals, docs, config, other: {title, files {added, changed, removed,
  unchanged}, lines {added, changed, removed, owner (added + changed), total (the project's
  line-counted lines)}}}, changes [{path, area, change (added | changed | removed), lines
  {added, changed, removed} | null (binary, too large)}] (at most 200), changes_not_listed,
  not_counted [{path, reason}]
"""

from __future__ import annotations

import json
from typing import Any

from harness.audit import provenance
from harness.audit.model import AuditReport, CheckResult, Coverage, Evidence, Waiver

SCHEMA_VERSION = "2"
SCHEMA_REVISION = "2.1"  # major.minor; readers match `schema_version`, the major
STATUSES = ("pass", "fail", "na", "unknown", "waived")


def counts(results: list[CheckResult]) -> dict[str, int]:
    names = {
        "pass": "passed",
        "fail": "failed",
        "na": "na",
        "unknown": "unknown",
        "waived": "waived",
    }
    tally = {"total": len(results), "passed": 0, "failed": 0, "na": 0, "unknown": 0, "waived": 0}
    for result in results:
        tally[names[result.status]] += 1
    return tally


def to_dict(report: AuditReport) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "schema_revision": SCHEMA_REVISION,
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
                | {"coverage": _coverage(report.category_coverage(name))}
                for name, value in report.category_scores.items()
            },
        },
        "coverage": _coverage(report.coverage),
        "result": {
            "passed": report.passed,
            "reasons": report.failed_reasons,
            "fail_under": report.fail_under,
            "fail_on": report.fail_on,
            "min_coverage": report.min_coverage,
        },
        "summary": counts(report.results),
        "checks": [_check(r) for r in report.results],
        "waivers": [_waiver(w) | {"check": w.check, "state": s} for w, s in report.waivers],
        "skipped_files": [{"path": p, "reason": r} for p, r in report.skipped_files],
        "excluded": [{"path": p, "reason": r} for p, r in report.excluded],
    }
    if report.provenance is not None:
        document["provenance"] = provenance.to_dict(report.provenance)
    return document


def _coverage(coverage: Coverage) -> dict[str, Any]:
    return {
        "decided": coverage.decided,
        "applicable": coverage.applicable,
        "percent": coverage.percent,
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
