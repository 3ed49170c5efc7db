"""Generate the agent-workflow template and check the project it produces, as a user's CI would.

The generated project's dependencies (light: no torch) go into ONE virtualenv per test session.
Set HARNESS_AGENT_VENV to an existing venv to skip the install while iterating. The default
answers get the full treatment (tests, ruff, hadolint, schemas, zizmor, audit); the other options
run only the checks they affect.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.templates.support import (
    REPO,
    check_other_shared_answers,
    commit_all,
    git,
    project_venv,
    run,
    static_checks,
    template_dir,
    template_repo,
)
from tests.templates.support import generate as generate_kind

TEMPLATE = template_dir("agent-workflow")


def generate(dst: Path, **data: str) -> Path:
    return generate_kind("agent-workflow", dst, **data)


@pytest.fixture(scope="session")
def agent_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return project_venv(tmp_path_factory, "agent-workflow", "HARNESS_AGENT_VENV")


@pytest.fixture(scope="module")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("gen") / "agent-workflow")


def test_template_python_is_valid_code() -> None:
    # Files without .jinja must run as they are (full-stack-fastapi-template's lesson).
    for path in (TEMPLATE / "template").rglob("*.py"):
        ast.parse(path.read_text(), filename=str(path))


def test_generated_layout(default_project: Path) -> None:
    for name in [
        "app/main.py",
        "app/core/config.py",
        "app/core/prices.json",
        "app/worker.py",
        "Dockerfile",
        "compose.yaml",
        "compose.langfuse.yaml",
        ".github/workflows/ci.yml",
        ".env.example",
        "Makefile",
        "README.md",
        "LICENSE",
        "docs/screenshot.png",
        "evals/dataset.jsonl",
        ".copier-answers.yml",
        "requirements.txt",
    ]:
        assert (default_project / name).is_file(), name
    readme = (default_project / "README.md").read_text()
    for marker in [
        "<!-- harness:badges:start -->",
        "<!-- harness:badges:end -->",
        "```mermaid",
        "## Problem",
        "## Architecture",
        "## Decisions",
        "## What didn't work",
        "## Eval results",
        "## Cost analysis",
    ]:
        assert marker in readme, marker
    assert (default_project / "app/core/prices.json").read_bytes() == (
        REPO / "harness/data/prices.json"
    ).read_bytes()
    assert "{{" not in (default_project / "pyproject.toml").read_text()
    assert "torch" not in (default_project / "requirements.txt").read_text().split("\n", 1)[1]


def test_dataset_matches_the_eval_contract(default_project: Path) -> None:
    from harness.eval.dataset import load_dataset

    dataset = load_dataset(default_project / "evals" / "dataset.jsonl")
    assert dataset.n >= 20
    assert all(s.expected_tool_calls is not None and s.expected_outcome for s in dataset.samples)
    outcomes = {s.expected_outcome for s in dataset.samples}
    assert {"refunded", "refund_rejected", "escalated", "resolved"} <= outcomes


@pytest.mark.slow
def test_default_project_checks(default_project: Path, agent_venv: Path) -> None:
    bin_dir = agent_venv / "bin"
    static_checks(default_project, bin_dir, compose=("compose.yaml", "compose.langfuse.yaml"))
    # Chromium is on this machine and on CI: without it the page's test must fail, not skip.
    env = {}
    if shutil.which("chromium") or os.environ.get("CHROME_BIN"):
        env["TEST_REQUIRE_BROWSER"] = "1"
    out = run([str(bin_dir / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
              cwd=default_project, env=env)  # fmt: skip
    assert " passed" in out and " failed" not in out


@pytest.mark.slow
def test_default_project_audit(default_project: Path, tmp_path: Path) -> None:
    report = tmp_path / "audit.json"
    run(
        [sys.executable, "-m", "harness", "audit", str(default_project), "--fail-under", "90",
         "--fail-on", "high", "--format", f"json:{report}"],
        cwd=REPO,
    )  # fmt: skip
    assert report.is_file() and json.loads(report.read_text())


@pytest.mark.slow
def test_other_shared_answers(tmp_path: Path, agent_venv: Path) -> None:
    """Python 3.13, no tracing, no CI, an OpenAI-compatible server: the project's tests pass."""
    check_other_shared_answers("agent-workflow", tmp_path / "proj", agent_venv)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("provider", "checkpointer"),
    [("openai", "postgres"), ("anthropic", "sqlite"), ("openai-compatible", "sqlite")],
)
def test_other_options(tmp_path: Path, agent_venv: Path, provider: str, checkpointer: str) -> None:
    project = generate(tmp_path / "proj", llm_provider=provider, checkpointer=checkpointer)
    env_example = (project / ".env.example").read_text()
    assert f"LLM_PROVIDER={provider}\n" in env_example
    assert f"CHECKPOINTER={checkpointer}\n" in env_example
    bin_dir = agent_venv / "bin"
    py = str(bin_dir / "python")
    run([str(bin_dir / "ruff"), "check", "."], cwd=project)
    # The generated .env.example must load as-is in development.
    (project / ".env").write_text(env_example)
    run([py, "-c", "from app.core.config import get_settings; get_settings()"], cwd=project)
    (project / ".env").unlink()
    # Only the tests the option affects: its provider's paths; the PostgreSQL checkpointer.
    selected = ["tests/test_providers.py", "-k", provider]
    if checkpointer == "postgres":
        selected = ["tests/test_providers.py", "tests/test_restart.py", "-k",
                    f"{provider} or postgres"]  # fmt: skip
    out = run([py, "-m", "pytest", "-q", "-p", "no:cacheprovider", *selected], cwd=project)
    assert " passed" in out and " failed" not in out


