"""templates/_shared/sync.py on a copy of the templates: a diverging copy fails the check unless
the template declares the override, with a reason, in its overrides.yml."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.templates.support import REPO

DOCKERFILE = "templates/agent-workflow/template/Dockerfile.jinja"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".ruff_cache")
    shutil.copytree(REPO / "templates", copy / "templates", ignore=ignore)
    (copy / "harness" / "data").mkdir(parents=True)
    shutil.copy2(REPO / "harness" / "data" / "prices.json", copy / "harness" / "data")
    return copy


def sync(repo: Path, *args: str) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, str(repo / "templates/_shared/sync.py"), *args],
                          capture_output=True, text=True, check=False)  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def declare(repo: Path, text: str) -> None:
    (repo / "templates/agent-workflow/overrides.yml").write_text(text)


def test_a_diverging_copy_fails_until_declared(repo: Path) -> None:
    assert sync(repo, "--check") == (0, "", "")
    dockerfile = repo / DOCKERFILE
    own = dockerfile.read_text() + "RUN echo agent-only\n"
    dockerfile.write_text(own)
    assert sync(repo, "--check") == (1, "", f"out of sync: {DOCKERFILE}\n")

    declare(repo, "Dockerfile.jinja: the agent image needs a worker entry point\n")
    listed = "override: agent-workflow/template/Dockerfile.jinja (the agent image needs a worker "
    assert sync(repo, "--check") == (0, listed + "entry point)\n", "")
    code, out, _ = sync(repo)  # writing the copies leaves a declared override alone
    assert code == 0 and "updated" not in out
    assert dockerfile.read_text() == own


@pytest.mark.parametrize(
    ("declared", "problem"),
    [
        ("Dockerfile.jinja:\n", "Dockerfile.jinja gives no reason"),
        ("Dockerfile: typo\n", "Dockerfile is not a shared file"),
        ("Makefile: kept\n", "Makefile is identical to the shared file: remove the override"),
    ],
)
def test_a_bad_override_is_an_error(repo: Path, declared: str, problem: str) -> None:
    declare(repo, declared)
    code, _, err = sync(repo, "--check")
    assert code == 1
    assert err.splitlines()[0] == f"bad override: agent-workflow/overrides.yml: {problem}"


def test_an_override_of_a_missing_file_is_an_error(repo: Path) -> None:
    (repo / DOCKERFILE).unlink()
    declare(repo, "Dockerfile.jinja: own image\n")
    code, _, err = sync(repo, "--check")
    assert code == 1
    assert err.splitlines()[0] == (
        "bad override: agent-workflow/overrides.yml: Dockerfile.jinja is declared but the "
        "template has no such file"
    )


def test_a_file_for_some_templates_reaches_only_those(repo: Path) -> None:
    # The app screenshot helper serves the two templates with a scripts/screenshot.py.
    copies = {kind: repo / "templates" / kind / "template/scripts/app_screenshot.py"
              for kind in ("rag-qa", "agent-workflow", "production-app")}  # fmt: skip
    for copy in copies.values():
        copy.unlink(missing_ok=True)
    assert sync(repo, "--check")[0] == 1
    code, out, _ = sync(repo)
    assert code == 0
    assert sorted(line for line in out.splitlines() if line.startswith("updated")) == [
        "updated templates/production-app/template/scripts/app_screenshot.py",
        "updated templates/rag-qa/template/scripts/app_screenshot.py",
    ]
    assert not copies["agent-workflow"].exists()
    assert sync(repo, "--check") == (0, "", "")
