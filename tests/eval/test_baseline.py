"""Baselines: paired bootstrap flags a planted regression, passes an unchanged run, and refuses
to compare runs whose fingerprints differ."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.eval.baseline import compare, fingerprint
from harness.eval.judge_double import JudgeDouble
from tests.eval.conftest import Project, cli, rows

METRICS = "hit@5,recall@5,exact_match"


def run(project: Project, *extra: str) -> Any:
    return cli(str(project.root), "--target", project.target, "--metrics", METRICS,
               "--no-target-cache", "--quiet", *extra)  # fmt: skip


def test_unchanged_run_passes_and_planted_regression_fails(make_project: Any) -> None:
    project: Project = make_project(20)
    saved = run(project, "--save-baseline")
    assert saved.exit_code == 0
    assert "baseline saved to evals/baseline.json" in saved.output
    doc = json.loads((project.root / "evals" / "baseline.json").read_text())
    assert doc["kind"] == "harness-eval-baseline" and len(doc["samples"]) == 20
    assert doc["fingerprint"]["metric_versions"]["exact_match"] == "ragas-0.4.3"

    same = run(project, "--baseline", "evals/baseline.json")
    assert same.exit_code == 0, same.output
    comparison = project.report()["comparison"]
    assert comparison["status"] == "ok"
    assert comparison["metrics"]["hit@5"] == {
        "n_paired": 20, "n_lost": 0, "baseline_mean": 1.0, "current_mean": 1.0,
        "delta_mean": 0.0, "ci95": [0.0, 0.0], "n_needed": 5, "status": "ok",
    }  # fmt: skip

    project.set_mode("wrong:" + ",".join(f"q{i:03d}" for i in range(0, 20, 3)))  # 7 of 20
    worse = run(project, "--baseline", "evals/baseline.json")
    assert worse.exit_code == 1
    assert "error: 3 check(s) failed: no regression hit@5: FAILED, delta -0.35" in worse.output
    comparison = project.report()["comparison"]
    assert comparison["status"] == "regressed"
    row = comparison["metrics"]["hit@5"]
    assert row["status"] == "regressed" and row["delta_mean"] == -0.35
    assert row["ci95"][1] < -0.02


def test_small_change_within_tolerance_is_not_a_regression(make_project: Any) -> None:
    project: Project = make_project(20)
    assert run(project, "--save-baseline", "base.json").exit_code == 0
    project.set_mode("wrong:q004")  # one sample of 20 worse
    result = run(project, "--baseline", "base.json", "--tolerance", "0.2")
    assert result.exit_code == 0, result.output
    row = project.report()["comparison"]["metrics"]["hit@5"]
    assert row["delta_mean"] == -0.05 and row["status"] == "ok"


def test_too_few_samples_is_underpowered(make_project: Any) -> None:
    project: Project = make_project(3)
    assert run(project, "--save-baseline").exit_code == 0
    project.set_mode("wrong:q000,q001,q002")
    result = run(project, "--baseline", "evals/baseline.json")
    assert result.exit_code == 1  # underpowered is not a pass
    assert (
        "INCONCLUSIVE no regression hit@5: UNDERPOWERED, not a pass, 3 paired samples, too few "
        "for a CI95 (at least 5 paired samples)" in result.output
    )
    assert project.report()["comparison"]["metrics"]["hit@5"]["status"] == "underpowered"
    assert project.report()["gate"]["state"] == "inconclusive"
    accepted = run(project, "--baseline", "evals/baseline.json", "--accept", "underpowered")
    assert accepted.exit_code == 0, accepted.output
    gate = project.report()["gate"]
    assert gate["state"] == "passed" and gate["passed"] is True


def test_changed_dataset_is_incomparable(make_project: Any) -> None:
    project: Project = make_project(10)
    assert run(project, "--save-baseline").exit_code == 0
    project.write_rows(rows(11))
    project.set_mode("wrong:" + ",".join(f"q{i:03d}" for i in range(10)))
    result = run(project, "--baseline", "evals/baseline.json")
    assert result.exit_code == 1  # not a pass: the gate knows nothing about this dataset
    comparison = project.report()["comparison"]
    assert comparison["status"] == "incomparable"  # ... and not a regression either
    assert comparison["reasons"] == ["dataset changed (sha256 differs)"]
    assert (
        "INCONCLUSIVE baseline comparable: INCOMPARABLE, not a pass, dataset changed "
        "(sha256 differs)" in result.output
    )
    assert (
        run(project, "--baseline", "evals/baseline.json", "--accept", "incomparable").exit_code == 0
    )


def test_changed_judge_is_incomparable(make_project: Any, judge: JudgeDouble) -> None:
    project: Project = make_project(5)
    base = [str(project.root), "--target", project.target, "--judge-base-url", judge.base_url,
            "--metrics", "faithfulness", "--quiet"]  # fmt: skip
    assert cli(*base, "--judge-model", "judge-a", "--save-baseline").exit_code == 0
    result = cli(*base, "--judge-model", "judge-b", "--baseline", "evals/baseline.json",
                 "--accept", "incomparable")  # fmt: skip
    assert result.exit_code == 0
    comparison = project.report()["comparison"]
    assert comparison["status"] == "incomparable"
    assert comparison["reasons"] == [
        f"judge changed (judge-a at {judge.base_url} -> judge-b at {judge.base_url})"
    ]


def test_metric_version_change_is_incomparable() -> None:
    old = fingerprint("abc", None, {"exact_match": "ragas-0.4.2"}, 5)
    new = fingerprint("abc", None, {"exact_match": "ragas-0.4.3"}, 5)
    doc = {"kind": "harness-eval-baseline", "fingerprint": old, "samples": {}}
    out = compare(doc, "b.json", new, [], 0.02)
    assert out["status"] == "incomparable"
    assert out["reasons"] == ["exact_match version changed (ragas-0.4.2 -> ragas-0.4.3)"]


def test_missing_baseline_is_a_usage_error(make_project: Any, tmp_path: Path) -> None:
    project: Project = make_project(2)
    result = run(project, "--baseline", "nope.json")
    assert result.exit_code == 2
    assert result.output == (
        "error: baseline nope.json not found — create one with `harness eval --save-baseline`\n"
    )


def test_flag_paths_are_relative_to_the_working_directory(
    make_project: Any, monkeypatch: Any
) -> None:
    project: Project = make_project(5)
    monkeypatch.chdir(project.root.parent)
    assert run(project, "--save-baseline").exit_code == 0  # default: inside the project
    assert (project.root / "evals" / "baseline.json").is_file()
    result = run(project, "--baseline", "proj/evals/baseline.json", "--json", "out/r.json")
    assert result.exit_code == 0, result.output
    report = json.loads((project.root.parent / "out" / "r.json").read_text())
    assert report["comparison"]["baseline"] == "proj/evals/baseline.json"
    assert report["comparison"]["status"] == "ok"
