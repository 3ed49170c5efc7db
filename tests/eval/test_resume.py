"""Kill a real `harness eval` process mid-run, then `--resume` without repeating finished work."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.eval.judge_double import JudgeDouble
from harness.eval.partial import CRASH_ENV
from tests.eval.conftest import Project, run_subprocess

N = 6


def args(project: Project, judge: JudgeDouble, *extra: str) -> list[str]:
    # --no-cache: only the partial results file may save work, so the counts prove resume works
    return [".", "--target", project.target, "--judge-base-url", judge.base_url,
            "--judge-model", "judge-double", "--metrics", "faithfulness,hit@5",
            "--concurrency", "1", "--no-cache", "--quiet", *extra]  # fmt: skip


@pytest.mark.slow
def test_kill_then_resume_repeats_no_finished_sample(make_project: Any, judge: JudgeDouble) -> None:
    project: Project = make_project(N)
    full = run_subprocess(args(project, judge), project.root)
    assert full.returncode == 0, full.stderr
    per_sample = judge.counters.chat / N
    assert per_sample == int(per_sample) and per_sample > 0

    judge.reset_counters()
    crashed = run_subprocess(args(project, judge), project.root, {CRASH_ENV: "3"})
    assert crashed.returncode == -9  # SIGKILL: no cleanup ran
    runs = list((project.root / ".harness-cache" / "eval" / "runs").glob("*.jsonl"))
    assert len(runs) == 1
    finished = [json.loads(line)["id"] for line in runs[0].read_text().splitlines()]
    assert len(finished) == 3

    judge.reset_counters()
    resumed = run_subprocess(args(project, judge, "--resume"), project.root)
    assert resumed.returncode == 0, resumed.stderr
    assert judge.counters.chat == per_sample * (N - 3)
    report = project.report()
    assert report["run"]["resumed_samples"] == 3
    assert report["metrics"]["faithfulness"]["measured"] == N
    assert [s["id"] for s in report["samples"]] == [f"q{i:03d}" for i in range(N)]
    assert not list((project.root / ".harness-cache" / "eval" / "runs").glob("*.jsonl"))


def test_resume_ignores_a_torn_last_line(make_project: Any) -> None:
    from harness.eval.partial import PartialResults

    project: Project = make_project(2)
    path = project.root / "part.jsonl"
    path.write_text('{"id": "q000", "scores": {}}\n{"id": "q001", "sco')
    assert list(PartialResults(path).load()) == ["q000"]


@pytest.mark.slow
def test_external_sigkill_then_resume(make_project: Any, judge: JudgeDouble) -> None:
    import os
    import subprocess
    import sys
    import time

    from harness.eval.partial import PartialResults
    from tests.eval.conftest import REPO

    project: Project = make_project(8)
    judge.script.latency_s = 0.2
    env = {**os.environ, "PYTHONPATH": str(REPO), "RAGAS_DO_NOT_TRACK": "true"}
    cmd = [sys.executable, "-m", "harness", "eval", *args(project, judge)]
    proc = subprocess.Popen(cmd, cwd=project.root, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    runs = project.root / ".harness-cache" / "eval" / "runs"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        files = list(runs.glob("*.jsonl")) if runs.exists() else []
        if files and len(PartialResults(files[0]).load()) >= 2:
            break
        time.sleep(0.05)
    proc.kill()
    assert proc.wait(timeout=30) == -9
    finished = len(PartialResults(files[0]).load())
    assert 2 <= finished < 8

    judge.reset_counters()
    resumed = run_subprocess(args(project, judge, "--resume"), project.root)
    assert resumed.returncode == 0, resumed.stderr
    assert judge.counters.chat == 2 * (8 - finished)  # faithfulness: statements + verdicts
    report = project.report()
    assert report["run"]["resumed_samples"] == finished
    assert report["metrics"]["faithfulness"]["measured"] == 8