_TARGET_ALL = """
import json, sys
from app.evaluation import target
rows = [json.loads(line) for line in open("evals/dataset.jsonl") if line.strip()]
print(json.dumps({row["id"]: target(row) for row in rows}))
"""


@pytest.mark.slow
def test_eval_target_scores_with_the_harness_metrics(
    default_project: Path, agent_venv: Path, tmp_path: Path
) -> None:
    """The project's target, scored by harness.eval's own agent metrics, meets its thresholds.

    (`harness eval` itself needs the eval extra; this checks the same contract without it.)
    """
    import tomllib

    from harness.eval.agent_metrics import task_success, tool_call_f1
    from harness.eval.dataset import ToolCall, load_dataset

    out = run([str(agent_venv / "bin" / "python"), "-c", _TARGET_ALL], cwd=default_project,
              env={"DATA_DIR": str(tmp_path / "data"), "ENVIRONMENT": "test"})  # fmt: skip
    results = json.loads(out.strip().splitlines()[-1])
    dataset = load_dataset(default_project / "evals" / "dataset.jsonl")
    success, f1 = [], []
    for sample in dataset.samples:
        result = results[sample.id]
        calls = [ToolCall(c["name"], c["args"]) for c in result["tool_calls"]]
        success.append(task_success(sample.expected_outcome, result["outcome"]))
        f1.append(tool_call_f1(sample.expected_tool_calls, calls))
    config = tomllib.loads((default_project / "pyproject.toml").read_text())
    thresholds = config["tool"]["harness"]["eval"]["thresholds"]
    assert sum(success) / len(success) >= thresholds["task_success"]
    assert sum(f1) / len(f1) >= thresholds["tool_call_f1"]


@pytest.mark.slow
def test_update_keeps_user_work_and_the_tests_still_pass(tmp_path: Path, agent_venv: Path) -> None:
    """Generate from an older template version, work on the project as a user would (a new
    route, a README section, a setting), let the template move on, `harness update`: the user's
    work survives, the template's change arrives, no conflicts, and the project's tests pass."""
    source = template_repo(tmp_path / "source")
    project = tmp_path / "proj"
    harness = [sys.executable, "-m", "harness"]
    run([*harness, "new", "agent-workflow", str(project), "--source", str(source), "--vcs-ref",
         "v1.0.0"], cwd=tmp_path)  # fmt: skip
    git(project, "init", "-q", "-b", "main")
    commit_all(project, "generated")

    (project / "app/api/routes/ping.py").write_text(
        '"""A route the user added."""\n\nfrom fastapi import APIRouter\n\nrouter = APIRouter()'
        '\n\n\n@router.get("/ping")\ndef ping() -> dict[str, str]:\n    return {"ping": "pong"}\n'
    )
    api_main = project / "app/api/main.py"
    api_main.write_text(
        api_main.read_text()
        .replace("import approvals, health,", "import approvals, health, ping,")
        .replace("(health, tickets,", "(health, ping, tickets,")
    )
    (project / "tests/test_ping.py").write_text(
        "from fastapi.testclient import TestClient\n\n\n"
        "def test_ping(client: TestClient) -> None:\n"
        '    assert client.get("/ping").json() == {"ping": "pong"}\n'
    )
    readme = project / "README.md"
    readme.write_text(
        readme.read_text().replace("## Problem\n", "## Problem\n\nOur team's own words.\n")
    )
    env_example = project / ".env.example"
    env_example.write_text(env_example.read_text() + "# the user's note\nMAX_STEPS=12\n")
    commit_all(project, "user work")

    makefile = source / "templates/agent-workflow/template/Makefile"
    makefile.write_text(makefile.read_text() + "\nsmoke:  ## added in v2\n\techo smoke\n")
    commit_all(source, "templates v2", tag="v2.0.0")

    out = run([*harness, "update", str(project), "--vcs-ref", "v2.0.0"], cwd=tmp_path)
    assert out.splitlines()[0].endswith("; 0 with conflicts"), out
    assert "echo smoke" in (project / "Makefile").read_text()
    assert "ping," in api_main.read_text()
    assert "Our team's own words." in readme.read_text()
    assert env_example.read_text().endswith("MAX_STEPS=12\n")
    tests = run([str(agent_venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                 "tests/test_ping.py", "tests/test_api.py"], cwd=project)  # fmt: skip
    assert " passed" in tests and " failed" not in tests
