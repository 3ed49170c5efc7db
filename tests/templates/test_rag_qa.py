"""Generate the rag-qa template and check the project it produces, as a user's CI would.

The generated project's dependencies go into ONE virtualenv per test session (torch 2.13.0
first, the CPU build), reused by every option combination. Set HARNESS_TEMPLATE_VENV to an
existing venv to skip the install while iterating. The default answers get the full treatment;
the other options run only the checks they affect.
"""

from __future__ import annotations

import ast
import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.templates.support import (
    REPO,
    check_other_shared_answers,
    run,
    static_checks,
    template_dir,
)
from tests.templates.support import generate as generate_kind
from tests.templates.support import project_venv as make_venv

TEMPLATE = template_dir("rag-qa")


def generate(dst: Path, **data: str) -> Path:
    return generate_kind("rag-qa", dst, **data)


@pytest.fixture(scope="session")
def project_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_venv(tmp_path_factory, "rag-qa", "HARNESS_TEMPLATE_VENV", torch=True)


@pytest.fixture(scope="module")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("gen") / "rag-qa")


def test_shared_files_in_sync() -> None:
    run([sys.executable, str(REPO / "templates" / "_shared" / "sync.py"), "--check"], cwd=REPO)


def test_template_python_is_valid_code() -> None:
    # Files without .jinja must run as they are (full-stack-fastapi-template's lesson).
    for path in (TEMPLATE / "template").rglob("*.py"):
        ast.parse(path.read_text(), filename=str(path))


def test_generated_layout(default_project: Path) -> None:
    for name in [
        "app/main.py",
        "app/core/config.py",
        "app/core/prices.json",
        "Dockerfile",
        "compose.yaml",
        ".github/workflows/ci.yml",
        ".env.example",
        "Makefile",
        "README.md",
        "LICENSE",
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


@pytest.mark.slow
def test_default_project_checks(default_project: Path, project_venv: Path) -> None:
    bin_dir = project_venv / "bin"
    py = str(bin_dir / "python")
    static_checks(default_project, bin_dir)
    # Chromium is on this machine and on CI: the page's tests must run, not skip.
    env = {}
    if shutil.which("chromium") or os.environ.get("CHROME_BIN"):
        env["TEST_REQUIRE_BROWSER"] = "1"
    out = run([py, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=default_project, env=env)
    assert " passed" in out and " failed" not in out


@pytest.mark.slow
def test_default_project_audit(default_project: Path) -> None:
    run(
        [
            sys.executable,
            "-m",
            "harness",
            "audit",
            str(default_project),
            "--fail-under",
            "90",
            "--fail-on",
            "high",
        ],
        cwd=REPO,
    )


@pytest.mark.slow
def test_other_shared_answers(tmp_path: Path, project_venv: Path) -> None:
    """Python 3.13, no tracing, no CI, an OpenAI-compatible server: the project's tests pass."""
    check_other_shared_answers("rag-qa", tmp_path / "proj", project_venv)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("provider", "store"),
    [("openai", "pgvector"), ("anthropic", "sqlite"), ("openai-compatible", "sqlite")],
)
def test_other_options(tmp_path: Path, project_venv: Path, provider: str, store: str) -> None:
    project = generate(tmp_path / "proj", llm_provider=provider, vector_store=store)
    env_example = (project / ".env.example").read_text()
    assert f"LLM_PROVIDER={provider}\n" in env_example
    assert f"VECTOR_STORE={store}\n" in env_example
    bin_dir = project_venv / "bin"
    run([str(bin_dir / "ruff"), "check", "."], cwd=project)
    run(
        [
            str(bin_dir / "check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            "compose.yaml",
        ],
        cwd=project,
    )
    # The generated .env.example must load as-is in development.
    (project / ".env").write_text(env_example)
    run(
        [str(bin_dir / "python"), "-c", "from app.core.config import get_settings; get_settings()"],
        cwd=project,
    )
    # Only the tests the option affects: its provider's paths; the pgvector store.
    (project / ".env").unlink()
    selected = ["tests/test_providers.py", "-k", provider]
    if store == "pgvector":
        selected = [
            "tests/test_providers.py",
            "tests/test_pgvector.py",
            "-k",
            f"{provider} or pgvector or store or api_on",
        ]
    out = run(
        [str(bin_dir / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", *selected],
        cwd=project,
    )
    assert " passed" in out and " failed" not in out


@pytest.mark.slow
def test_whole_loop_audit_eval_badge(
    default_project: Path, project_venv: Path, tmp_path: Path
) -> None:
    """The flagship loop on a fresh project, as its CI runs it: audit, eval (offline, no key,
    retrieval metrics need no ragas), then badges written into the README."""
    import json
    import shutil

    project = tmp_path / "proj"
    shutil.copytree(default_project, project)
    bin_dir = project_venv / "bin"
    run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(REPO)], cwd=tmp_path)
    harness = str(bin_dir / "harness")
    offline = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    run([harness, "audit", ".", "--format", f"json:{tmp_path}/audit.json", "--fail-under", "90",
         "--fail-on", "high"], cwd=project)  # fmt: skip
    run([harness, "eval", ".", "--metrics", "retrieval", "--threshold", "hit@5=0.9",
         "--min-coverage", "1.0", "--json", f"{tmp_path}/eval.json", "--quiet"],
        cwd=project, env=offline)  # fmt: skip
    report = json.loads((tmp_path / "eval.json").read_text())
    assert report["dataset"]["n"] >= 20
    assert report["metrics"]["hit@5"]["coverage"] == 1.0
    assert report["metrics"]["hit@5"]["mean"] >= 0.9
    run([harness, "badge", "--audit", f"{tmp_path}/audit.json", "--eval", f"{tmp_path}/eval.json",
         "--out", "badges", "--readme", "README.md"], cwd=project)  # fmt: skip
    readme = (project / "README.md").read_text()
    block = readme.split("<!-- harness:badges:start -->")[1].split("<!-- harness:badges:end -->")[0]
    assert "badges/audit.svg" in block
    assert "badges/eval-hit-5.svg" in block
    assert (project / "badges" / "audit.svg").is_file()


@pytest.mark.slow
def test_composite_action_audits_the_generated_project(
    default_project: Path, tmp_path: Path
) -> None:
    """The root action.yml's shell steps, run locally against the generated project."""
    from tests.badge.action_runner import audit_with_action

    action = audit_with_action(default_project, tmp_path, formats="sarif markdown", **{
        "fail-under": "90"})  # fmt: skip
    outputs = action.outputs["audit"]
    assert outputs["exit-code"] == "0", action.step("Run harness audit").stdout
    assert float(outputs["score"]) >= 90
    assert action.summary.startswith("## harness audit: ")
    assert (tmp_path / "out" / "harness.sarif").is_file()
