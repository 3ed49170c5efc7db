"""CI wherever it runs: GitHub Actions, GitLab CI, Cloud Build, CircleCI, Azure Pipelines,
Jenkins, Bitbucket, Travis, Drone. Commands are read from each system's config, and a `make X`
step is followed into the Makefile's recipe, so `make test` running pytest counts as tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from harness.audit.detectors._common import compile_pattern
from harness.audit.index import RepoIndex, is_test_file
from harness.audit.model import Evidence, Outcome
from harness.audit.registry import NoParams, detector

CI_SYSTEMS: dict[str, tuple[str, ...]] = {
    "GitHub Actions": ("/.github/workflows/*.yml", "/.github/workflows/*.yaml"),
    "GitLab CI": ("/.gitlab-ci.yml", "/.gitlab-ci.yaml", "*.gitlab-ci.yml"),
    "Cloud Build": (
        "cloudbuild.yaml",
        "cloudbuild.yml",
        "cloudbuild*.yaml",
        "cloudbuild*.yml",
        "/.cloudbuild/**/*.yaml",
        "/.cloudbuild/**/*.yml",
    ),
    "CircleCI": ("/.circleci/config.yml", "/.circleci/config.yaml"),
    "Azure Pipelines": ("/azure-pipelines.yml", "/azure-pipelines*.yml", "/.azure-pipelines/*.yml"),
    "Jenkins": ("Jenkinsfile", "Jenkinsfile.*", "*.jenkinsfile"),
    "Bitbucket Pipelines": ("/bitbucket-pipelines.yml",),
    "Travis CI": ("/.travis.yml",),
    "Drone": ("/.drone.yml",),
}
# Keys under which CI systems keep the shell they run.
COMMAND_KEYS = frozenset(
    {
        "run",
        "script",
        "scripts",
        "before_script",
        "after_script",
        "command",
        "commands",
        "args",
        "entrypoint",
        "bash",
        "pwsh",
        "powershell",
        "install",
        "before_install",
    }
)
_JENKINS_STEP = re.compile(
    r"""\b(?:sh|bat|powershell)\s*\(?\s*(?:script\s*:\s*)?(['"]{1,3})(.*?)\1""", re.S
)
_MAKE = re.compile(r"\b(make|just|task|mise run|poe|hatch run)\s+(?:-[^\s]+\s+)*([A-Za-z0-9_.:-]+)")
# Repository housekeeping: a workflow made only of these checks no code.
HOUSEKEEPING_ACTIONS = (
    "actions/stale",
    "actions/labeler",
    "actions/first-interaction",
    "release-drafter/",
    "peter-evans/",
    "github/issue-labeler",
    "dessant/",
    "amannn/action-semantic-pull-request",
)
TEST_FILES = ("test_*.py", "*_test.py", "tests.py")


def ci_files(index: RepoIndex) -> list[tuple[str, str]]:
    """(system, file) for every CI configuration in the repository."""
    return [(system, rel) for system, globs in CI_SYSTEMS.items() for rel in index.match(*globs)]


def _strings(node: Any, under_command: bool = False) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, under_command or str(key) in COMMAND_KEYS)
    elif isinstance(node, list):
        if under_command and all(isinstance(item, str) for item in node):
            yield " ".join(node)  # Cloud Build args, GitLab script lines
        for item in node:
            yield from _strings(item, under_command)
    elif isinstance(node, str) and under_command:
        yield node


def ci_commands(index: RepoIndex) -> Iterator[tuple[str, str, str]]:
    """(system, file, command) for every shell command a CI configuration runs."""
    for system, rel in ci_files(index):
        if system == "Jenkins":
            for match in _JENKINS_STEP.finditer(index.text(rel) or ""):
                yield system, rel, match.group(2)
            continue
        data = index.yaml(rel)
        for command in _strings(data):
            yield system, rel, command


def makefile_recipes(index: RepoIndex) -> dict[str, tuple[str, int, str]]:
    """target -> (file, line, recipe) from the root Makefile or justfile, mise.toml tasks and
    pyproject's poe / hatch scripts: the task runners CI steps call by name."""
    return index.fact("task_recipes", lambda: _task_recipes(index))


def _task_recipes(index: RepoIndex) -> dict[str, tuple[str, int, str]]:
    recipes: dict[str, tuple[str, int, str]] = {}
    for rel in index.match("/mise.toml", "/.mise.toml"):
        tasks = (index.toml(rel) or {}).get("tasks", {})
        for name, task in tasks.items() if isinstance(tasks, dict) else ():
            run = task.get("run", "") if isinstance(task, dict) else task
            recipes[str(name)] = (rel, _line_of(index, rel, str(name)) or 1, _flat(run))
    tool = index.pyproject.get("tool", {})
    poe = tool.get("poe", {}).get("tasks", {}) if isinstance(tool, dict) else {}
    for name, task in poe.items() if isinstance(poe, dict) else ():
        recipes.setdefault(str(name), ("pyproject.toml", 1, _flat(task)))
    for rel in index.match(*ROOT_RUNNERS):
        for target, recipe in _make_targets(index, rel).items():
            recipes.setdefault(target, recipe)
    return recipes


ROOT_RUNNERS = ("/Makefile", "/makefile", "/GNUmakefile", "/justfile")


def _make_targets(index: RepoIndex, rel: str) -> dict[str, tuple[str, int, str]]:
    recipes: dict[str, tuple[str, int, str]] = {}
    target = ""
    for number, line in enumerate(index.lines(rel), start=1):
        header = re.match(r"^([A-Za-z0-9_.-]+)(?:\s+[^:=]*)?:(?!=)", line)
        if header and not line.startswith(("\t", " ")):
            target = header.group(1)
            recipes.setdefault(target, (rel, number, ""))
        elif target and line.startswith(("\t", "    ")):
            path, start, body = recipes[target]
            recipes[target] = (path, start, body + "\n" + line.strip())
    return recipes


def _flat(task: Any) -> str:
    """A task definition (string, list or table) as the text of the commands it runs."""
    return " ".join(_strings(task, under_command=True)) if not isinstance(task, str) else task


def _line_of(index: RepoIndex, rel: str, needle: str) -> int | None:
    first = needle.strip().splitlines()[0] if needle.strip() else needle
    for number, line in enumerate(index.lines(rel), start=1):
        if first and first in line:
            return number
    return None


# A word of a CI command that names a file of the repository: `scripts/test`, `./ci.sh`.
_SCRIPT_WORD = re.compile(r"(?<![\w$/.-])(?:\./)?([A-Za-z0-9_][\w.-]*(?:/[\w.-]+)*)")


def _script_matching(
    index: RepoIndex, command: str, regex: re.Pattern[str]
) -> tuple[str, int | None, str] | None:
    """A repository script the command runs (one level, no recursion) whose text matches."""
    for word in _SCRIPT_WORD.findall(command):
        if ".." in word.split("/") or not ("/" in word or word.endswith((".sh", ".bash"))):
            continue
        if not index.has(word) or word.endswith((".yml", ".yaml", ".toml", ".txt", ".json")):
            continue
        match = regex.search(index.text(word) or "")
        if match:
            return word, _line_of(index, word, match.group(0)), match.group(0)
    return None


def runs_matching(index: RepoIndex, regex: re.Pattern[str]) -> Evidence | None:
    """Where CI runs a command matching `regex`, directly or through a Makefile target."""
    recipes: dict[str, tuple[str, int, str]] | None = None
    for system, rel, command in ci_commands(index):
        match = regex.search(command)
        if match:
            return Evidence(
                rel, _line_of(index, rel, match.group(0)), f"{system} runs {match.group(0)}"
            )
        script = _script_matching(index, command, regex)
        if script is not None:
            rel_script, line_script, found = script
            note = f"{system} runs {rel_script}, which runs {found} ({rel_script}:{line_script})"
            return Evidence(rel, _line_of(index, rel, rel_script), note)
        for runner, target in _MAKE.findall(command):
            recipes = makefile_recipes(index) if recipes is None else recipes
            recipe = recipes.get(target)
            if recipe and regex.search(recipe[2]):
                note = f"{system} runs `{runner} {target}` ({recipe[0]}:{recipe[1]})"
                line = _line_of(index, rel, f"{runner} {target}") or _line_of(index, rel, target)
                return Evidence(rel, line, note)
    return None


@detector("ci_present")
def ci_present(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when a CI configuration (any system) checks the code: it runs a command or an
    action other than repository housekeeping (stale issues, labels)."""
    files = ci_files(index)
    if not files:
        return Outcome.failed("no CI configuration (GitHub Actions, GitLab CI, Cloud Build, ...)")
    for system, rel, command in ci_commands(index):
        if command.strip():
            return Outcome.passed(f"{system}: {rel}", Evidence(rel))
    for system, rel in files:
        data = index.yaml(rel) if system != "Jenkins" else None
        uses = [u for u in _strings_under(data, "uses")]
        if system == "Jenkins" or any(not u.startswith(HOUSEKEEPING_ACTIONS) for u in uses):
            return Outcome.passed(f"{system}: {rel}", Evidence(rel))
    return Outcome.failed(
        "CI only does repository housekeeping (stale issues, labels); nothing checks the code",
        *(Evidence(rel) for _, rel in files),
    )


def _strings_under(node: Any, key: str) -> Iterator[str]:
    if isinstance(node, dict):
        for name, value in node.items():
            if name == key and isinstance(value, str):
                yield value
            yield from _strings_under(value, key)
    elif isinstance(node, list):
        for item in node:
            yield from _strings_under(item, key)


class CiRunsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pattern: str = Field(description="regex matched against every command a CI system runs")
    describe: str = ""


@detector("ci_runs_command", CiRunsParams)
def ci_runs_command(index: RepoIndex, params: CiRunsParams) -> Outcome:
    """Passes when a CI system (GitHub Actions, GitLab CI, Cloud Build, CircleCI, Azure
    Pipelines, Jenkins...) runs a command matching `pattern`, directly or through `make`."""
    files = ci_files(index)
    if not files:
        return Outcome.not_applicable("no CI configuration")
    found = runs_matching(index, compile_pattern(params.pattern))
    if found is not None:
        return Outcome.passed(found.note, found)
    broken = [rel for _, rel in files if rel in index.parse_errors]
    if broken:
        line, message = index.parse_errors[broken[0]]
        return Outcome.failed(f"{broken[0]}: {message}", Evidence(broken[0], line, message))
    what = params.describe or f"/{params.pattern}/"
    return Outcome.failed(f"no CI step runs {what}", *(Evidence(rel) for _, rel in files))


TEST_RUNNER = re.compile(
    r"pytest|py\.test|\btox\b|\bnox\b|unittest|hatch (?:run )?test|make test|manage\.py test",
    re.IGNORECASE,
)


def _local_runner(index: RepoIndex) -> Evidence | None:
    for target, (rel, line, recipe) in sorted(makefile_recipes(index).items()):
        if TEST_RUNNER.search(recipe):
            return Evidence(rel, line, f"target {target} runs the tests")
    # A service's own Makefile (backend/Makefile: `make test` from that folder) runs its tests.
    nested = [r for r in index.match(*(p.lstrip("/") for p in ROOT_RUNNERS)) if "/" in r]
    for rel in nested:
        targets = sorted(_make_targets(index, rel).items(), key=lambda t: (t[0] != "test", t[0]))
        for target, (path, line, recipe) in targets:
            if TEST_RUNNER.search(recipe):
                return Evidence(path, line, f"target {target} runs the tests")
    for rel in index.match("/tox.ini", "/noxfile.py"):
        return Evidence(rel, None, f"{rel} runs the tests")
    if "tox" in index.pyproject.get("tool", {}):
        return Evidence("pyproject.toml", None, "[tool.tox] runs the tests")
    for rel in index.match("/.pre-commit-config.yaml", "/.pre-commit-config.yml"):
        text = index.text(rel) or ""
        if TEST_RUNNER.search(text):
            return Evidence(rel, _line_of(index, rel, "pytest"), "a pre-commit hook runs the tests")
    return None


@detector("tests_run")
def tests_run(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when test files exist and something runs them: a CI job, a Makefile target,
    tox/nox or a pre-commit hook."""
    tests = [
        rel for rel in index.match(*TEST_FILES) if is_test_file(rel) or rel.endswith("_test.py")
    ]
    if not tests:
        return Outcome.failed("no test files (test_*.py or *_test.py)")
    tests.sort(key=lambda rel: (rel.count("/"), rel))
    runner = runs_matching(index, TEST_RUNNER) or _local_runner(index)
    if runner is None:
        return Outcome.failed(
            f"{len(tests)} test files but nothing runs them (no CI job, Makefile target, tox, "
            "nox or pre-commit hook)",
            Evidence(tests[0]),
        )
    return Outcome.passed(f"{len(tests)} test files; {runner.note}", Evidence(tests[0]), runner)
