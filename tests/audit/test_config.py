"""[tool.harness] in the audited repo: select/ignore, exclude, waivers, bad config."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from harness.cli import main
from tests.audit.project import FAILING, GOOD, PYPROJECT, write_project


def audit(root: Path, *args: str) -> tuple[int, dict[str, object], str]:
    result = CliRunner().invoke(main, ["audit", str(root), "--format", "json", *args])
    report = json.loads(result.stdout) if result.stdout.startswith("{") else {}
    return result.exit_code, report, result.stderr


def statuses(report: dict[str, object]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in report["checks"]}  # type: ignore[attr-defined]


def with_config(tmp_path: Path, config: str, **failing: bool) -> Path:
    files = dict(GOOD)
    for check_id in failing:
        files |= FAILING[check_id.replace("_", "-")]
    files["pyproject.toml"] = PYPROJECT + "\n[tool.harness]\n" + config
    return write_project(tmp_path / "repo", files)


def test_select_and_ignore(tmp_path: Path) -> None:
    root = with_config(tmp_path, 'select = ["ci", "license-present"]\nignore = ["ci-timeouts"]\n')
    _, report, _ = audit(root)
    assert sorted(statuses(report)) == [
        "ci-actions-pinned", "ci-eval-gate", "ci-least-permissions", "ci-runs-lint",
        "ci-runs-tests", "ci-workflow-present", "dependency-updates", "license-present",
        "tests-present",
    ]  # fmt: skip
    _, report, _ = audit(root, "--ignore", "ci")
    assert sorted(statuses(report)) == ["license-present"]


def test_exclude_keeps_paths_out_of_the_index(tmp_path: Path) -> None:
    root = with_config(tmp_path, 'exclude = ["vendor/**"]\n')
    (root / "vendor").mkdir()
    (root / "vendor" / "bad.py").write_text('KEY = "' + "AKIA" + "ABCDEFGHIJKLMNOP" + '"\n')
    _, report, _ = audit(root)
    assert statuses(report)["no-secrets-in-code"] == "pass"


def test_waiver_with_paths_covers_only_those_paths(tmp_path: Path) -> None:
    config = (
        '[[tool.harness.waivers]]\ncheck = "dockerfile-non-root"\n'
        'reason = "the worker image needs root for now"\npaths = ["worker/**"]\n'
    )
    root = with_config(tmp_path, config)
    (root / "worker").mkdir()
    (root / "worker" / "Dockerfile").write_text("FROM python:3.12-slim AS a\nFROM a\n")
    _, report, _ = audit(root)
    assert statuses(report)["dockerfile-non-root"] == "waived"
    (root / "Dockerfile").write_text(GOOD["Dockerfile"].replace("USER app\n", ""))
    _, report, _ = audit(root)
    check = next(c for c in report["checks"] if c["id"] == "dockerfile-non-root")  # type: ignore[attr-defined]
    assert check["status"] == "fail"
    assert [e["path"] for e in check["evidence"]] == ["Dockerfile"]


def test_expired_waiver_fails_the_check_and_the_run(tmp_path: Path) -> None:
    config = (
        '[[tool.harness.waivers]]\ncheck = "readme-cost"\nreason = "costs come later"\n'
        "expires = 2026-10-01\n"
    )
    root = with_config(tmp_path, config, readme_cost=True)
    code, report, _ = audit(root)
    assert code == 1
    assert statuses(report)["readme-cost"] == "fail"
    assert report["result"]["reasons"] == ["readme-cost: waiver expired on 2026-10-01"]  # type: ignore[index]
    assert report["waivers"] == [
        {"reason": "costs come later", "paths": [], "expires": "2026-10-01",
         "check": "readme-cost", "state": "expired"}
    ]  # fmt: skip


def test_waiver_not_yet_expired_waives(tmp_path: Path) -> None:
    config = (
        '[[tool.harness.waivers]]\ncheck = "readme-cost"\nreason = "costs come later"\n'
        "expires = 2026-12-01\n"
    )
    code, report, _ = audit(with_config(tmp_path, config, readme_cost=True))
    assert code == 0
    assert statuses(report)["readme-cost"] == "waived"


def test_bad_config_is_one_line_exit_2(tmp_path: Path) -> None:
    code, _, stderr = audit(with_config(tmp_path, "fail-under = 150\n"))
    assert code == 2
    assert stderr == (
        "error: pyproject.toml [tool.harness] fail-under: Input should be less than or equal to "
        "100 — fix the setting (see README: Configuration)\n"
    )
    code, _, stderr = audit(with_config(tmp_path, "colour = 1\n"))
    assert code == 2
    assert stderr.startswith("error: pyproject.toml [tool.harness] colour: Extra inputs")


def test_fail_under_from_config_and_cli_override(tmp_path: Path) -> None:
    root = with_config(tmp_path, "fail-under = 99.9\n", readme_cost=True)
    assert audit(root)[0] == 1
    assert audit(root, "--fail-under", "50")[0] == 0


def test_harness_toml_is_read(tmp_path: Path) -> None:
    root = write_project(tmp_path / "repo", {**GOOD, "harness.toml": 'select = ["security"]\n'})
    _, report, _ = audit(root)
    assert set(statuses(report)) == {
        "no-env-committed", "no-secrets-in-code", "upload-size-limit", "cors-safe", "debug-off",
        "dockerfile-no-secrets",
    }  # fmt: skip
