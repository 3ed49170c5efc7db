"""Benchmark: `harness eval` against calling ragas `evaluate()` by hand, same data and metric.

100 samples, Faithfulness (two judge calls a sample), a local OpenAI-compatible judge double
that answers after 300 ms. Both run at concurrency 16 in this one process (imports warmed
first, so neither pays ragas' import time). Then: a cached rerun of `harness eval` (target:
zero judge calls, < 2 s) and a run against a judge that answers 10% of calls with 429 (target:
zero lost samples; ragas' own run against the same judge is shown for contrast).

    python bench/eval_speed.py [--samples 100] [--latency 0.3] [--concurrency 16]

Needs the eval extra (`pip install -e '.[eval]'`). Touches no network: everything is loopback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")

from click.testing import CliRunner

from harness.cli import main
from harness.eval.judge_double import JudgeDouble, Script

TOPICS = ["France", "Germany", "Spain", "Italy", "Portugal", "Japan", "Chile", "Kenya"]
TARGET = """
import json, pathlib
ANSWERS = json.loads((pathlib.Path(__file__).parent / "answers.json").read_text())

def ask(row):
    return ANSWERS[row["id"]]
"""


def make_project(root: Path, n: int) -> list[dict[str, Any]]:
    """A project whose target answers instantly, so the judge dominates, as in real evals."""
    rows, answers, data = [], {}, []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        context = f"Fact {i}: the capital city of {topic} hosts its national parliament."
        response = f"The parliament of {topic} sits in its capital city (fact {i})."
        rows.append({"id": f"s{i:03d}", "user_input": f"Where does the parliament of {topic} "
                     f"sit? ({i})", "reference": context})  # fmt: skip
        answers[f"s{i:03d}"] = {
            "response": response,
            "retrieved_contexts": [{"id": f"c{i}", "text": context}],
            "usage": {"input_tokens": 200, "output_tokens": 40},
            "model": "gpt-4o-mini",
        }
        data.append({"user_input": rows[-1]["user_input"], "response": response,
                     "retrieved_contexts": [context]})  # fmt: skip
    (root / "benchtarget").mkdir(parents=True)
    (root / "benchtarget" / "__init__.py").write_text(TARGET)
    (root / "benchtarget" / "answers.json").write_text(json.dumps(answers))
    (root / "evals").mkdir()
    (root / "evals" / "dataset.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return data


def run_ragas(double: JudgeDouble, data: list[dict[str, Any]], workers: int) -> tuple[float, int]:
    """The by-hand way: ragas evaluate() with RunConfig(max_workers=...). Returns (s, NaN rows)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from openai import AsyncOpenAI
        from ragas import EvaluationDataset, RunConfig, evaluate
        from ragas.llms import llm_factory
        from ragas.metrics import Faithfulness

        llm = llm_factory("judge-double", client=AsyncOpenAI(base_url=double.base_url,
                                                             api_key="bench"))  # fmt: skip
        started = time.perf_counter()
        result = evaluate(
            EvaluationDataset.from_list(data),
            metrics=[Faithfulness(llm=llm)],
            run_config=RunConfig(max_workers=workers),
            show_progress=False,
        )
        elapsed = time.perf_counter() - started
    scores = result.to_pandas()["faithfulness"].tolist()
    return elapsed, sum(1 for s in scores if s is None or math.isnan(s))


def run_harness(
    root: Path, double: JudgeDouble, concurrency: int, cache: str
) -> tuple[float, dict[str, Any]]:
    args = ["eval", str(root), "--target", "benchtarget:ask", "--metrics", "faithfulness",
            "--judge-base-url", double.base_url, "--judge-model", "judge-double",
            "--concurrency", str(concurrency), "--cache-dir", str(root / cache),
            "--quiet"]  # fmt: skip
    started = time.perf_counter()
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    elapsed = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(f"harness eval failed: {result.output}")
    report = json.loads((root / cache / "report.json").read_text())
    return elapsed, report


