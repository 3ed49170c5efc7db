"""LLM metrics against the local OpenAI-compatible judge double (real openai SDK and ragas)."""

from __future__ import annotations

from typing import Any

from harness.eval.judge_double import JudgeDouble
from tests.eval.conftest import Project, cli

LLM = ["faithfulness", "answer_relevancy", "context_precision", "factual_correctness"]


def judge_args(project: Project, judge: JudgeDouble, *extra: str) -> list[str]:
    return [str(project.root), "--target", project.target, "--judge-base-url", judge.base_url,
            "--judge-model", "judge-double", "--metrics", "llm", "--quiet", *extra]  # fmt: skip


def test_llm_metrics_computed_through_the_judge(make_project: Any, judge: JudgeDouble) -> None:
    project: Project = make_project(3)
    result = cli(*judge_args(project, judge))
    assert result.exit_code == 0, result.output
    report = project.report()
    assert list(report["metrics"]) == LLM
    for name in LLM:
        m = report["metrics"][name]
        # the double supports every statement and finds every context useful
        assert round(m["mean"], 6) == 1.0 and m["coverage"] == 1.0, (name, m)
    assert judge.counters.chat > 0 and judge.counters.embeddings > 0
    assert report["judge"]["model"] == "judge-double"
    assert report["judge"]["requests"] == judge.counters.chat + judge.counters.embeddings
    assert report["fingerprint"]["judge"] == {"model": "judge-double", "base_url": judge.base_url}
    # the prompts really carried the samples through ragas to the judge
    assert any("What is the capital of France?" in p for p in judge.counters.prompts)


def test_judge_verdicts_change_the_score(make_project: Any, judge: JudgeDouble) -> None:
    project: Project = make_project(2)
    judge.script.verdict = 0
    result = cli(*judge_args(project, judge, "--metrics", "faithfulness", "--min-coverage", "0"))
    assert result.exit_code == 0
    assert project.report()["metrics"]["faithfulness"]["mean"] == 0.0


def test_429_then_success_is_retried(make_project: Any, judge: JudgeDouble) -> None:
    project: Project = make_project(2)
    judge.script.fail_first = 3
    result = cli(*judge_args(project, judge, "--metrics", "faithfulness", "--concurrency", "1"))
    assert result.exit_code == 0, result.output
    report = project.report()
    assert judge.counters.rate_limited == 3
    assert report["judge"]["retried"] == 3
    assert report["metrics"]["faithfulness"]["coverage"] == 1.0


def test_judge_timeout_leaves_sample_unmeasured(make_project: Any, judge: JudgeDouble) -> None:
    project: Project = make_project(3)
    project.set_mode("hang:q001")
    judge.script.hang_when = "HANG-ME"
    args = judge_args(project, judge, "--metrics", "faithfulness,context_precision",
                      "--timeout", "1.5", "--min-coverage", "0.9")  # fmt: skip
    result = cli(*args)
    assert result.exit_code == 1
    assert "coverage faithfulness>=0.9: FAILED, coverage 66.67% (2/3)" in result.output
    report = project.report()
    faith = report["metrics"]["faithfulness"]
    assert (faith["measured"], faith["n"], faith["mean"]) == (2, 3, 1.0)
    assert faith["unmeasured_reasons"] == {"timeout": 1}
    assert "timed out" in report["samples"][1]["unmeasured"]["faithfulness"].lower()
    # the context precision prompt does not carry the answer, so it still measured everything
    assert report["metrics"]["context_precision"]["coverage"] == 1.0
    assert judge.counters.hung >= 1  # instructor re-asks, each attempt bounded by --timeout


def test_judge_garbage_is_unmeasured_not_zero(make_project: Any, judge: JudgeDouble) -> None:
    project: Project = make_project(3)
    project.set_mode("garbage:q002")
    judge.script.garbage_when = "GARBAGE-ME"
    result = cli(*judge_args(project, judge, "--metrics", "faithfulness", "--min-coverage", "0"))
    assert result.exit_code == 0
    faith = project.report()["metrics"]["faithfulness"]
    assert (faith["mean"], faith["measured"]) == (1.0, 2)
    assert faith["unmeasured_reasons"] == {"judge error": 1}
    assert judge.counters.garbage >= 1


