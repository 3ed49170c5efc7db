"""The repository keeps its promises: README's test command is what CI runs, and the harness
passes its own audit."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from harness.cli import main

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    first_screen = text.split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", first_screen)


def test_readme_first_screen_has_install_and_test_commands() -> None:
    install, test = readme_commands()[:2]
    assert "pip install" in install and "harness audit" in install
    assert test == "python -m pytest"


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_command = readme_commands()[1]
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines


def test_harness_passes_its_own_audit() -> None:
    result = CliRunner().invoke(main, ["audit", str(ROOT), "--format", "json", "--fail-on", "high"])
    report = json.loads(result.stdout)
    failing = [(c["id"], c["message"]) for c in report["checks"] if c["status"] == "fail"]
    assert failing == []
    assert result.exit_code == 0
