"""Generate the production-app template and check the project it produces, as a user's CI would.

The generated project's dependencies (light: no torch) go into ONE virtualenv per test session;
set HARNESS_PROD_VENV to an existing venv to skip the install while iterating. The default
answers get the full treatment: the project's own tests against the real PostgreSQL and Redis
(POSTGRES_TEST_URL / REDIS_TEST_URL, defaults 127.0.0.1) and headless Chromium, ruff, hadolint,
compose/workflow schemas, zizmor and harness audit. The other options run only what they affect.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.templates.support import (
    REPO,
    check_other_shared_answers,
    project_venv,
    run,
    static_checks,
    template_dir,
)
from tests.templates.support import generate as generate_kind

TEMPLATE = template_dir("production-app")


def generate(dst: Path, **data: str) -> Path:
    return generate_kind("production-app", dst, **data)


@pytest.fixture(scope="session")
def prod_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return project_venv(tmp_path_factory, "production-app", "HARNESS_PROD_VENV")


@pytest.fixture(scope="module")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("gen") / "production-app")


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
        "alembic.ini",
        "alembic/env.py",
        "Dockerfile",
        "compose.yaml",
        "deploy/caddy/Caddyfile",
        "deploy/prometheus/prometheus.yml",
        "deploy/grafana/dashboards/app.json",
        "deploy/grafana/provisioning/datasources/prometheus.yml",
        "render.yaml",
        "loadtest/load.py",
        ".github/workflows/ci.yml",
        ".github/dependabot.yml",
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
    assert not (default_project / "fly.toml").exists()
    assert not (default_project / "railway.json").exists()
    readme = (default_project / "README.md").read_text()
    for marker in [
        "<!-- harness:badges:start -->",
        "<!-- harness:badges:end -->",
        "<!-- cost-report:start -->",
        "```mermaid",
        "## Problem",
        "## Architecture",
        "## Decisions",
        "## What didn't work",
        "## Eval results",
        "## Cost analysis",
        "**Render**",
    ]:
        assert marker in readme, marker
    assert (default_project / "app/core/prices.json").read_bytes() == (
        REPO / "harness/data/prices.json"
    ).read_bytes()
    assert "{{" not in (default_project / "pyproject.toml").read_text()
    requirements = (default_project / "requirements.txt").read_text().splitlines()
    assert not [line for line in requirements if line.startswith("torch")]
    compose = yaml.safe_load((default_project / "compose.yaml").read_text())
    assert {"app", "worker", "postgres", "redis", "prometheus", "grafana", "caddy"} <= set(
        compose["services"]
    )
    json.loads((default_project / "deploy/grafana/dashboards/app.json").read_text())
    yaml.safe_load((default_project / "render.yaml").read_text())


def test_dataset_matches_the_eval_contract(default_project: Path) -> None:
    from harness.eval.dataset import load_dataset

    dataset = load_dataset(default_project / "evals" / "dataset.jsonl")
    assert dataset.n >= 10
    assert all(sample.reference for sample in dataset.samples)


@pytest.mark.slow
def test_default_project_checks(default_project: Path, prod_venv: Path) -> None:
    bin_dir = prod_venv / "bin"
    static_checks(default_project, bin_dir)
    # PostgreSQL, Redis and Chromium are on this machine and on CI: their absence is a failure.
    env = {"TEST_REQUIRE_SERVERS": "1"}
    if shutil.which("chromium") or os.environ.get("CHROME_BIN"):
        env["TEST_REQUIRE_BROWSER"] = "1"
    out = run(
        [str(bin_dir / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=default_project,
        env=env,
    )
    assert " passed" in out and " failed" not in out and " skipped" not in out, out[-2000:]


@pytest.mark.slow
def test_default_project_audit(default_project: Path) -> None:
    run(
        [sys.executable, "-m", "harness", "audit", str(default_project),
         "--fail-under", "90", "--fail-on", "high"],
        cwd=REPO,
    )  # fmt: skip


@pytest.mark.slow
def test_other_shared_answers(tmp_path: Path, prod_venv: Path) -> None:
    """Python 3.13, no tracing, no CI, an OpenAI-compatible server: the project's tests pass."""
    check_other_shared_answers("production-app", tmp_path / "proj", prod_venv)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("paas", "provider"),
    [("fly", "openai"), ("railway", "anthropic"), ("render", "openai-compatible")],
)
def test_other_options(tmp_path: Path, prod_venv: Path, paas: str, provider: str) -> None:
    project = generate(tmp_path / "proj", paas=paas, llm_provider=provider)
    deploy_files = {"render": "render.yaml", "fly": "fly.toml", "railway": "railway.json"}
    for name, path in deploy_files.items():
        assert (project / path).exists() == (name == paas), path
    if paas == "fly":
        assert tomllib.loads((project / "fly.toml").read_text())["app"] == "writing-assistant"
    elif paas == "railway":
        assert json.loads((project / "railway.json").read_text())["deploy"]["healthcheckPath"]
    env_example = (project / ".env.example").read_text()
    assert f"LLM_PROVIDER={provider}\n" in env_example
    bin_dir = prod_venv / "bin"
    run([str(bin_dir / "ruff"), "check", "."], cwd=project)
    run([str(bin_dir / "ruff"), "format", "--check", "."], cwd=project)
    # The generated .env.example must load as-is in development.
    (project / ".env").write_text(env_example)
    run(
        [str(bin_dir / "python"), "-c", "from app.core.config import get_settings; get_settings()"],
        cwd=project,
    )
    (project / ".env").unlink()
    # Only the tests the options affect: the provider paths and the settings.
    out = run(
        [str(bin_dir / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_providers.py", "tests/test_metrics_config.py", "-k",
         "provider or secrets or contract"],
        cwd=project,
    )  # fmt: skip
    assert " passed" in out and " failed" not in out