def run_fresh_process(root: Path, double: JudgeDouble, concurrency: int, cache: str) -> float:
    """The cached rerun as a user runs it: a new `harness eval` process, imports included."""
    args = [sys.executable, "-m", "harness", "eval", str(root), "--target", "benchtarget:ask",
            "--metrics", "faithfulness", "--judge-base-url", double.base_url,
            "--judge-model", "judge-double", "--concurrency", str(concurrency),
            "--cache-dir", str(root / cache), "--quiet"]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(args, check=True, cwd=root)
    return time.perf_counter() - started


def warm_up(root: Path) -> None:
    # Import ragas, openai and instructor once so neither side's timing includes it.
    with JudgeDouble(Script()) as double:
        run_harness(root, double, 4, ".warm-cache")


def main_bench() -> None:
    parser = argparse.ArgumentParser(description="harness eval vs ragas evaluate")
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds; medians shown")
    opts = parser.parse_args()
    n, c = opts.samples, opts.concurrency
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        data = make_project(root, n)
        warm_up(root)
        ragas_times: list[float] = []
        harness_times: list[float] = []
        with JudgeDouble(Script(latency_s=opts.latency)) as double:
            # Interleaved rounds, each harness round with a fresh cache, so drift in machine
            # load hits both sides alike; the medians are compared.
            for round_no in range(opts.repeat):
                double.reset_counters()
                ragas_s, ragas_nan = run_ragas(double, data, c)
                ragas_times.append(ragas_s)
                ragas_calls = double.counters.chat
                double.reset_counters()
                harness_s, report = run_harness(root, double, c, f".cache-{round_no}")
                harness_times.append(harness_s)
                harness_calls = double.counters.chat
            double.reset_counters()
            cached_s, cached = run_harness(root, double, c, f".cache-{opts.repeat - 1}")
            fresh_s = run_fresh_process(root, double, c, f".cache-{opts.repeat - 1}")
            cached_calls = double.counters.chat + double.counters.embeddings
        with JudgeDouble(Script(latency_s=opts.latency, fail_rate=0.1)) as flaky:
            flaky_s, flaky_report = run_harness(root, flaky, c, ".cache-b")
            flaky_429 = flaky.counters.rate_limited
        with JudgeDouble(Script(latency_s=opts.latency, fail_rate=0.1)) as flaky:
            ragas_flaky_s, ragas_flaky_nan = run_ragas(flaky, data, c)
    faith = report["metrics"]["faithfulness"]
    ragas_med, harness_med = statistics.median(ragas_times), statistics.median(harness_times)
    lost = n - flaky_report["metrics"]["faithfulness"]["measured"]
    machine = f"{platform.machine()}, {os.cpu_count()} cpus, Python {platform.python_version()}"
    lines = [
        f"machine: {machine}",
        f"samples {n}, metric faithfulness, judge latency {opts.latency * 1000:.0f} ms, "
        f"concurrency {c}",
        f"ragas evaluate      : {ragas_med:7.2f} s  judge calls {ragas_calls:4d}  "
        f"NaN rows {ragas_nan}   rounds {_times(ragas_times)}",
        f"harness eval        : {harness_med:7.2f} s  judge calls {harness_calls:4d}  "
        f"coverage {faith['coverage']:.2f}   rounds {_times(harness_times)}",
        f"ratio harness/ragas : {harness_med / ragas_med:7.2f}   (medians; target <= 1.10)",
        f"cached rerun        : {cached_s:7.2f} s  judge calls {cached_calls:4d}  "
        f"cache hits {cached['judge']['cache_hits']}   (target 0 calls, < 2 s)",
        f"cached rerun, fresh : {fresh_s:7.2f} s  (new process, Python start and imports included)",
        f"10% 429 judge       : harness {flaky_s:6.2f} s, {flaky_429} x 429, "
        f"{flaky_report['judge']['retried']} retries, lost samples {lost}   (target 0)",
        f"10% 429 judge       : ragas evaluate {ragas_flaky_s:6.2f} s, NaN rows {ragas_flaky_nan}",
    ]
    print("\n".join(lines))


def _times(values: list[float]) -> str:
    return " ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    main_bench()
