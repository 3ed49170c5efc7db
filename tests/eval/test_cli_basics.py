"""`harness eval` driven like a user: non-LLM metrics, reports, gates and clear usage errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from tests.eval.conftest import REPO, Project, cli, run_subprocess


def test_retrieval_and_ragas_metrics_with_exact_report(make_project: Any) -> None:
    project: Project = make_project(5)
    project.set_mode("wrong:q001,q003")
    result = cli(str(project.root), "--target", project.target, "--quiet",
                 env={"SOURCE_DATE_EPOCH": "1700000000"})  # fmt: skip
    assert result.exit_code == 0, result.output
    report = project.report()
    assert report["schema_version"] == "1"
    assert report["kind"] == "harness-eval"
    assert report["generated_at"] == "2023-11-14T22:13:20Z"
    assert report["commit"] is None
    assert report["dataset"]["n"] == 5
    assert report["dataset"]["path"] == "evals/dataset.jsonl"
    assert list(report["metrics"]) == [
        "hit@5", "mrr", "ndcg@5", "recall@5", "non_llm_context_recall",
        "non_llm_context_precision_with_reference", "rouge_score", "bleu_score",
        "non_llm_string_similarity", "exact_match", "string_present",
    ]  # fmt: skip
    hit = report["metrics"]["hit@5"]
    assert hit["mean"] == 0.6
    assert (hit["n"], hit["measured"], hit["coverage"]) == (5, 5, 1.0)
    assert report["metrics"]["exact_match"]["mean"] == 0.6
    assert report["metrics"]["mrr"]["mean"] == 0.6
    # 5 answers x (120 in, 30 out) tokens at gpt-4o-mini's 0.15 / 0.60 USD per 1M tokens
    assert report["tokens"]["input_total"] == 600
    assert report["cost"]["per_query_usd"] == round((120 * 0.15 + 30 * 0.6) / 1e6, 8)
    assert report["cost"]["total_usd"] == round(5 * (120 * 0.15 + 30 * 0.6) / 1e6, 8)
    assert set(report["latency_ms"]) >= {"p50", "p95", "max"}
    sample = report["samples"][1]
    assert sample["id"] == "q001" and sample["scores"]["hit@5"] == 0.0
    assert sample["retrieved_ids"] == ["d5", "d4", "d3"]


def test_async_target_and_flags_override_pyproject(make_project: Any) -> None:
    project: Project = make_project(
        3, '[tool.harness.eval]\ntarget = "nowhere:nothing"\nmetrics = ["exact_match"]\n'
    )
    result = cli(str(project.root), "--target", f"{project.module}:ask_async",
                 "--metrics", "retrieval", "-k", "1", "--quiet")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert list(project.report()["metrics"]) == ["hit@1", "mrr", "ndcg@1", "recall@1"]


def test_markdown_and_junit_reports(make_project: Any, tmp_path: Path) -> None:
    project: Project = make_project(4)
    project.set_mode("wrong:q002")
    md, xml = tmp_path / "summary.md", tmp_path / "junit.xml"
    result = cli(str(project.root), "--target", project.target, "--metrics", "hit@5,exact_match",
                 "--threshold", "hit@5=0.9", "--markdown", str(md), "--junit", str(xml),
                 "--quiet")  # fmt: skip
    assert result.exit_code == 1
    assert "error: 1 check(s) failed: threshold hit@5>=0.9: FAILED, mean 0.7500" in result.output
    text = md.read_text()
    assert text.startswith("## harness eval: ❌ failed\n")
    assert "| hit@5 | 0.750 | [0.250, 1.000] | 100% (4/4) | - |" in text
    assert "| q002 | 0.000 | lowest: hit@5 |" in text
    suite = ET.parse(xml).getroot()
    # the run, the threshold and the default coverage floor of each metric
    assert suite.get("tests") == "4" and suite.get("failures") == "1"
    failed = [c.get("name") for c in suite if c.find("failure") is not None]
    assert failed == ["threshold hit@5>=0.9"]


def test_github_step_summary_is_appended(make_project: Any, tmp_path: Path) -> None:
    project: Project = make_project(2)
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n")
    result = cli(str(project.root), "--target", project.target, "--metrics", "hit@5", "--quiet",
                 env={"GITHUB_STEP_SUMMARY": str(summary)})  # fmt: skip
    assert result.exit_code == 0
    assert summary.read_text().startswith("earlier step\n## harness eval: ✅ passed\n")


def test_commit_is_read_from_git_files(make_project: Any) -> None:
    project: Project = make_project(2)
    sha = "0123456789abcdef0123456789abcdef01234567"
    git = project.root / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "packed-refs").write_text(f"# pack-refs\n{sha} refs/heads/main\n")
    assert cli(str(project.root), "--target", project.target, "--quiet").exit_code == 0
    assert project.report()["commit"] == sha


def test_missing_field_is_unmeasured_not_averaged(make_project: Any) -> None:
    project: Project = make_project(4)
    data = [json.loads(line) for line in (project.root / "evals/dataset.jsonl").open()]
    del data[0]["reference_context_ids"]
    project.write_rows(data)
    result = cli(str(project.root), "--target", project.target, "--metrics", "hit@5",
                 "--min-coverage", "0.8", "--quiet")  # fmt: skip
    # A row without the input a metric needs is unmeasured, not a failure of the target: the
    # coverage floor counts the samples the metric applies to.
    assert result.exit_code == 0, result.output
    hit = project.report()["metrics"]["hit@5"]
    assert (hit["mean"], hit["measured"], hit["coverage"]) == (1.0, 3, 0.75)
    assert hit["unmeasured_reasons"] == {"missing input": 1}
    checks = {c["name"]: c["message"] for c in project.report()["gate"]["checks"]}
    assert checks["coverage hit@5>=0.8"] == "coverage hit@5>=0.8: ok, coverage 100.00% (3/3)"


def test_target_exception_is_recorded_per_sample(make_project: Any) -> None:
    project: Project = make_project(3)
    broken = project.root / project.module / "broken.py"
    broken.write_text(
        f"from {project.module} import ask as real\n"
        "def ask(row):\n"
        "    if row['id'] == 'q001':\n"
        "        raise RuntimeError('db down')\n"
        "    return real(row)\n"
    )
    result = cli(str(project.root), "--target", f"{project.module}.broken:ask",
                 "--metrics", "hit@5", "--quiet")  # fmt: skip
    # The default coverage floor (0.8) fails a run that lost a third of its samples.
    assert result.exit_code == 1
    assert "coverage hit@5>=0.8: FAILED, coverage 66.67% (2/3)" in result.output
    report = project.report()
    assert report["samples"][1]["error"] == "RuntimeError: db down"
    assert report["metrics"]["hit@5"]["unmeasured_reasons"] == {"target error": 1}
    assert report["metrics"]["hit@5"]["coverage"] == round(2 / 3, 6)


def test_malformed_dataset_line_names_file_and_line(make_project: Any) -> None:
    project: Project = make_project(2)
    path = project.root / "evals" / "dataset.jsonl"
    path.write_text(path.read_text() + '{"id": "x", "user_input": \n')
    result = cli(str(project.root), "--target", project.target)
    assert result.exit_code == 2
    assert result.output == (
        "error: evals/dataset.jsonl:3: not valid JSON (Expecting value at column 27)"
        " — fix or remove that line\n"
    )


def test_usage_errors_are_one_line_with_exit_2(make_project: Any) -> None:
    project: Project = make_project(2, "[tool.harness.eval]\nconcurency = 3\n")
    result = cli(str(project.root), "--target", project.target)
    assert result.exit_code == 2
    assert result.output.startswith("error: invalid eval setting concurency: Extra inputs")
    (project.root / "pyproject.toml").write_text("")
    cases = {
        ("--metrics", "faithfulness"): "error: metric 'faithfulness' needs a judge",
        ("--metrics", "hit@7"): "error: unknown metric 'hit@7'",
        ("--threshold", "hit@5"): "error: bad --threshold 'hit@5'",
        ("--threshold", "faithfulness=0.5"): "error: threshold for a metric this run does not",
    }
    for flags, expected in cases.items():
        out = cli(str(project.root), "--target", project.target, *flags)
        assert out.exit_code == 2 and out.output.startswith(expected), (flags, out.output)
    out = cli(str(project.root))
    assert out.exit_code == 2 and out.output.startswith("error: no target configured — pass")
    out = cli(str(project.root), "--target", project.target, "--judge-model", "gpt-4o-mini",
              env={"OPENAI_API_KEY": ""})  # fmt: skip
    assert out.exit_code == 2
    assert out.output == (
        "error: the judge needs an API key in $OPENAI_API_KEY — export OPENAI_API_KEY=... "
        "or point --judge-base-url at a local endpoint\n"
    )
    out = cli(str(project.root), "--target", "nosuchmodule:ask")
    assert out.output.startswith("error: cannot import target module 'nosuchmodule'")


def test_loading_the_eval_verb_imports_no_eval_stack() -> None:
    # `harness audit` and `--help` must not pay ragas' import time.
    code = (
        "import sys; import harness.cli, harness.eval.command; "
        "print(sorted(m for m in ('ragas', 'openai', 'langfuse') if m in sys.modules))"
    )
    probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(REPO)})  # fmt: skip
    assert probe.stdout.strip() == "[]", probe.stderr


def test_module_entry_point_reports_usage_error(make_project: Any) -> None:
    project: Project = make_project(2)
    out = run_subprocess(["--target", "nosuchmodule:ask"], project.root)
    assert out.returncode == 2
    assert out.stderr.startswith("error: cannot import target module 'nosuchmodule'")
