"""`harness audit` driven as a user would, with exact output for JSON and Markdown."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness import __version__
from harness.cli import main
from tests.audit.project import FAILING, GOOD, write_project

GOLDEN = Path(__file__).parent / "golden"
WAIVED_CONFIG = """

[tool.harness]
fail-under = 80
fail-on = "high"

[[tool.harness.waivers]]
check = "readme-demo"
reason = "screenshots come with the first release"
expires = 2027-01-31

[[tool.harness.waivers]]
check = "license-present"
reason = "licence chosen by the client"
"""


def mixed_project(root: Path) -> Path:
    """GOOD with a few failures, one waiver in force and one removable."""
    files = {**GOOD, **FAILING["dockerfile-non-root"], **FAILING["ci-timeouts"]}
    files |= FAILING["readme-demo"]
    files["pyproject.toml"] = GOOD["pyproject.toml"] + WAIVED_CONFIG
    files["app/agent.py"] = None  # type: ignore[assignment]  # no agent: those checks are N/A
    files["app/llm.py"] = GOOD["app/llm.py"].replace("model=settings.llm_model", "model='gpt-4o'")
    return write_project(root / "mixed", files)


def check_golden(name: str, text: str) -> None:
    # The version comes from the git tag (hatch-vcs): the golden file names it, not a number.
    text = text.replace(f'"version": "{__version__}"', '"version": "<harness version>"')
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_json_output_is_exact(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["audit", str(mixed_project(tmp_path)), "--format", "json"])
    assert result.exit_code == 1, result.output
    check_golden("mixed.json", result.stdout)


def test_markdown_output_is_exact(tmp_path: Path) -> None:
    root = mixed_project(tmp_path)
    result = CliRunner().invoke(main, ["audit", str(root), "--format", "markdown"])
    assert result.exit_code == 1
    check_golden("mixed.md", result.stdout)


def test_json_report_content(tmp_path: Path) -> None:
    out = tmp_path / "reports" / "audit.json"
    result = CliRunner().invoke(
        main, ["audit", str(mixed_project(tmp_path)), "--format", "json", "--output", str(out)]
    )
    report = json.loads(out.read_text())
    assert result.exit_code == 1
    assert report["schema_version"] == "2"
    assert report["kind"] == "harness-audit"
    assert report["generated_at"] == "2026-11-01T00:00:00Z"
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses["dockerfile-non-root"] == "fail"
    assert statuses["readme-demo"] == "waived"
    assert statuses["agent-step-budget"] == "na"
    assert {w["check"]: w["state"] for w in report["waivers"]} == {
        "readme-demo": "active",
        "license-present": "removable",
    }
    non_root = next(c for c in report["checks"] if c["id"] == "dockerfile-non-root")
    assert non_root["evidence"] == [
        {"path": "Dockerfile", "line": 6, "note": "Dockerfile: the final stage runs as root"}
    ]
    assert report["result"]["reasons"] == ["dockerfile-non-root failed (high severity)"]


def test_several_formats_in_one_run(tmp_path: Path) -> None:
    root = write_project(tmp_path / "good", dict(GOOD))
    args = ["audit", str(root), "-f", f"sarif:{tmp_path}/a.sarif", "-f", f"junit:{tmp_path}/a.xml"]
    result = CliRunner().invoke(main, [*args, "-f", f"markdown:{tmp_path}/a.md"])
    assert result.exit_code == 0, result.output
    assert "Score: 100/100 (grade A)" in result.stdout  # the table still goes to the terminal
    assert (tmp_path / "a.md").read_text().startswith("## harness audit: 100/100 (A) — passed")
    assert json.loads((tmp_path / "a.sarif").read_text())["version"] == "2.1.0"
    assert (tmp_path / "a.xml").read_text().startswith('<?xml version="1.0"')


def test_fail_under_and_fail_on(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {**GOOD, **FAILING["readme-cost"]})
    runner = CliRunner()
    assert runner.invoke(main, ["audit", str(root)]).exit_code == 0
    assert runner.invoke(main, ["audit", str(root), "--fail-under", "99.5"]).exit_code == 1
    assert runner.invoke(main, ["audit", str(root), "--fail-on", "low"]).exit_code == 1
    assert runner.invoke(main, ["audit", str(root), "--fail-on", "medium"]).exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["audit", "{tmp}/missing"], "error: {tmp}/missing: no such directory"),
        (["audit", "{tmp}/empty"], "error: {tmp}/empty: no files to audit — point at a repository"),
        (["audit", "{tmp}/empty", "-f", "yaml"], "error: unknown format 'yaml' — use one of:"),
        (
            ["audit", "{tmp}/empty", "-f", "json", "-f", "sarif"],
            "error: only one format can go to standard output",
        ),
    ],
)
def test_usage_errors_exit_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(main, [a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 2
    assert result.stderr.startswith(message.format(tmp=tmp_path))
    assert result.stderr.count("\n") == 1


def test_subprocess_entry_point(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = write_project(tmp_path / "good", dict(GOOD))
    done = subprocess.run(
        [sys.executable, "-m", "harness", "audit", str(root), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["score"]["overall"] == 100.0