def test_nan_score_is_unmeasured(make_project: Any, judge: JudgeDouble) -> None:
    project: Project = make_project(3)
    project.set_mode("garbage:q000")  # only used as a marker in the answer here
    judge.script.empty_when = "GARBAGE-ME"  # no statements extracted: ragas returns NaN
    result = cli(*judge_args(project, judge, "--metrics", "faithfulness", "--min-coverage", "0"))
    assert result.exit_code == 0
    faith = project.report()["metrics"]["faithfulness"]
    assert (faith["mean"], faith["measured"], faith["coverage"]) == (1.0, 2, round(2 / 3, 6))
    assert faith["unmeasured_reasons"] == {"nan": 1}
    assert project.report()["samples"][0]["unmeasured"] == {"faithfulness": "judge gave NaN"}


def test_cached_rerun_makes_zero_judge_calls(make_project: Any, judge: JudgeDouble) -> None:
    project: Project = make_project(4)
    assert cli(*judge_args(project, judge)).exit_code == 0
    first = project.report()
    assert judge.counters.chat > 0
    judge.reset_counters()
    assert cli(*judge_args(project, judge)).exit_code == 0
    second = project.report()
    assert (judge.counters.chat, judge.counters.embeddings) == (0, 0)
    assert second["judge"]["cache_hits"] == 4 * len(LLM)
    assert second["run"]["target_cache_hits"] == 4 and second["run"]["target_calls"] == 0
    assert second["metrics"] == first["metrics"]


def test_failed_judge_calls_are_not_cached(make_project: Any, judge: JudgeDouble) -> None:
    project: Project = make_project(2)
    project.set_mode("garbage:q001")
    judge.script.garbage_when = "GARBAGE-ME"
    assert (
        cli(
            *judge_args(project, judge, "--metrics", "faithfulness", "--min-coverage", "0")
        ).exit_code
        == 0
    )
    judge.script.garbage_when = None
    judge.reset_counters()
    assert (
        cli(
            *judge_args(project, judge, "--metrics", "faithfulness", "--min-coverage", "0")
        ).exit_code
        == 0
    )
    # only the sample that failed before is judged again, and now it is measured
    assert judge.counters.chat == 2
    assert "GARBAGE-ME" in judge.counters.prompts[0]
    assert project.report()["metrics"]["faithfulness"]["coverage"] == 1.0


def test_judge_from_pyproject(make_project: Any, judge: JudgeDouble) -> None:
    project: Project = make_project(2)
    (project.root / "pyproject.toml").write_text(
        f'[tool.harness.eval]\ntarget = "{project.target}"\nmetrics = ["faithfulness"]\n'
        f'judge_model = "judge-flat"\n[tool.harness.eval.judge]\nbase_url = "{judge.base_url}"\n'
    )
    assert cli(str(project.root), "--quiet").exit_code == 0
    assert project.report()["judge"]["model"] == "judge-flat"
    assert project.report()["metrics"]["faithfulness"]["mean"] == 1.0


def test_cached_rerun_in_a_new_process_does_not_import_ragas(
    make_project: Any, judge: JudgeDouble
) -> None:
    import os
    import subprocess
    import sys

    from tests.eval.conftest import REPO

    project: Project = make_project(3)
    argv = ["eval", *judge_args(project, judge, "--metrics", "retrieval,ragas,faithfulness")]
    code = (
        "import sys\nfrom harness.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit as exc:\n    code = exc.code\n"
        "print(code, 'ragas' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "RAGAS_DO_NOT_TRACK": "true"}

    def run() -> str:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=env, timeout=300)  # fmt: skip
        return out.stdout.strip().splitlines()[-1]

    assert run() == "0 True"  # first run scores: ragas is needed
    judge.reset_counters()
    assert run() == "0 False"  # everything cached: no ragas import, no judge call
    assert judge.counters.chat == 0


def test_a_judge_failing_every_call_fails_the_run_by_default(
    make_project: Any, judge: JudgeDouble
) -> None:
    project: Project = make_project(3)
    judge.script.fail_rate = 1.0  # every chat call gets 429
    result = cli(*judge_args(project, judge, "--metrics", "faithfulness", "--retries", "0"))
    assert result.exit_code == 1, result.output
    assert "coverage faithfulness>=0.8: FAILED, coverage 0.00% (0/3)" in result.output
    assert project.report()["metrics"]["faithfulness"]["measured"] == 0
