"""Runs every sample through the target and the scorer under bounded concurrency.

`--concurrency N` bounds the calls in flight to each endpoint: at most N target calls and,
separately, at most N judge metric evaluations (ragas' `RunConfig(max_workers=N)` meaning). Two
gates rather than one so fast target calls never queue behind slow judge calls, or vice versa.
Each finished sample is persisted to the partial results file before it is counted, so
`--resume` continues where a crash stopped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.eval.cache import DiskCache, content_key
from harness.eval.dataset import Dataset, Sample
from harness.eval.partial import PartialResults
from harness.eval.prices import cost_usd
from harness.eval.scoring import Scorer, _describe
from harness.eval.targets import Target, TargetResult


@dataclass
class RunState:
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    resumed: int = 0
    target_calls: int = 0
    target_cache_hits: int = 0


@dataclass
class Runner:
    dataset: Dataset
    target: Target
    scorer: Scorer
    cache: DiskCache
    target_cache: bool
    timeout: float
    partial: PartialResults
    target_gate: asyncio.Semaphore
    on_done: Callable[[], None] = lambda: None
    state: RunState = field(default_factory=RunState)

    async def run(self, resume: bool) -> RunState:
        kept = self.partial.load() if resume else {}
        kept = {sid: rec for sid, rec in kept.items() if sid in self._ids()}
        self.state.records.update(kept)
        self.state.resumed = len(kept)
        self.partial.open(kept)
        for _ in kept:
            self.on_done()
        todo = [s for s in self.dataset.samples if s.id not in kept]
        await asyncio.gather(*(self._one(sample) for sample in todo))
        return self.state

    def _ids(self) -> set[str]:
        return {s.id for s in self.dataset.samples}

    async def _one(self, sample: Sample) -> None:
        try:
            result, latency_ms, cached = await self._answer(sample)
        except Exception as exc:
            record = _failed_record(sample, _describe(exc))
        else:
            scores, reasons = await self.scorer.score(sample, result)
            record = _record(sample, result, latency_ms, cached, scores, reasons)
        self.state.records[sample.id] = record
        self.partial.append(record)
        self.on_done()

    async def _answer(self, sample: Sample) -> tuple[TargetResult, float, bool]:
        key = content_key("target", self.target.identity(), sample.raw)
        if self.target_cache:
            hit = self.cache.get("target", key)
            if isinstance(hit, dict):
                self.state.target_cache_hits += 1
                return TargetResult.from_json(hit["result"]), float(hit["latency_ms"]), True
        async with self.target_gate:
            self.state.target_calls += 1
            started = time.perf_counter()
            result = await asyncio.wait_for(self.target.call(sample), timeout=self.timeout)
            latency_ms = (time.perf_counter() - started) * 1000
        if self.target_cache:
            await self.cache.aput(
                "target", key, {"result": result.to_json(), "latency_ms": latency_ms}
            )
        return result, latency_ms, False


def _record(
    sample: Sample,
    result: TargetResult,
    latency_ms: float,
    cached: bool,
    scores: dict[str, float | None],
    reasons: dict[str, str],
) -> dict[str, Any]:
    cost = result.cost_usd
    if cost is None and result.input_tokens is not None and result.output_tokens is not None:
        cost = cost_usd(result.model, result.input_tokens, result.output_tokens)
    return {
        "id": sample.id,
        "user_input": sample.user_input,
        "tags": sample.tags,
        "status": "ok",
        "error": None,
        "cached": cached,
        "latency_ms": round(latency_ms, 3),
        "model": result.model,
        "input_tokens": result.input_tokens,
        "output_tokens": result.output_tokens,
        "cost_usd": cost,
        "response": result.response,
        "retrieved_ids": [c.id for c in result.contexts],
        "scores": scores,
        "unmeasured": reasons,
    }


def _failed_record(sample: Sample, error: str) -> dict[str, Any]:
    # A failed target call leaves every metric unmeasured; its latency is not a real answer time.
    return {
        "id": sample.id,
        "user_input": sample.user_input,
        "tags": sample.tags,
        "status": "target_error",
        "error": error,
        "cached": False,
        "latency_ms": None,
        "model": None,
        "input_tokens": None,
        "output_tokens": None,
        "cost_usd": None,
        "response": None,
        "retrieved_ids": [],
        "scores": {},
        "unmeasured": {},
    }
