"""action.yml and the CI snippet: schema-valid, zizmor-clean, and their shell steps really run."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .action_runner import ActionRun, audit_with_action, base_env, harness_shim, run_action

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
SNIPPET = ROOT / "docs" / "badges" / "ci-snippet.yml"
HERE = Path(__file__).parent


def _fake_run(tmp_path: Path, inputs: dict[str, str], exit_code: int = 0) -> ActionRun:
    env = base_env([harness_shim(tmp_path / "bin", str(HERE / "fake_harness.py"))])
    env |= {"FAKE_HARNESS_LOG": str(tmp_path / "args.json"), "FAKE_HARNESS_EXIT": str(exit_code)}
    (tmp_path / "proj").mkdir()
    return run_action(ACTION, {"install": "false", **inputs}, tmp_path, tmp_path / "gh", env)


def test_action_builds_the_audit_command_and_exposes_outputs(tmp_path: Path) -> None:
    inputs = {
        "path": "proj",
        "checklists": "extra.yml team.yml",
        "fail-under": "85",
        "formats": "sarif,markdown junit",
        "output-dir": "out",
    }

    run = _fake_run(tmp_path, inputs)

    assert json.loads((tmp_path / "args.json").read_text("utf-8")) == [
        "audit", "proj", "--format", "table", "--format", "json:out/audit.json",
        "--format", "sarif:out/harness.sarif", "--format", "markdown:out/harness.md",
        "--format", "junit:out/harness-junit.xml",
        "--checklist", "extra.yml", "--checklist", "team.yml", "--fail-under", "85",
    ]  # fmt: skip
    outputs = run.outputs["audit"]
    assert outputs["score"] == "87.46"
    assert outputs["grade"] == "B"
    assert outputs["exit-code"] == "0"
    assert outputs["json-file"] == "out/audit.json"
    assert outputs["sarif-file"] == "out/harness.sarif"
    assert outputs["harness"] == str(tmp_path / "bin" / "harness")
    assert run.summary == "## harness audit\n\nScore **87.5** (B)\n"
    assert [(s.name, s.skipped, s.returncode) for s in run.steps] == [
        ("Install portfolio-harness", True, None),
        ("Run harness audit", False, 0),
        ("Write the job summary", False, 0),
        ("Upload SARIF to code scanning", True, None),
        ("Enforce the audit result", False, 0),
    ]


def test_failed_audit_still_writes_the_summary_then_fails(tmp_path: Path) -> None:
    run = _fake_run(tmp_path, {"path": "proj", "fail-under": "99"}, exit_code=1)

    assert run.step("Run harness audit").returncode == 0
    assert run.summary.startswith("## harness audit")
    enforce = run.step("Enforce the audit result")
    assert enforce.returncode == 1
    assert (
        enforce.stdout
        == "::error title=harness audit::audit failed (score 87.46); see the job summary\n"
    )


def test_usage_error_stops_before_summary(tmp_path: Path) -> None:
    run = _fake_run(tmp_path, {"path": "proj"}, exit_code=2)

    audit = run.step("Run harness audit")
    assert audit.returncode == 2
    assert "::error title=harness audit::harness audit exited 2 without a report" in audit.stdout
    assert run.step("Write the job summary").skipped
    assert run.summary == ""


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    run = _fake_run(tmp_path, {"path": "proj", "formats": "sarif pdf"})

    audit = run.step("Run harness audit")
    assert audit.returncode == 2
    assert audit.stdout == (
        "::error title=harness audit::unknown format 'pdf': use sarif, markdown or junit\n"
    )


def test_without_markdown_the_summary_stays_empty(tmp_path: Path) -> None:
    run = _fake_run(tmp_path, {"path": "proj", "formats": "sarif"})

    assert run.outputs["audit"]["markdown-file"] == ""
    assert run.summary == ""
    assert not run.failed


def test_install_step_installs_from_the_action_checkout() -> None:
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    install = action["runs"]["steps"][0]

    assert install["if"] == "inputs.install == 'true'"
    assert (
        '-m pip install --quiet --disable-pip-version-check "$GITHUB_ACTION_PATH"' in install["run"]
    )


@pytest.mark.slow
def test_install_step_versions_the_harness_by_the_tag_it_is_called_by(tmp_path: Path) -> None:
    # As GitHub fetches an action: the tracked files, no git history.
    action_copy = tmp_path / "action"
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for rel in filter(None, tracked.split("\0")):
        if (ROOT / rel).is_file() and not rel.startswith(("tests/", "docs/", "bench/")):
            (action_copy / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, action_copy / rel)
    env = base_env([])
    inputs = {"python": sys.executable, "path": "missing"}
    run = run_action(
        action_copy / "action.yml", inputs, tmp_path, tmp_path / "gh", env, action_ref="v9.8.7"
    )

    assert run.step("Install portfolio-harness").returncode == 0, run.steps[0].stderr[-2000:]
    harness = tmp_path / "gh" / "runner-temp" / "harness-venv" / "bin" / "harness"
    version = subprocess.run([str(harness), "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == "harness, version 9.8.7"


def test_every_uses_is_pinned_by_full_sha() -> None:
    for path in (ACTION, SNIPPET):
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            if "uses:" in line and not line.lstrip().startswith("#"):
                ref = line.split("uses:", 1)[1].split("#", 1)[0].strip()
                # The harness's own action is shown at its release tag, with how to pin its SHA.
                if ref == "portfolio-harness/portfolio-harness@v0.1.0":
                    assert "git ls-remote" in text
                    continue
                assert len(ref.rsplit("@", 1)[1]) == 40, f"{path.name}: {ref} is not pinned by SHA"


def _audit_available() -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "harness", "audit", "--help"], capture_output=True, check=False
    )
    return done.returncode == 0


def _small_project(folder: Path) -> Path:
    (folder / "app").mkdir(parents=True)
    (folder / "app" / "main.py").write_text(
        "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/healthz')\n"
        "def healthz() -> dict[str, str]:\n    return {'status': 'ok'}\n",
        encoding="utf-8",
    )
    (folder / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0.1.0"\ndependencies = ["fastapi"]\n', "utf-8"
    )
    (folder / "README.md").write_text("# Demo\n\nA small service.\n", encoding="utf-8")
    (folder / "Dockerfile").write_text("FROM python:3.11-slim\nCOPY . /app\n", encoding="utf-8")
    return folder


@pytest.mark.skipif(not _audit_available(), reason="`harness audit` is not importable yet")
def test_action_runs_the_real_audit_then_badges_it(tmp_path: Path) -> None:
    project = _small_project(tmp_path / "project")

    run = audit_with_action(project, tmp_path, formats="sarif markdown")

    outputs = run.outputs["audit"]
    assert outputs["exit-code"] in {"0", "1"}, run.step("Run harness audit").stdout
    assert 0 <= float(outputs["score"]) <= 100
    assert outputs["grade"] in {"A", "B", "C", "D", "E", "F"}
    assert run.summary == (tmp_path / "out" / "harness.md").read_text(encoding="utf-8")
    assert run.summary.strip()
    sarif = json.loads((tmp_path / "out" / "harness.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    assert run.step("Enforce the audit result").returncode == int(outputs["exit-code"])
    # The audit's real JSON is what `harness badge --audit` reads.
    badge = subprocess.run(
        [sys.executable, "-m", "harness", "badge", "--audit", outputs["json-file"]],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert badge.returncode == 0, badge.stderr
    assert (tmp_path / "badges" / "audit.svg").is_file()


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else shutil.which(name)


@pytest.mark.skipif(
    importlib.util.find_spec("check_jsonschema") is None, reason="check-jsonschema not installed"
)
@pytest.mark.parametrize(
    ("path", "schema"),
    [(ACTION, "vendor.github-actions"), (SNIPPET, "vendor.github-workflows")],
)
def test_check_jsonschema_accepts(path: Path, schema: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(_tool("zizmor") is None, reason="zizmor not installed")
@pytest.mark.parametrize("path", [ACTION, SNIPPET])
def test_zizmor_finds_nothing(path: Path) -> None:
    zizmor = _tool("zizmor")
    assert zizmor is not None
    done = subprocess.run(
        [zizmor, "--offline", "--no-progress", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout


@pytest.mark.skipif(
    importlib.util.find_spec("pre_commit") is None, reason="pre-commit not installed"
)
def test_pre_commit_manifest_is_valid() -> None:
    from pre_commit.clientlib import load_manifest

    hooks = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))

    assert [(hook["id"], hook["entry"], hook["pass_filenames"]) for hook in hooks] == [
        ("harness-audit", "harness audit .", False)
    ]


def _snippet_step(job: str, name: str) -> str:
    workflow = yaml.safe_load(SNIPPET.read_text(encoding="utf-8"))
    return next(s["run"] for s in workflow["jobs"][job]["steps"] if s.get("name") == name)


@pytest.mark.parametrize(
    ("reports", "expected"),
    [
        (("audit.json", "eval.json"), ["audit", "eval-hit-5", "eval-faithfulness"]),
        (("audit.json",), ["audit"]),
    ],
)
def test_snippet_badge_step_renders_whatever_reports_arrived(
    tmp_path: Path, reports: tuple[str, ...], expected: list[str]
) -> None:
    folders = {"audit.json": "harness-audit", "eval.json": "harness-eval"}
    for name in reports:
        (tmp_path / "reports" / folders[name]).mkdir(parents=True)
        shutil.copy(HERE / name, tmp_path / "reports" / folders[name] / name)
    (tmp_path / "README.md").write_text("# Project\n", encoding="utf-8")
    script = tmp_path / "step.sh"
    script.write_text(_snippet_step("badges", "Render the badges and the README block"), "utf-8")
    env = base_env([harness_shim(tmp_path / "bin", "-m harness")])

    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    for badge_id in expected:
        assert f"](badges/{badge_id}.svg)" in readme


def test_snippet_badge_step_without_reports_only_warns(tmp_path: Path) -> None:
    script = tmp_path / "step.sh"
    script.write_text(_snippet_step("badges", "Render the badges and the README block"), "utf-8")

    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=tmp_path, env=base_env([]), capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert done.returncode == 0
    assert done.stdout == "::warning title=harness badge::no audit or eval report to badge\n"
