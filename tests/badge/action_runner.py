"""Run a composite action's shell steps locally, the way the GitHub runner would, minus `uses:`.

Understands just the expressions action.yml uses (inputs, step outputs, `==`/`!=`, `&&`) and fails
loudly on anything else, so the action cannot quietly outgrow what its test exercises.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_TEMPLATE = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")
_COMPARISON = re.compile(r"^(.+?)\s*(==|!=)\s*(.+)$")


@dataclass
class StepRun:
    name: str
    skipped: bool
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""


@dataclass
class ActionRun:
    steps: list[StepRun] = field(default_factory=list)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    summary: str = ""

    @property
    def failed(self) -> bool:
        return any(step.returncode not in (None, 0) for step in self.steps)

    def step(self, name: str) -> StepRun:
        return next(step for step in self.steps if step.name == name)


@dataclass
class _Context:
    inputs: dict[str, str]
    outputs: dict[str, dict[str, str]]
    action_path: Path
    runner_temp: Path
    action_ref: str = ""

    def value(self, expr: str) -> str:
        expr = expr.strip()
        if expr.startswith("'") and expr.endswith("'"):
            return expr[1:-1]
        parts = expr.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            return self.inputs[parts[1]]
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self.outputs.get(parts[1], {}).get(parts[3], "")
        if expr == "github.action_path":
            return str(self.action_path)
        if expr == "github.action_ref":
            return self.action_ref
        if expr == "runner.temp":
            return str(self.runner_temp)
        raise AssertionError(f"action uses an expression the local runner does not know: {expr}")

    def condition(self, expr: str) -> bool:
        inner = _TEMPLATE.fullmatch(expr.strip())
        text = inner.group(1) if inner else expr
        return all(self._compare(term) for term in text.split("&&"))

    def _compare(self, term: str) -> bool:
        match = _COMPARISON.match(term.strip())
        if match is None:
            raise AssertionError(f"action uses a condition the local runner does not know: {term}")
        left, operator, right = match.groups()
        equal = self.value(left).lower() == self.value(right).lower()
        return equal if operator == "==" else not equal

    def substitute(self, text: str) -> str:
        return _TEMPLATE.sub(lambda match: self.value(match.group(1)), text)


def run_action(
    action_file: Path,
    inputs: dict[str, str],
    workdir: Path,
    scratch: Path,
    env: dict[str, str],
    action_ref: str = "",
) -> ActionRun:
    """Run every `run:` step of `action_file` with bash in `workdir`; `uses:` steps are skipped."""
    action: dict[str, Any] = yaml.safe_load(action_file.read_text(encoding="utf-8"))
    defaults = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    unknown = set(inputs) - set(defaults)
    assert not unknown, f"inputs the action does not declare: {sorted(unknown)}"
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "runner-temp").mkdir(exist_ok=True)
    context = _Context(
        {**defaults, **inputs}, {}, action_file.parent, scratch / "runner-temp", action_ref
    )
    result = ActionRun(outputs=context.outputs)
    summary = scratch / "step-summary.md"
    summary.write_text("", encoding="utf-8")
    for index, step in enumerate(action["runs"]["steps"]):
        result.steps.append(_run_step(index, step, context, workdir, scratch, summary, env, result))
    result.summary = summary.read_text(encoding="utf-8")
    return result


def _run_step(
    index: int,
    step: dict[str, Any],
    context: _Context,
    workdir: Path,
    scratch: Path,
    summary: Path,
    env: dict[str, str],
    result: ActionRun,
) -> StepRun:
    name = str(step.get("name", f"step {index}"))
    condition = str(step.get("if", ""))
    # As on GitHub, a failed step skips the rest (no step here asks for always()).
    if "uses" in step or result.failed or (condition and not context.condition(condition)):
        return StepRun(name, skipped=True)
    assert step.get("shell") == "bash", f"step {name!r} must say shell: bash"
    output_file = scratch / f"output-{index}"
    output_file.write_text("", encoding="utf-8")
    script = scratch / f"step-{index}.sh"
    script.write_text(str(step["run"]), encoding="utf-8")
    step_env = {key: context.substitute(str(value)) for key, value in step.get("env", {}).items()}
    full_env = {
        **env,
        "GITHUB_OUTPUT": str(output_file),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_ACTION_PATH": str(context.action_path),
        "RUNNER_TEMP": str(context.runner_temp),
        **step_env,
    }
    command = ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)]
    done = subprocess.run(
        command, cwd=workdir, env=full_env, capture_output=True, text=True, check=False
    )
    if "id" in step:
        context.outputs[str(step["id"])] = _read_outputs(output_file)
    return StepRun(name, False, done.returncode, done.stdout, done.stderr)


def _read_outputs(path: Path) -> dict[str, str]:
    outputs: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        assert sep, f"GITHUB_OUTPUT line is not key=value: {line!r}"
        outputs[key] = value
    return outputs


def base_env(path_dirs: list[Path]) -> dict[str, str]:
    """A small environment: PATH with `path_dirs` first, no variables leaking from the host CI."""
    path = os.pathsep.join([*map(str, path_dirs), os.environ.get("PATH", "")])
    keep = {key: os.environ[key] for key in ("HOME", "LANG", "TMPDIR") if key in os.environ}
    return {**keep, "PATH": path, "CI": "true", "GITHUB_ACTIONS": "true"}


ACTION_FILE = Path(__file__).resolve().parents[2] / "action.yml"


def harness_shim(folder: Path, target: str) -> Path:
    """A folder holding a `harness` executable that runs `target` with this interpreter."""
    folder.mkdir(parents=True, exist_ok=True)
    shim = folder / "harness"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" {target} "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    return folder


def audit_with_action(project: Path, scratch: Path, **inputs: str) -> ActionRun:
    """Run the root action.yml against any project folder with the harness under test.

    For template tests too: generate a project, call this, and assert on `.outputs["audit"]`,
    `.summary` and the reports in `scratch / "out"`.
    """
    env = base_env([harness_shim(scratch / "bin", "-m harness")])
    chosen = {"install": "false", "path": str(project), "output-dir": str(scratch / "out")}
    return run_action(ACTION_FILE, {**chosen, **inputs}, scratch, scratch / "gh", env)
