"""Retrieval modes, fusion and the optional reranking stage."""

from __future__ import annotations

from dataclasses import replace

from fastapi.testclient import TestClient

from app.rag.retrieval import Hit, RetrievalConfig, Retriever


def test_modes_and_fusion(loaded_client: TestClient) -> None:
    service = loaded_client.app.state.service
    retriever: Retriever = service.retriever
    question = "error code E12 speed sensor magnet"
    for mode in ("bm25", "dense", "hybrid"):
        hits = retriever.search(question, 3, mode=mode)
        assert hits[0].chunk.id == "ebike-manual-md:5", mode
    hybrid = retriever.search(question, 3)
    assert hybrid[0].bm25_rank and hybrid[0].dense_rank  # both lists voted for the winner
    assert hybrid[0].dense_score is not None


def test_optional_reranker_reorders(loaded_client: TestClient) -> None:
    service = loaded_client.app.state.service

    class ReverseReranker:
        """Stands in for a cross-encoder: proves the stage runs and decides the order."""

        def rerank(self, query: str, hits: list[Hit]) -> list[Hit]:
            return [replace(h, score=float(i)) for i, h in enumerate(reversed(hits))]

    plain = Retriever(service.store, service.retriever.embedder, RetrievalConfig())
    reranked = Retriever(
        service.store, service.retriever.embedder, RetrievalConfig(), ReverseReranker()
    )
    question = "How long is the battery warranty?"
    before = [h.chunk.id for h in plain.search(question, 20)]
    after = [h.chunk.id for h in reranked.search(question, 20)]
    assert after == before[::-1]
