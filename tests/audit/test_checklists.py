"""Checklists as data: user files, validation errors, the schema, entry-point detectors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.audit.checklist import builtin_dir, schema
from harness.cli import main
from tests.audit.project import GOOD, PYPROJECT, write_project

USER_CHECKLIST = """\
checklist: team
title: Team rules
checks:
  - id: team-changelog
    title: A changelog is kept
    category: portfolio
    severity: low
    applies_to: [python]
    detector: file_exists
    params: {any_of: ["/CHANGELOG.md"]}
    rationale: Reviewers read the changelog to see how the project moved.
    remediation: Add CHANGELOG.md in the Keep a Changelog format.
    docs: https://keepachangelog.com/
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_user_checklist_from_flag_and_from_config(tmp_path: Path) -> None:
    root = write_project(tmp_path / "repo", dict(GOOD))
    extra = tmp_path / "team.yml"
    extra.write_text(USER_CHECKLIST)
    _, out, _ = run("audit", str(root), "--checklist", str(extra), "--format", "json")
    check = next(c for c in json.loads(out)["checks"] if c["id"] == "team-changelog")
    assert check["status"] == "fail"
    (root / "ops").mkdir()
    (root / "ops" / "team.yml").write_text(USER_CHECKLIST)
    (root / "CHANGELOG.md").write_text("# Changelog\n")
    config = '\n[tool.harness]\nchecklists = ["ops/team.yml"]\n'
    (root / "pyproject.toml").write_text(PYPROJECT + config)
    _, out, _ = run("audit", str(root), "--format", "json")
    check = next(c for c in json.loads(out)["checks"] if c["id"] == "team-changelog")
    assert check["status"] == "pass"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("severity: low", "severity: dire"),
            "error: {path}: item team-changelog field severity: Input should be 'low', 'medium', "
            "'high' or 'critical'",
        ),
        (
            ("    docs: https://keepachangelog.com/\n", ""),
            "error: {path}: item team-changelog field docs: Field required",
        ),
        (
            ("detector: file_exists", "detector: crystal_ball"),
            "error: {path}: item team-changelog field detector: unknown detector 'crystal_ball'",
        ),
        (
            ("any_of:", "none_of:"),
            "error: {path}: item team-changelog field params.any_of: Field required",
        ),
        (
            ("title: Team rules", "title: [unclosed"),
            "error: {path}:3: invalid YAML (expected ',' or ']', but got ':')",
        ),
        (
            ("id: team-changelog", "id: dockerfile-non-root"),
            "error: check id 'dockerfile-non-root' is defined by both production and team",
        ),
    ],
)
def test_bad_checklist_is_one_line_naming_file_item_field(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    path = tmp_path / "team.yml"
    path.write_text(USER_CHECKLIST.replace(*edit))
    root = write_project(tmp_path / "repo", dict(GOOD))
    code, _, stderr = run("audit", str(root), "--checklist", str(path))
    assert code == 2
    assert stderr.startswith(message.format(path=path)), stderr
    assert stderr.count("\n") == 1


def test_checklists_list_and_show() -> None:
    code, out, _ = run("checklists")
    assert code == 0
    assert "54 checks" in out
    assert "dockerfile-non-root" in out
    code, out, _ = run("checklists", "show", "llm-call-timeout")
    assert out.splitlines()[:5] == [
        "llm-call-timeout: Every LLM call has a timeout",
        "category: llm",
        "severity: high",
        "applies to: llm",
        "detector: llm_call_policy",
    ]
    code, _, err = run("checklists", "show", "nope")
    assert code == 2
    assert err == "error: no check 'nope' — run `harness checklists` to list them\n"


def test_shipped_schema_matches_the_model() -> None:
    shipped = json.loads((builtin_dir() / "checklist.schema.json").read_text())
    assert shipped == schema()
    _, out, _ = run("checklists", "--schema")
    assert json.loads(out) == schema()


def test_detectors_register_through_entry_points(tmp_path: Path) -> None:
    """A third-party package's detector, found through the `harness.detectors` group."""
    site = tmp_path / "site"
    (site / "teamdetectors").mkdir(parents=True)
    (site / "teamdetectors" / "__init__.py").write_text(
        "from harness.audit.model import Outcome\n"
        "def has_codeowners(index, params):\n"
        "    '''Passes when CODEOWNERS exists.'''\n"
        "    if index.match('CODEOWNERS'):\n"
        "        return Outcome.passed('found CODEOWNERS')\n"
        "    return Outcome.failed('no CODEOWNERS')\n"
    )
    dist = site / "teamdetectors-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: teamdetectors\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[harness.detectors]\ncodeowners = teamdetectors:has_codeowners\n"
    )
    checklist = tmp_path / "owners.yml"
    checklist.write_text(
        USER_CHECKLIST.replace("detector: file_exists", "detector: codeowners").replace(
            '    params: {any_of: ["/CHANGELOG.md"]}\n', ""
        )
    )
    root = write_project(tmp_path / "repo", {**GOOD, "CODEOWNERS": "* @team\n"})
    done = subprocess.run(
        [sys.executable, "-m", "harness", "audit", str(root), "--checklist", str(checklist),
         "--format", "json"],
        capture_output=True, text=True, check=False,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    check = next(c for c in json.loads(done.stdout)["checks"] if c["id"] == "team-changelog")
    assert (check["status"], check["message"]) == ("pass", "found CODEOWNERS")
