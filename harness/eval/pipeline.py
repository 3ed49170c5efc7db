"""One eval run end to end: settings -> dataset -> target and judge -> scores -> report."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import __version__
from harness.errors import EvalConfigError
from harness.eval.baseline import compare, fingerprint, load_baseline
from harness.eval.cache import DiskCache, content_key
from harness.eval.catalog import metric_version, select_metrics
from harness.eval.config import EvalConfig
from harness.eval.dataset import Dataset, load_dataset
from harness.eval.gate import run_checks
from harness.eval.partial import PartialResults
from harness.eval.ragas_metrics import LLM, NON_LLM, JudgeHandle, NonLLMScorer
from harness.eval.report import (
    KIND,
    SCHEMA_VERSION,
    generated_at,
    git_head,
    metric_summary,
    ops_summary,
)
from harness.eval.runner import Runner
from harness.eval.scoring import Scorer
from harness.eval.targets import build_target

DEFAULT_JUDGE_URL = "https://api.openai.com/v1"


@dataclass
class RunOptions:
    project: Path
    config: EvalConfig
    resume: bool = False
    use_cache: bool = True
    target_cache: bool = True
    baseline: Path | None = None
    baseline_label: str = ""
    progress: Callable[[int], Callable[[], None]] | None = None


def resolve(project: Path, relative: str) -> Path:
    path = Path(relative)
    return path if path.is_absolute() else project / path


def run(options: RunOptions) -> dict[str, Any]:
    cfg, project = options.config, options.project
    dataset = load_dataset(resolve(project, cfg.dataset), display=cfg.dataset)
    metrics = select_metrics(cfg.metrics, dataset, cfg.judge.configured, cfg.k)
    if not metrics:
        raise EvalConfigError(
            "no metric can be computed from this dataset",
            "add reference / reference_context_ids to the rows, configure a judge, or set metrics",
        )
    unknown = sorted(set(cfg.thresholds) - set(metrics))
    if unknown:
        raise EvalConfigError(
            f"threshold for a metric this run does not compute: {', '.join(unknown)}",
            f"use one of {', '.join(metrics)}",
        )
    baseline = None
    if options.baseline is not None:
        # Read before the run: a wrong path must not cost a whole run to find out.
        baseline = load_baseline(options.baseline, options.baseline_label)
    started = time.perf_counter()
    state, judge_info, cache_hits, partial = asyncio.run(_score(options, dataset, metrics))
    records = [state.records[s.id] for s in dataset.samples]
    report = _report(
        options, dataset, metrics, records, state, judge_info, cache_hits, started, baseline
    )
    partial.finish()  # only now: until the report exists, --resume can still rebuild it
    return report


async def _score(
    options: RunOptions, dataset: Dataset, metrics: list[str]
) -> tuple[Any, dict[str, Any] | None, int, PartialResults]:
    cfg, project = options.config, options.project
    cache_root = resolve(project, cfg.cache_dir) if options.use_cache else None
    target = build_target(cfg, project)
    llm_names = [m for m in metrics if m in LLM]
    judge = _judge(cfg, llm_names) if llm_names else None
    judge_cache = DiskCache(cache_root)
    scorer = Scorer(
        metrics=metrics,
        k=cfg.k,
        non_llm=NonLLMScorer([m for m in metrics if m in NON_LLM]),
        judge=judge,
        cache=judge_cache,
        ragas_version=_ragas_version(),
        judge_gate=asyncio.Semaphore(cfg.concurrency),
    )
    run_key = content_key(dataset.sha256, target.identity(), metrics, _judge_id(judge), cfg.k)
    partial = PartialResults(resolve(project, cfg.cache_dir) / "runs" / f"{run_key[:24]}.jsonl")
    tick = options.progress(dataset.n) if options.progress else (lambda: None)
    runner = Runner(
        dataset,
        target,
        scorer,
        DiskCache(cache_root),
        options.target_cache,
        cfg.timeout,
        partial,
        asyncio.Semaphore(cfg.concurrency),
        tick,
    )
    try:
        state = await runner.run(options.resume)
    finally:
        await target.aclose()
        if judge is not None:
            await judge.aclose()
    info = None
    if judge is not None:
        stats = judge.stats
        info = {
            **_judge_id(judge),
            "requests": stats.requests,
            "retried": stats.retried,
            "failed": stats.failed,
        }
    return state, info, scorer.llm_cache_hits, partial


def _judge(cfg: EvalConfig, names: list[str]) -> JudgeHandle:
    judge = cfg.judge
    assert judge.model is not None
    key = os.environ.get(judge.api_key_env)
    if not key and not judge.base_url:
        raise EvalConfigError(
            f"the judge needs an API key in ${judge.api_key_env}",
            f"export {judge.api_key_env}=... or point --judge-base-url at a local endpoint",
        )
    return JudgeHandle(
        names,
        model=judge.model,
        base_url=judge.base_url or DEFAULT_JUDGE_URL,
        # Local OpenAI-compatible servers (Ollama, vLLM) ignore the key but the SDK wants one.
        api_key=key or "not-needed",
        embedding_model=judge.embedding_model,
        timeout=cfg.timeout,
        retries=cfg.retries,
    )


def _judge_id(judge: JudgeHandle | None) -> dict[str, str]:
    return {} if judge is None else {"model": judge.model, "base_url": judge.base_url}


def _ragas_version() -> str:
    from harness.eval.ragas_metrics import ragas_version

    return ragas_version()


def _report(
    options: RunOptions,
    dataset: Dataset,
    metrics: list[str],
    records: list[dict[str, Any]],
    state: Any,
    judge_info: dict[str, Any] | None,
    judge_cache_hits: int,
    started: float,
    baseline: dict[str, Any] | None,
) -> dict[str, Any]:
    cfg, project = options.config, options.project
    versions = {m: metric_version(m, cfg.k, _ragas_version()) for m in metrics}
    judge_fp = None
    if judge_info:
        judge_fp = {"model": judge_info["model"], "base_url": judge_info["base_url"]}
    fp = fingerprint(dataset.sha256, judge_fp, versions, cfg.k)
    summaries = {m: metric_summary(records, m) for m in metrics}
    comparison = None
    if baseline is not None:
        comparison = compare(baseline, options.baseline_label, fp, records, cfg.tolerance)
    gate = run_checks(
        summaries, cfg.thresholds, cfg.min_coverage, comparison, frozenset(cfg.accept)
    )
    failed = [r for r in records if r["error"]]
    if failed:
        first = failed[0]
        gate["warnings"].append(
            f"{len(failed)} sample(s) got no answer from the target; first: {first['id']}: "
            f"{first['error']}"
        )
    if options.resume and state.resumed == 0:
        gate["warnings"].append("--resume found no partial results for this configuration")
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": KIND,
        "generated_at": generated_at(),
        "harness_version": __version__,
        "commit": git_head(project),
        "dataset": {"path": cfg.dataset, "sha256": dataset.sha256, "n": dataset.n},
        "target": _public_target(cfg),
        "judge": judge_info and {**judge_info, "cache_hits": judge_cache_hits},
        "settings": {
            "k": cfg.k,
            "concurrency": cfg.concurrency,
            "timeout_s": cfg.timeout,
            "retries": cfg.retries,
            "tolerance": cfg.tolerance,
            "min_coverage": cfg.min_coverage,
            "accept": sorted(cfg.accept),
            "thresholds": cfg.thresholds,
        },
        "fingerprint": fp,
        "metrics": summaries,
        **ops_summary(records),
        "run": {
            "duration_s": round(time.perf_counter() - started, 3),
            "resumed_samples": state.resumed,
            "target_calls": state.target_calls,
            "target_cache_hits": state.target_cache_hits,
        },
        "gate": gate,
        "comparison": comparison,
        "samples": records,
    }


def _public_target(cfg: EvalConfig) -> dict[str, Any]:
    if cfg.url:
        return {"kind": "http", "url": cfg.url}
    return {"kind": "callable", "spec": cfg.target}
