"""The question-answering use case: retrieve, decide whether we know, generate, cite, account."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from app.core.costs import Ledger
from app.core.tracing import get_langfuse
from app.llm import citations
from app.llm.prompts import NO_ANSWER, Source
from app.llm.providers import Completion, Provider
from app.rag.ingest import Ingestor
from app.rag.retrieval import Hit, Retriever
from app.rag.store import Store

logger = logging.getLogger(__name__)


@dataclass
class Citation:
    number: int
    chunk_id: str
    document_id: str
    title: str
    text: str
    start: int
    end: int
    page: int | None
    score: float
    # (start, end) offsets into `text` of the sentences the answer cites this chunk for.
    highlights: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Answer:
    answer: str
    citations: list[Citation]
    retrieved: list[Citation]
    usage: dict[str, int]
    model: str
    cost_usd: float
    latency_ms: float
    grounded: bool
    invalid_citations: list[int] = field(default_factory=list)
    trace_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _citation(number: int, hit: Hit, titles: dict[str, str]) -> Citation:
    c = hit.chunk
    score = round(hit.dense_score if hit.dense_score is not None else hit.score, 4)
    title = titles.get(c.document_id, c.document_id)
    return Citation(number, c.id, c.document_id, title, c.text, c.start, c.end, c.page, score)


class RagService:
    def __init__(
        self, store: Store, ingestor: Ingestor, retriever: Retriever, provider: Provider
    ) -> None:
        self.store = store
        self.ingestor = ingestor
        self.retriever = retriever
        self.provider = provider
        self.ledger = Ledger()

    def _retrieve(self, question: str, top_k: int) -> tuple[list[Citation], list[Source]]:
        with get_langfuse().start_as_current_observation(
            name="retrieval", as_type="retriever", input={"question": question, "top_k": top_k}
        ) as span:
            hits = self.retriever.search(question, top_k)
            relevant = self.retriever.relevant(hits)
            titles = {d.id: d.title for d in self.store.list_documents()}
            retrieved = [_citation(i, h, titles) for i, h in enumerate(hits, start=1)]
            keep = {h.chunk.id for h in relevant}
            sources = [
                Source(c.number, c.chunk_id, c.document_id, c.title, c.text)
                for c in retrieved
                if c.chunk_id in keep
            ]
            span.update(
                output={"chunk_ids": [c.chunk_id for c in retrieved], "relevant": len(sources)}
            )
        return retrieved, sources

    def _finish(
        self, completion: Completion, retrieved: list[Citation], sources: list[Source], t0: float
    ) -> Answer:
        cited, invalid = citations.validate(completion.text, sources)
        cited_ids = {s.chunk_id for s in cited}
        claims = citations.claims(completion.text)
        answer = Answer(
            answer=completion.text,
            citations=[
                replace(c, highlights=citations.highlights(claims.get(c.number, []), c.text))
                for c in retrieved
                if c.chunk_id in cited_ids
            ],
            retrieved=retrieved,
            usage={
                "input_tokens": completion.input_tokens,
                "output_tokens": completion.output_tokens,
            },
            model=completion.model,
            cost_usd=completion.cost_usd,
            latency_ms=round((time.perf_counter() - t0) * 1000, 2),
            grounded=bool(sources),
            invalid_citations=invalid,
            trace_id=get_langfuse().get_current_trace_id(),
        )
        self.ledger.record(
            latency_ms=answer.latency_ms,
            cost=answer.cost_usd,
            input_tokens=completion.input_tokens,
            output_tokens=completion.output_tokens,
        )
        get_langfuse().update_current_span(
            output={"answer": answer.answer, "citations": sorted(cited_ids)},
            metadata={"cost_usd": answer.cost_usd, "model": answer.model},
        )
        return answer

    def ask(self, question: str, top_k: int) -> Answer:
        t0 = time.perf_counter()
        with get_langfuse().start_as_current_observation(
            name="rag.ask", as_type="chain", input={"question": question}
        ):
            try:
                retrieved, sources = self._retrieve(question, top_k)
                if not sources:
                    # Nothing relevant: say so instead of letting a model invent an answer.
                    completion = Completion(NO_ANSWER, self.provider.model)
                else:
                    completion = self.provider.generate(question, sources)
            except Exception:
                self.ledger.record_error()
                raise
            return self._finish(completion, retrieved, sources, t0)

    def ask_stream(self, question: str, top_k: int) -> Iterator[dict[str, Any]]:
        """Events: one `retrieved`, then `token`s, then `done` with the full answer."""
        t0 = time.perf_counter()
        with get_langfuse().start_as_current_observation(
            name="rag.ask.stream", as_type="chain", input={"question": question}
        ):
            try:
                retrieved, sources = self._retrieve(question, top_k)
                yield {"event": "retrieved", "data": [asdict(c) for c in retrieved]}
                completion = Completion("", self.provider.model)
                if not sources:
                    completion.text = NO_ANSWER
                    yield {"event": "token", "data": {"text": NO_ANSWER}}
                else:
                    for delta in self.provider.stream(question, sources, completion):
                        yield {"event": "token", "data": {"text": delta}}
            except Exception:
                self.ledger.record_error()
                raise
            yield {
                "event": "done",
                "data": self._finish(completion, retrieved, sources, t0).to_dict(),
            }
