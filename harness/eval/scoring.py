"""Per-sample scoring: every selected metric for one sample, with reasons for what is unmeasured.

A metric is unmeasured (None, with a reason) when the row lacks an input it needs, the judge
errors or times out, or the score is NaN. Unmeasured values never enter a mean; they lower the
metric's coverage instead.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from typing import Any

from harness.eval.agent_metrics import task_success, tool_call_f1
from harness.eval.cache import DiskCache, content_key
from harness.eval.catalog import group_of
from harness.eval.dataset import Sample
from harness.eval.ragas_metrics import LLM, NON_LLM, JudgeHandle, NonLLMScorer
from harness.eval.retrieval import retrieval_metrics, score_retrieval
from harness.eval.targets import TargetResult

Scores = dict[str, float | None]
Reasons = dict[str, str]


@dataclass
class Scorer:
    metrics: list[str]
    k: int
    non_llm: NonLLMScorer | None
    judge: JudgeHandle | None
    cache: DiskCache
    ragas_version: str
    judge_gate: asyncio.Semaphore
    llm_cache_hits: int = 0

    async def score(self, sample: Sample, result: TargetResult) -> tuple[Scores, Reasons]:
        fields = ragas_fields(sample, result)
        scores: Scores = {}
        reasons: Reasons = {}
        llm_names: list[str] = []
        for name in self.metrics:
            group = group_of(name, self.k)
            if group == "llm":
                llm_names.append(name)
                continue
            try:
                value = await self._local(name, group, sample, result, fields)
            except Exception as exc:
                value, reasons[name] = None, _describe(exc)
            _record(name, value, scores, reasons)
        outcomes = await asyncio.gather(*(self._judged(n, fields) for n in llm_names))
        for name, (value, reason) in zip(llm_names, outcomes, strict=True):
            if reason:
                reasons[name] = reason
            _record(name, value, scores, reasons)
        return scores, reasons

    async def _local(
        self, name: str, group: str, sample: Sample, result: TargetResult, fields: dict[str, Any]
    ) -> float | None:
        if group == "retrieval":
            ids = [c.id for c in result.contexts if c.id]
            fn = retrieval_metrics(self.k)[name]
            return score_retrieval(name, fn, ids, sample.reference_context_ids, self.k)
        if group == "agent":
            if name == "task_success":
                return task_success(sample.expected_outcome, result.outcome)
            return tool_call_f1(sample.expected_tool_calls, result.tool_calls or [])
        assert self.non_llm is not None
        needed = NON_LLM[name][1]
        if _missing(needed, fields):
            return None
        # Cached like judge scores, so a fully cached rerun never imports ragas (seconds).
        key = content_key("ragas", name, self.ragas_version, {k: fields[k] for k in needed})
        cached = self.cache.get("scores", key)
        if isinstance(cached, dict) and isinstance(cached.get("value"), float):
            return float(cached["value"])
        value = await self.non_llm.score(name, fields)
        if math.isfinite(value):
            await self.cache.aput("scores", key, {"value": value})
        return value

    async def _judged(self, name: str, fields: dict[str, Any]) -> tuple[float | None, str]:
        needed = LLM[name][1]
        if _missing(needed, fields):
            return None, ""
        assert self.judge is not None
        key = content_key(
            "judge",
            name,
            self.ragas_version,
            self.judge.model,
            self.judge.base_url,
            {k: fields[k] for k in needed},
        )
        cached = self.cache.get("judge", key)
        if isinstance(cached, dict) and isinstance(cached.get("value"), float):
            self.llm_cache_hits += 1
            return cached["value"], ""
        try:
            async with self.judge_gate:
                value = await self.judge.score(name, fields)
        except Exception as exc:
            return None, _describe(exc)
        if not math.isfinite(value):
            return None, "judge gave NaN"
        await self.cache.aput("judge", key, {"value": value})
        return value, ""


def ragas_fields(sample: Sample, result: TargetResult) -> dict[str, Any]:
    return {
        "user_input": sample.user_input,
        "response": result.response,
        "reference": sample.reference,
        "retrieved_contexts": [c.text for c in result.contexts],
        "reference_contexts": sample.reference_contexts,
    }


def _missing(needed: tuple[str, ...], fields: dict[str, Any]) -> bool:
    return any(fields.get(key) is None or fields.get(key) == "" for key in needed)


def _record(name: str, value: float | None, scores: Scores, reasons: Reasons) -> None:
    if value is not None and not math.isfinite(value):
        value = None
        reasons.setdefault(name, "NaN score")
    if value is None:
        reasons.setdefault(name, "missing input for this metric")
    scores[name] = value


def _describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    kind = type(exc).__name__
    return f"{kind}: {text[:160]}" if text else kind
