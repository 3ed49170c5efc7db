"""Every built-in check: it passes on the good project and fails on the edit that breaks it."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.audit.checklist import load_all
from harness.audit.engine import AuditOptions, run_audit
from harness.audit.model import AuditReport
from tests.audit.project import FAILING, GOOD, write_project

ALL_CHECKS = [check.id for check in load_all([])[1]]


@pytest.fixture(scope="module")
def good_report(tmp_path_factory: pytest.TempPathFactory) -> AuditReport:
    root = write_project(tmp_path_factory.mktemp("good"), dict(GOOD))
    return run_audit(AuditOptions(root=root))


def status_of(report: AuditReport, check_id: str) -> str:
    return next(r.status for r in report.results if r.check.id == check_id)


def test_every_check_has_a_failing_fixture() -> None:
    assert sorted(FAILING) == sorted(ALL_CHECKS)


def test_at_least_forty_checks_in_seven_checklists() -> None:
    checklists, checks = load_all([])
    assert len(checks) >= 40
    assert {c.checklist for c in checklists} == {
        "production",
        "ci",
        "llm",
        "rag",
        "agent",
        "security",
        "portfolio",
    }


@pytest.mark.parametrize("check_id", ALL_CHECKS)
def test_check_passes_on_good_project(good_report: AuditReport, check_id: str) -> None:
    result = next(r for r in good_report.results if r.check.id == check_id)
    assert result.status == "pass", result.message


@pytest.mark.parametrize("check_id", ALL_CHECKS)
def test_check_fails_on_its_fixture(tmp_path: Path, check_id: str) -> None:
    root = write_project(tmp_path, {**GOOD, **FAILING[check_id]})
    for rel, content in FAILING[check_id].items():
        if content is None:
            (root / rel).unlink(missing_ok=True)
    report = run_audit(AuditOptions(root=root))
    result = next(r for r in report.results if r.check.id == check_id)
    assert result.status == "fail", result.message
    assert result.message


def test_good_project_scores_100_and_passes(good_report: AuditReport) -> None:
    assert good_report.overall_score == 100.0
    assert good_report.grade == "A"
    assert good_report.passed
    assert set(good_report.stack) >= {"docker", "fastapi", "llm", "rag", "agent", "uploads"}
