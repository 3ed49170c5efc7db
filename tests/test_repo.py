"""The repository keeps its promises: README's test command is what CI runs, and it sets up
everything CI relies on; the harness passes its own audit."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import yaml
from click.testing import CliRunner

from harness.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "test"


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    first_screen = text.split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", first_screen)


def commands(path: Path) -> list[str]:
    """The shell lines of a script, without comments and blank lines."""
    lines = (line.strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def test_readme_first_screen_has_install_test_and_fast_loop_commands() -> None:
    install, test, fast = readme_commands()[:3]
    assert "pip install" in install and "harness audit" in install
    assert test == "scripts/test"
    assert fast == 'scripts/test -m "not slow"'


def test_ci_runs_the_readme_test_command_and_nothing_else() -> None:
    assert commands(ROOT / ".ci" / "run") == [
        "set -euo pipefail",
        'cd "$(dirname "$0")/.."',
        "rm -rf .venv",  # a fresh venv: the script installs one when it is missing
        readme_commands()[1],
    ]


def test_the_test_command_sets_up_what_ci_relies_on() -> None:
    script = "\n".join(commands(SCRIPT))
    for needed in (
        "if ! answers 5432; then",  # PostgreSQL, started when nothing answers
        "pg_ctlcluster --skip-systemctl-redirect",
        "if ! answers 6379; then",  # Redis, started when nothing answers
        "redis-server --daemonize yes",
        "apt-get install -y -qq chromium chromium-driver",
        "engine=../shared/docker/engine.sh",  # the Docker engine, before any test runs
        '-c requirements-ci.lock -e ".[dev,eval]"',
        'python -m pytest "$@"',
    ):
        assert needed in script, needed
    assert script.index('bash "$engine"') < script.index("python -m pytest")
    assert SCRIPT.stat().st_mode & 0o111, "scripts/test must be executable"


def test_this_repositorys_ci_runs_the_readme_test_command() -> None:
    workflow = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())
    runs = [step.get("run", "") for step in workflow["jobs"]["test"]["steps"]]
    assert readme_commands()[1] in runs


def test_every_marker_the_suite_uses_is_registered() -> None:
    pytest_config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    registered = {m.split(":")[0] for m in pytest_config["ini_options"]["markers"]}
    assert {"slow", "docker"} <= registered
    assert "--strict-markers" in pytest_config["ini_options"]["addopts"]


def test_harness_passes_its_own_audit() -> None:
    result = CliRunner().invoke(main, ["audit", str(ROOT), "--format", "json", "--fail-on", "high"])
    report = json.loads(result.stdout)
    failing = [(c["id"], c["message"]) for c in report["checks"] if c["status"] == "fail"]
    assert failing == []
    assert result.exit_code == 0
