"""Every template times every combination of its choice and yes/no questions, generated through
the root copier.yml (the `harness new` path) and checked the way its CI and a reviewer would:
ruff, hadolint, the compose, workflow and dependabot schemas, zizmor, and `harness audit` ≥ 90.
Each answer's effect on the project is asserted too. The projects' own test suites run in the
per-template tests (defaults, and one set of non-default answers each); the answers change
configuration, which these checks and the audit cover.

Identical inputs give identical verdicts, so a check runs once per distinct content of the files
it reads: 336 projects cost a few dozen runs of each checker."""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.audit.engine import AuditOptions, run_audit
from harness.audit.model import Severity
from tests.templates.support import REPO, run, static_check_commands

KINDS = ("rag-qa", "agent-workflow", "production-app")
BUILDER = REPO / "templates" / "build_root_copier.py"


def _values(spec: Any) -> list[Any]:
    if not isinstance(spec, dict) or "when" in spec:
        return []  # a conditional question follows from the others (llm_base_url)
    if spec.get("type") == "bool":
        return [True, False]
    choices = spec.get("choices")
    if isinstance(choices, dict):
        return [str(value) for value in choices.values()]
    return [str(value) for value in choices or []]


def _load_builder() -> Any:
    spec = importlib.util.spec_from_file_location("build_root_copier", BUILDER)
    assert spec and spec.loader
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    return builder


def _questions(builder: Any, kind: str) -> dict[str, Any]:
    """The template's questions as Copier reads them (its copier.yml with includes resolved)."""
    questions: dict[str, Any] = builder._questions(kind)
    return questions


def combinations() -> list[tuple[str, dict[str, Any]]]:
    found = []
    builder = _load_builder()
    for kind in KINDS:
        questions = {name: _values(spec) for name, spec in _questions(builder, kind).items()
                     if not name.startswith("_") and _values(spec)}  # fmt: skip
        names = sorted(questions)
        for values in itertools.product(*(questions[name] for name in names)):
            found.append((kind, dict(zip(names, values, strict=True))))
    return found


MATRIX = combinations()


def _id(kind: str, answers: dict[str, Any]) -> str:
    parts = [f"{k}={v}" if isinstance(v, bool) else str(v) for k, v in answers.items()]
    return "-".join([kind, *parts])


# (command, digest of what it reads) pairs that passed in this session.
_PASSED: set[tuple[str, str]] = set()


def _digest(project: Path, globs: tuple[str, ...]) -> str:
    sha = hashlib.sha256()
    files = sorted({p for g in globs for p in project.glob(g) if p.is_file()})
    for path in files:
        sha.update(str(path.relative_to(project)).encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()


def _check_once(project: Path, compose: tuple[str, ...]) -> None:
    for command, reads in static_check_commands(project, Path(sys.executable).parent, compose):
        key = (" ".join([Path(command[0]).name, *command[1:]]), _digest(project, reads))
        if key not in _PASSED:
            run(command, cwd=project)
            _PASSED.add(key)


def _assert_answers_applied(project: Path, answers: dict[str, Any]) -> None:
    version = answers["python_version"]
    assert (project / ".python-version").read_text() == f"{version}\n"
    dockerfile = (project / "Dockerfile").read_text()
    assert re.findall(r"^FROM python:(\S+)-slim-bookworm", dockerfile, re.M) == [version] * 2
    pyproject = (project / "pyproject.toml").read_text()
    assert f'target-version = "py{version.replace(".", "")}"' in pyproject

    assert (project / ".github/workflows/ci.yml").is_file() is answers["ci"]

    tracing = answers["tracing"]
    env_example = (project / ".env.example").read_text()
    assert f"TRACING_ENABLED={str(tracing).lower()}\n" in env_example
    settings = (project / "app/core/settings_base.py").read_text()
    assert f"    TRACING_ENABLED: bool = {tracing}\n" in settings
    compose = "".join(p.read_text() for p in sorted(project.glob("compose*.yaml")))
    assert ("langfuse/langfuse:3" in compose) is tracing

    provider = answers["llm_provider"]
    assert f"LLM_PROVIDER={provider}\n" in env_example
    base_url = "http://localhost:11434/v1" if provider == "openai-compatible" else ""
    assert f"LLM_BASE_URL={base_url}\n" in env_example


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "answers"), MATRIX, ids=[_id(k, a) for k, a in MATRIX])
def test_every_option_combination(kind: str, answers: dict[str, Any], tmp_path: Path) -> None:
    from copier import run_copy

    project = tmp_path / "proj"
    run_copy(str(REPO), str(project), data={"template": kind, **answers}, defaults=True,
             vcs_ref="HEAD", quiet=True, unsafe=False)  # fmt: skip
    _assert_answers_applied(project, answers)
    compose = tuple(sorted(p.name for p in project.glob("compose*.yaml")))
    _check_once(project, compose)
    report = run_audit(AuditOptions(root=project, fail_under=90, fail_on=Severity.HIGH))
    failing = sorted(r.check.id for r in report.results if r.status == "fail")
    assert report.overall_score is not None and report.overall_score >= 90, failing
    if answers["ci"]:
        assert report.passed, (report.overall_score, failing)
    else:
        # The audit says what a project without CI lacks, and nothing else.
        assert failing == ["ci-workflow-present"]


def test_the_matrix_covers_every_choice() -> None:
    kinds = {kind for kind, _ in MATRIX}
    assert kinds == set(KINDS)
    for kind in KINDS:
        seen: dict[str, set[Any]] = {}
        for _, answers in (entry for entry in MATRIX if entry[0] == kind):
            for name, value in answers.items():
                seen.setdefault(name, set()).add(value)
        assert seen["python_version"] == {"3.11", "3.12", "3.13"}
        assert seen["tracing"] == seen["ci"] == {True, False}
        assert len(seen["llm_provider"]) == 4
    # 4 providers x 3 Pythons x tracing x CI, times each template's own choices (2, 2, 3).
    assert len(MATRIX) == 4 * 3 * 2 * 2 * (2 + 2 + 3)
