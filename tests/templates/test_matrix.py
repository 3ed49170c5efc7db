"""Every template times every combination of its choice questions, generated through the root
copier.yml (the `harness new` path) and checked the way its CI and a reviewer would: ruff,
hadolint, the compose, workflow and dependabot schemas, zizmor, and `harness audit` ≥ 90 with no
failing high-severity check. The projects' own test suites run in the per-template tests; the
choices only change defaults in configuration, which these checks and the audit cover."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.audit.engine import AuditOptions, run_audit
from harness.audit.model import Severity
from tests.templates.support import REPO, static_checks

KINDS = ("rag-qa", "agent-workflow", "production-app")


def _choices(spec: Any) -> list[str]:
    choices = spec.get("choices") if isinstance(spec, dict) else None
    if isinstance(choices, dict):
        return [str(value) for value in choices.values()]
    return [str(value) for value in choices or []]


def combinations() -> list[tuple[str, dict[str, str]]]:
    found = []
    for kind in KINDS:
        config = yaml.safe_load((REPO / "templates" / kind / "copier.yml").read_text())
        questions = {name: _choices(spec) for name, spec in config.items()
                     if not name.startswith("_") and _choices(spec)}  # fmt: skip
        names = sorted(questions)
        for values in itertools.product(*(questions[name] for name in names)):
            found.append((kind, dict(zip(names, values, strict=True))))
    return found


MATRIX = combinations()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "answers"), MATRIX, ids=[f"{k}-{'-'.join(a.values())}" for k, a in MATRIX]
)
def test_every_option_combination(kind: str, answers: dict[str, str], tmp_path: Path) -> None:
    from copier import run_copy

    project = tmp_path / "proj"
    run_copy(str(REPO), str(project), data={"template": kind, **answers}, defaults=True,
             vcs_ref="HEAD", quiet=True, unsafe=False)  # fmt: skip
    compose = tuple(sorted(p.name for p in project.glob("compose*.yaml")))
    static_checks(project, Path(sys.executable).parent, compose=compose)
    report = run_audit(AuditOptions(root=project, fail_under=90, fail_on=Severity.HIGH))
    failing = [(r.check.id, r.message) for r in report.results if r.status == "fail"]
    assert report.passed, (report.overall_score, failing)
    assert report.overall_score is not None and report.overall_score >= 90


def test_the_matrix_covers_every_choice() -> None:
    kinds = {kind for kind, _ in MATRIX}
    assert kinds == set(KINDS)
    assert len(MATRIX) >= 3 * 4  # at least the four providers for each template
