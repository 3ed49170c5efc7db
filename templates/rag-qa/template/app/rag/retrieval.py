"""Hybrid retrieval: BM25 (bm25s) and dense cosine search, fused by weighted RRF.

Reciprocal rank fusion only looks at ranks, so the two very different score scales never need
calibrating. The BM25 index lives in memory and is rebuilt when the store's version changes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any, Literal

import bm25s
import numpy as np
import Stemmer

from app.rag.embeddings import Embedder
from app.rag.store import ChunkRecord, Store

Mode = Literal["hybrid", "bm25", "dense"]


@dataclass(frozen=True)
class RetrievalConfig:
    mode: Mode = "hybrid"
    candidates: int = 100
    rrf_k: int = 60
    bm25_weight: float = 1.0
    dense_weight: float = 1.0
    min_relevance: float = 0.3
    # Anserini's BEIR settings for BM25; measured on SciFact in bench/rag_retrieval.py.
    bm25_k1: float = 0.9
    bm25_b: float = 0.4

    @classmethod
    def from_settings(cls, settings: Any) -> RetrievalConfig:
        return cls(
            mode=settings.RETRIEVAL_MODE,
            candidates=settings.CANDIDATES,
            rrf_k=settings.RRF_K,
            bm25_weight=settings.BM25_WEIGHT,
            dense_weight=settings.DENSE_WEIGHT,
            min_relevance=settings.MIN_RELEVANCE,
        )


@dataclass(frozen=True)
class Hit:
    chunk: ChunkRecord
    score: float
    dense_score: float | None
    bm25_rank: int | None
    dense_rank: int | None


class _Bm25Index:
    def __init__(self, chunks: list[ChunkRecord], k1: float, b: float) -> None:
        self.stemmer = Stemmer.Stemmer("english")
        self.chunks = chunks
        self.model = bm25s.BM25(k1=k1, b=b, method="lucene")
        if chunks:
            tokens = bm25s.tokenize(
                [c.search_text for c in chunks],
                stopwords="en",
                stemmer=self.stemmer,
                show_progress=False,
            )
            self.model.index(tokens, show_progress=False)

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        if not self.chunks:
            return []
        tokens = bm25s.tokenize(
            [query], stopwords="en", stemmer=self.stemmer, show_progress=False, return_ids=False
        )
        if not tokens[0]:
            return []
        docs, scores = self.model.retrieve(
            tokens, k=min(k, len(self.chunks)), show_progress=False, n_threads=1
        )
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]


class Retriever:
    def __init__(
        self, store: Store, embedder: Embedder, config: RetrievalConfig, reranker: Any = None
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.config = config
        self.reranker = reranker
        self._lock = threading.Lock()
        self._version = -1
        self._bm25 = _Bm25Index([], config.bm25_k1, config.bm25_b)
        self._by_id: dict[str, ChunkRecord] = {}

    def refresh(self) -> None:
        """Rebuild the in-memory BM25 index if any process changed the store."""
        version = self.store.version()
        if version == self._version:
            return
        with self._lock:
            if version == self._version:
                return
            chunks = self.store.all_chunks()
            self._bm25 = _Bm25Index(chunks, self.config.bm25_k1, self.config.bm25_b)
            self._by_id = {c.id: c for c in chunks}
            self._version = version

    def search(self, query: str, top_k: int, mode: Mode | None = None) -> list[Hit]:
        self.refresh()
        mode = mode or self.config.mode
        cfg = self.config
        ranked: dict[str, dict[str, Any]] = {}
        qvec: np.ndarray | None = None
        if mode in ("hybrid", "bm25"):
            for rank, (pos, _) in enumerate(self._bm25.search(query, cfg.candidates), start=1):
                ranked.setdefault(self._bm25.chunks[pos].id, {})["bm25"] = rank
        if mode in ("hybrid", "dense"):
            qvec = self.embedder.embed_query(query)
            dense = self.store.dense_search(qvec, cfg.candidates)
            for rank, (chunk_id, score) in enumerate(dense, start=1):
                ranked.setdefault(chunk_id, {}).update(dense=rank, cos=score)
        hits = [self._fuse(chunk_id, info) for chunk_id, info in ranked.items()]
        hits = [h for h in hits if h is not None]
        hits.sort(key=lambda h: (-h.score, h.chunk.id))
        hits = hits[: max(top_k, 1) * (4 if self.reranker else 1)]
        if qvec is None and hits:
            qvec = self.embedder.embed_query(query)
        hits = self._with_similarity(qvec, hits)
        if self.reranker is not None:
            hits = self.reranker.rerank(query, hits)
        return hits[:top_k]

    def _fuse(self, chunk_id: str, info: dict[str, Any]) -> Hit | None:
        chunk = self._by_id.get(chunk_id)
        if chunk is None:  # written after our last refresh; next query will see it
            return None
        cfg = self.config
        score = 0.0
        if "bm25" in info:
            score += cfg.bm25_weight / (cfg.rrf_k + info["bm25"])
        if "dense" in info:
            score += cfg.dense_weight / (cfg.rrf_k + info["dense"])
        return Hit(chunk, score, info.get("cos"), info.get("bm25"), info.get("dense"))

    def _with_similarity(self, qvec: np.ndarray | None, hits: list[Hit]) -> list[Hit]:
        """Fill in cosine similarity for BM25-only hits: the relevance threshold needs it."""
        missing = [h.chunk.id for h in hits if h.dense_score is None]
        if qvec is None or not missing:
            return hits
        sims = self.store.similarities(qvec, missing)
        return [
            h if h.dense_score is not None else replace(h, dense_score=sims.get(h.chunk.id))
            for h in hits
        ]

    def relevant(self, hits: list[Hit]) -> list[Hit]:
        """Hits similar enough to the question to support an answer."""
        floor = self.config.min_relevance
        return [h for h in hits if h.dense_score is not None and h.dense_score >= floor]


class CrossEncoderReranker:
    """Optional second stage (RERANKER=cross-encoder): scores each (question, chunk) pair.

    RERANKER_MODEL must name a local sentence-transformers CrossEncoder directory; nothing is
    downloaded at run time.
    """

    def __init__(self, model_path: str) -> None:
        from sentence_transformers import CrossEncoder

        if not model_path:
            raise ValueError("RERANKER=cross-encoder needs RERANKER_MODEL (a local path)")
        self.model = CrossEncoder(model_path, device="cpu")

    def rerank(self, query: str, hits: list[Hit]) -> list[Hit]:
        if not hits:
            return hits
        scores = self.model.predict([(query, h.chunk.text) for h in hits])
        order = np.argsort(-np.asarray(scores), kind="stable")
        return [replace(hits[i], score=float(scores[i])) for i in order]
