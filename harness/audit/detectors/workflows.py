"""Detectors over GitHub Actions workflows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from harness.audit.detectors._common import compile_pattern, plural
from harness.audit.index import RepoIndex
from harness.audit.model import Evidence, Outcome
from harness.audit.registry import NoParams, detector

WORKFLOWS = ("/.github/workflows/*.yml", "/.github/workflows/*.yaml")
_FULL_SHA = re.compile(r"@[0-9a-f]{40}$")


def _workflows(index: RepoIndex) -> list[tuple[str, dict[str, Any]]]:
    parsed = []
    for rel in index.match(*WORKFLOWS):
        data = index.yaml(rel)
        if isinstance(data, dict):
            parsed.append((rel, data))
    return parsed


def _jobs(workflow: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    jobs = workflow.get("jobs")
    if isinstance(jobs, dict):
        for name, job in jobs.items():
            if isinstance(job, dict):
                yield str(name), job


def _steps(job: dict[str, Any]) -> Iterator[dict[str, Any]]:
    steps = job.get("steps")
    if isinstance(steps, list):
        yield from (step for step in steps if isinstance(step, dict))


def line_of(index: RepoIndex, rel: str, needle: str) -> int | None:
    for number, line in enumerate(index.lines(rel), start=1):
        if needle in line:
            return number
    return None


def _no_workflow(index: RepoIndex) -> Outcome | None:
    if _workflows(index):
        return None
    broken = [rel for rel in index.match(*WORKFLOWS) if rel in index.parse_errors]
    if broken:
        line, message = index.parse_errors[broken[0]]
        return Outcome.failed(f"{broken[0]}: {message}", Evidence(broken[0], line, message))
    return Outcome.not_applicable("no GitHub Actions workflow")


class RunsCommandParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pattern: str = Field(description="regex matched against the `run:` scripts of every step")
    describe: str = ""


@detector("workflow_runs_command", RunsCommandParams)
def workflow_runs_command(index: RepoIndex, params: RunsCommandParams) -> Outcome:
    """Passes when some workflow step's `run:` script matches `pattern` (tests, lint, evals)."""
    missing = _no_workflow(index)
    if missing:
        return missing
    regex = compile_pattern(params.pattern)
    for rel, workflow in _workflows(index):
        for _, job in _jobs(workflow):
            for step in _steps(job):
                match = regex.search(str(step.get("run", "")))
                if match:
                    line = line_of(index, rel, match.group(0))
                    return Outcome.passed(f"{rel} runs `{match.group(0)}`", Evidence(rel, line))
    what = params.describe or f"/{params.pattern}/"
    return Outcome.failed(f"no workflow step runs {what}", Evidence(_workflows(index)[0][0]))


@detector("workflow_actions_pinned")
def workflow_actions_pinned(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when every `uses:` names a full 40-character commit SHA (or a local action)."""
    missing = _no_workflow(index)
    if missing:
        return missing
    floating: list[Evidence] = []
    total = 0
    for rel, workflow in _workflows(index):
        for uses in _all_uses(workflow):
            total += 1
            if not _is_pinned_action(uses):
                floating.append(Evidence(rel, line_of(index, rel, uses), f"{uses} is not pinned"))
    if floating:
        return Outcome.failed(f"{len(floating)} of {total} actions not pinned by SHA", *floating)
    if not total:
        return Outcome.passed("no actions used")
    return Outcome.passed(f"all {plural(total, 'action')} pinned by SHA")


def _all_uses(workflow: dict[str, Any]) -> Iterator[str]:
    for _, job in _jobs(workflow):
        if isinstance(job.get("uses"), str):
            yield job["uses"]
        for step in _steps(job):
            if isinstance(step.get("uses"), str):
                yield step["uses"]


def _is_pinned_action(uses: str) -> bool:
    if uses.startswith("./"):
        return True
    if uses.startswith("docker://"):
        return "@sha256:" in uses
    return bool(_FULL_SHA.search(uses))


@detector("workflow_permissions")
def workflow_permissions(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when each workflow limits the token: top-level `permissions` (not write-all)."""
    missing = _no_workflow(index)
    if missing:
        return missing
    problems = []
    for rel, workflow in _workflows(index):
        top = workflow.get("permissions")
        jobs = list(_jobs(workflow))
        if top == "write-all":
            line = line_of(index, rel, "permissions")
            problems.append(Evidence(rel, line, f"{rel}: permissions: write-all"))
        elif top is None and not all("permissions" in job for _, job in jobs):
            problems.append(Evidence(rel, 1, f"{rel}: no top-level permissions"))
    if problems:
        return Outcome.failed(problems[0].note, *problems)
    return Outcome.passed("every workflow declares least permissions")


@detector("workflow_timeouts")
def workflow_timeouts(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when every job sets `timeout-minutes` (the default is six hours)."""
    missing = _no_workflow(index)
    if missing:
        return missing
    problems = []
    for rel, workflow in _workflows(index):
        for name, job in _jobs(workflow):
            if "uses" not in job and "timeout-minutes" not in job:
                line = line_of(index, rel, f"{name}:")
                problems.append(Evidence(rel, line, f"{rel}: job {name} has no timeout-minutes"))
    if problems:
        return Outcome.failed(f"{plural(len(problems), 'job')} without a timeout", *problems)
    return Outcome.passed("every job has timeout-minutes")
