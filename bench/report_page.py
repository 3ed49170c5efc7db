"""Size and render time of the evidence page for a 100-sample eval.

    python bench/report_page.py [--samples 100] [--repeat 5]

Builds a synthetic eval report (the shape `harness eval` writes) and an audit report in memory,
renders the page in this process, and prints the page size and the median render time, with
the time to render an eval-only page without charts' inputs as the baseline in the same process.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import time
from typing import Any

from harness.report.history import History, entry_from_report
from harness.report.page import Inputs, render


def eval_report(samples: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    names = ["hit@5", "mrr", "ndcg@5", "recall@5", "answer_similarity"]
    records = []
    for i in range(samples):
        scores = {n: round(rng.random(), 4) for n in names}
        records.append(
            {
                "id": f"q{i:03d}",
                "user_input": f"Question number {i} about the corpus?",
                "tags": [],
                "status": "ok",
                "error": None,
                "cached": False,
                "latency_ms": round(rng.lognormvariate(4, 0.5), 3),
                "model": "offline",
                "input_tokens": 300,
                "output_tokens": 60,
                "cost_usd": 0.00012,
                "response": "An extractive answer citing [1] and [2]. " * 6,
                "retrieved_ids": [f"d{rng.randrange(500)}" for _ in range(5)],
                "scores": scores,
                "unmeasured": {},
            }
        )
    metrics = {
        n: {
            "mean": 0.5,
            "ci95": [0.45, 0.55],
            "n": samples,
            "measured": samples,
            "coverage": 1.0,
            "unmeasured_reasons": {},
        }
        for n in names
    }
    return {
        "schema_version": "1",
        "kind": "harness-eval",
        "generated_at": "2026-12-01T00:00:00Z",
        "commit": "0" * 40,
        "dataset": {"path": "evals/dataset.jsonl", "n": samples},
        "metrics": metrics,
        "latency_ms": {"p50": 55.0, "p95": 120.0, "max": 300.0},
        "cost": {"per_query_usd": 0.00012, "total_usd": 0.012, "priced": samples, "unpriced": 0},
        "gate": {"warnings": []},
        "samples": records,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    report = eval_report(args.samples, 1)
    history = History([entry_from_report(eval_report(args.samples, s), s == 0) for s in range(20)])
    full = Inputs(eval=report, history=history)
    render(full)  # warm-up: imports, font cache
    timings, size = [], 0
    for _ in range(args.repeat):
        start = time.perf_counter()
        size = len(render(full).encode("utf-8"))
        timings.append(time.perf_counter() - start)
    bare = dict(report, samples=[])
    base = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        render(Inputs(eval=bare))
        base.append(time.perf_counter() - start)
    full_s, base_s = statistics.median(timings), statistics.median(base)
    print(f"machine: {platform.machine()}, {platform.python_version()}")
    print(f"page for {args.samples} samples + 20-run trend: {size / 1024:.0f} KiB")
    print(
        f"render: {full_s * 1000:.0f} ms median; baseline (no samples, no trend): "
        f"{base_s * 1000:.0f} ms; ratio {full_s / base_s:.2f}x"
    )


if __name__ == "__main__":
    main()
