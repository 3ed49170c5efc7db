"""Real inputs for the evidence page: an audit JSON and eval JSON written by the harness itself
(on a project built in a temp dir), an eval history of three runs, and load-test stages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.audit.project import FAILING, good_project
from tests.eval.conftest import DOCS, REPO, TARGET_SOURCE, rows

EPOCH = "1793491200"  # 2026-11-01T00:00:00Z


@dataclass(frozen=True)
class Reports:
    audit: Path
    eval: Path
    history: Path
    load: Path
    project: Path


def harness(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "RAGAS_DO_NOT_TRACK": "true",
        "SOURCE_DATE_EPOCH": EPOCH,
        **(env or {}),
    }
    full_env.pop("GITHUB_STEP_SUMMARY", None)
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _eval_project(root: Path, samples: int) -> Path:
    (root / "evaltarget_report").mkdir(parents=True)
    (root / "evaltarget_report" / "__init__.py").write_text(TARGET_SOURCE)
    (root / "evaltarget_report" / "docs.json").write_text(json.dumps(DOCS))
    (root / "evals").mkdir()
    data = rows(samples)
    for i, row in enumerate(data):  # varied questions, so scores and the table differ per row
        row["user_input"] = f"{row['user_input']} (variant {i})"
    (root / "evals" / "dataset.jsonl").write_text("".join(json.dumps(r) + "\n" for r in data))
    (root / "pyproject.toml").write_text('[tool.harness.eval]\ntarget = "evaltarget_report:ask"\n')
    return root


@pytest.fixture(scope="session")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Reports:
    base = tmp_path_factory.mktemp("report-inputs")
    project = _eval_project(base / "proj", 100)
    out = base / "out"
    out.mkdir()
    history = out / "history.jsonl"
    eval_json = out / "eval.json"
    # Three runs: a baseline, a regression on 30 samples, a partial recovery.
    for mode, extra in (
        ("", ["--save-baseline"]),
        ("wrong:" + ",".join(f"q{i:03d}" for i in range(0, 100, 3)), []),
        ("wrong:q001,q002", []),
    ):
        (project / "evaltarget_report" / "mode.txt").write_text(mode)
        result = harness(
            "eval",
            ".",
            "--quiet",
            "--no-cache",
            "--json",
            str(eval_json),
            "--history",
            str(history),
            *extra,
            cwd=project,
        )
        assert result.returncode in (0, 1), result.stderr
    tree = good_project(base / "audited", **FAILING["dockerfile-non-root"])
    audit_json = out / "audit.json"
    result = harness("audit", str(tree), "--format", f"json:{audit_json}", cwd=base)
    assert audit_json.exists(), result.stderr
    load = out / "load.json"
    load.write_text(
        json.dumps(
            [
                {
                    "rate": 50,
                    "seconds": 30,
                    "sent": 1500,
                    "ok": 1500,
                    "errors": 0,
                    "dropped": 0,
                    "status": {"200": 1500},
                    "achieved_rps": 49.9,
                    "p50_ms": 8.1,
                    "p95_ms": 14.2,
                    "p99_ms": 20.3,
                    "max_ms": 41.0,
                },
                {
                    "rate": 200,
                    "seconds": 30,
                    "sent": 6000,
                    "ok": 5990,
                    "errors": 10,
                    "dropped": 0,
                    "status": {"200": 5990, "503": 10},
                    "achieved_rps": 196.2,
                    "p50_ms": 22.4,
                    "p95_ms": 88.0,
                    "p99_ms": 140.2,
                    "max_ms": 310.0,
                },
            ]
        )
    )
    return Reports(audit_json, eval_json, history, load, project)
