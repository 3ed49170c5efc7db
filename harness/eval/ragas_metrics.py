"""The only module that touches ragas: a narrow wrapper with typed entry points.

Non-LLM metrics use ragas' single-turn metric classes, the very objects `ragas.evaluate()` runs,
so harness scores equal ragas' own. LLM metrics use `ragas.metrics.collections` with an
instructor LLM built by `llm_factory` over an `AsyncOpenAI` client pointed at any
OpenAI-compatible endpoint. Imports are deferred so `harness audit` never loads ragas.
"""

from __future__ import annotations

import importlib.metadata
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

from harness.eval.retry import CallStats

# Set before ragas is first imported: it reads the variable at import time to skip telemetry.
os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")

# metric name as reported -> (ragas class name, sample fields it needs)
NON_LLM: dict[str, tuple[str, tuple[str, ...]]] = {
    "non_llm_context_recall": ("NonLLMContextRecall", ("retrieved_contexts", "reference_contexts")),
    "non_llm_context_precision_with_reference": (
        "NonLLMContextPrecisionWithReference",
        ("retrieved_contexts", "reference_contexts"),
    ),
    "rouge_score": ("RougeScore", ("response", "reference")),
    "bleu_score": ("BleuScore", ("response", "reference")),
    "non_llm_string_similarity": ("NonLLMStringSimilarity", ("response", "reference")),
    "exact_match": ("ExactMatch", ("response", "reference")),
    "string_present": ("StringPresence", ("response", "reference")),
}

# metric name as reported -> (ragas.metrics.collections class name, ascore keyword arguments)
LLM: dict[str, tuple[str, tuple[str, ...]]] = {
    "faithfulness": ("Faithfulness", ("user_input", "response", "retrieved_contexts")),
    "answer_relevancy": ("AnswerRelevancy", ("user_input", "response")),
    "context_precision": ("ContextPrecision", ("user_input", "reference", "retrieved_contexts")),
    "factual_correctness": ("FactualCorrectness", ("response", "reference")),
}


def ragas_version() -> str:
    # From the installed metadata: importing ragas only to read its version costs seconds.
    # Retrieval and agent metrics need no ragas; without it their fingerprints say so.
    try:
        return importlib.metadata.version("ragas")
    except importlib.metadata.PackageNotFoundError:
        return "not-installed"


def _legacy_metric(class_name: str) -> Any:
    # ragas 0.4 warns on these imports in favour of collections, which lacks the non-LLM
    # context metrics; the legacy classes are what evaluate() itself runs.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import ragas.metrics as legacy

        return getattr(legacy, class_name)()


class NonLLMScorer:
    """One instance of each selected non-LLM metric, made on first use: a fully cached rerun
    never pays ragas' import time."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self._metrics: dict[str, Any] | None = None

    async def score(self, name: str, fields: dict[str, Any]) -> float:
        if self._metrics is None:
            self._metrics = {n: _legacy_metric(NON_LLM[n][0]) for n in self.names}
        from ragas.dataset_schema import SingleTurnSample

        needed = NON_LLM[name][1]
        sample = SingleTurnSample(**{key: fields[key] for key in needed})
        value: float = await self._metrics[name].single_turn_ascore(sample)
        return float(value)


@dataclass
class JudgeHandle:
    """The judge's settings; its client and ragas metrics are built on the first cache miss,
    once, in a worker thread (every caller awaits the same build), so the seconds ragas takes
    to import never stall the target calls in flight.
    """

    names: list[str]
    model: str
    base_url: str
    api_key: str
    embedding_model: str
    timeout: float
    retries: int
    stats: CallStats = field(default_factory=CallStats)
    _client: Any = None
    _metrics: dict[str, Any] | None = None
    _building: Any = None

    async def score(self, name: str, fields: dict[str, Any]) -> float:
        metrics = self._metrics if self._metrics is not None else await self._abuild()
        kwargs = {key: fields[key] for key in LLM[name][1]}
        result = await metrics[name].ascore(**kwargs)
        return float(result.value)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()

    async def _abuild(self) -> dict[str, Any]:
        import asyncio

        if self._building is None:
            self._building = asyncio.ensure_future(asyncio.to_thread(self._build))
        return await asyncio.shield(self._building)

    def _build(self) -> dict[str, Any]:
        import httpx
        from openai import AsyncOpenAI

        from harness.eval.retry import RetryingTransport, RetryPolicy

        transport = RetryingTransport(
            RetryPolicy(retries=self.retries), stats=self.stats, deadline=self.timeout
        )
        self._client = AsyncOpenAI(
            base_url=self.base_url,
            api_key=self.api_key,
            timeout=self.timeout,
            max_retries=0,  # retries live in RetryingTransport: one policy, one set of counters
            http_client=httpx.AsyncClient(transport=transport, timeout=self.timeout),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from ragas.embeddings.base import embedding_factory
            from ragas.llms import llm_factory
            from ragas.metrics import collections

            llm = llm_factory(self.model, client=self._client)
            metrics: dict[str, Any] = {}
            for name in self.names:
                cls = getattr(collections, LLM[name][0])
                if name == "answer_relevancy":
                    embeddings = embedding_factory(
                        "openai", model=self.embedding_model, client=self._client
                    )
                    metrics[name] = cls(llm=llm, embeddings=embeddings)
                else:
                    metrics[name] = cls(llm=llm)
        self._metrics = metrics
        return metrics
