"""The generated CI workflow, with its evidence-page and Pages jobs: it passes the GitHub workflow
schema and zizmor, and holds the least-privilege policy the template promises (read-only at the
top, `pages: write` and `id-token: write` only on the job that deploys, every action pinned by
full commit SHA with its version beside it). Copier only: no project venv, seconds per template.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.templates.support import generate, run

KINDS = ["rag-qa", "agent-workflow", "production-app"]
WORKFLOW = ".github/workflows/ci.yml"
PINNED = re.compile(r"^\s*(- )?uses: [\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*\s*$")
DEPLOYING = {"pages": "write", "id-token": "write"}


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    assert found, f"{name} is in the dev extra"
    return found


MAIN_PUSH = "${{ github.event_name == 'push' && github.ref == 'refs/heads/main' }}"


def policy_problems(text: str) -> list[str]:
    """What breaks the workflow's pinning and permission policy, one line each."""
    problems = [
        f"not pinned by SHA with a version comment: {line.strip()}"
        for line in text.splitlines()
        if "uses:" in line and not PINNED.match(line)
    ]
    return problems + permission_problems(yaml.safe_load(text))


def permission_problems(workflow: dict[str, Any]) -> list[str]:
    problems = []
    if workflow.get("permissions") != {}:
        problems.append(f"top-level permissions {workflow.get('permissions')!r}, not {{}}")
    for name, job in workflow["jobs"].items():
        granted = job.get("permissions")
        if not isinstance(granted, dict):
            problems.append(f"{name}: no job-level permissions")
            continue
        deploys = any(
            str(s.get("uses", "")).startswith("actions/deploy-pages@") for s in job["steps"]
        )
        if deploys:
            if granted != DEPLOYING:
                problems.append(f"{name}: deploys with {granted!r}, not exactly {DEPLOYING!r}")
            if job.get("if") != MAIN_PUSH:
                problems.append(f"{name}: deploys on more than pushes to main")
            if (job.get("environment") or {}).get("name") != "github-pages":
                problems.append(f"{name}: deploys outside the github-pages environment")
        else:
            if granted.get("contents") != "read":
                problems.append(f"{name}: contents is {granted.get('contents')!r}, not read")
            leaked = sorted(set(granted) & set(DEPLOYING))
            if leaked:
                problems.append(f"{name}: {', '.join(leaked)} on a job that does not deploy")
    return problems


@pytest.fixture(scope="module", params=KINDS)
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    kind = str(request.param)
    return generate(kind, tmp_path_factory.mktemp(kind) / "project")


def test_workflow_passes_schema_and_zizmor_with_the_pages_job(project: Path) -> None:
    workflow = yaml.safe_load((project / WORKFLOW).read_text())
    assert list(workflow["jobs"]) == ["lint", "test", "audit", "eval", "badges", "report", "pages"]
    run([_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", WORKFLOW],
        cwd=project)  # fmt: skip
    out = run([_tool("zizmor"), "--offline", "--no-progress", ".github"], cwd=project)
    assert "No findings to report" in out, out


def test_workflow_holds_the_least_privilege_policy(project: Path) -> None:
    assert policy_problems((project / WORKFLOW).read_text()) == []


def test_eval_job_may_read_earlier_runs_and_nothing_more(project: Path) -> None:
    jobs = yaml.safe_load((project / WORKFLOW).read_text())["jobs"]
    assert jobs["eval"]["permissions"] == {"contents": "read", "actions": "read"}
    assert jobs["report"]["permissions"] == {"contents": "read"}
    assert jobs["pages"]["needs"] == ["report"]


def test_the_policy_check_catches_each_breach(project: Path) -> None:
    text = (project / WORKFLOW).read_text()
    widened = text.replace("permissions: {}", "permissions: write-all", 1)
    assert policy_problems(widened) == ["top-level permissions 'write-all', not {}"]
    unpinned = re.sub(r"deploy-pages@[0-9a-f]{40} # v[\d.]+", "deploy-pages@v4", text)
    assert policy_problems(unpinned) == [
        "not pinned by SHA with a version comment: uses: actions/deploy-pages@v4"
    ]
    workflow = yaml.safe_load(text)
    workflow["jobs"]["report"]["permissions"]["pages"] = "write"
    workflow["jobs"]["pages"]["if"] = "${{ !cancelled() }}"
    assert permission_problems(workflow) == [
        "report: pages on a job that does not deploy",
        "pages: deploys on more than pushes to main",
    ]
