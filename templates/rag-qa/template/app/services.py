"""Wire the service from settings: store, embedder, retriever, provider."""

from __future__ import annotations

from app.core.config import Settings
from app.llm.providers import build_provider
from app.rag.embeddings import Embedder
from app.rag.ingest import Ingestor
from app.rag.retrieval import CrossEncoderReranker, RetrievalConfig, Retriever
from app.rag.service import RagService
from app.rag.store import SQLiteStore, Store


def build_store(settings: Settings, embedder: Embedder) -> Store:
    if settings.VECTOR_STORE == "pgvector":
        from app.rag.pgvector_store import PgVectorStore

        return PgVectorStore(str(settings.DATABASE_URL), embedder.dimension)
    return SQLiteStore(settings.DATA_DIR / "rag.sqlite3")


def build_service(settings: Settings, embedder: Embedder | None = None) -> RagService:
    embedder = embedder or Embedder(
        settings.EMBEDDING_MODEL_PATH,
        settings.EMBEDDING_BATCH_SIZE,
        settings.EMBEDDING_CACHE_DIR,
        settings.TORCH_THREADS,
    )
    store = build_store(settings, embedder)
    reranker = (
        CrossEncoderReranker(settings.RERANKER_MODEL) if settings.RERANKER != "none" else None
    )
    retriever = Retriever(store, embedder, RetrievalConfig.from_settings(settings), reranker)
    ingestor = Ingestor(store, embedder, settings.CHUNK_SIZE, settings.CHUNK_OVERLAP)
    return RagService(
        store, ingestor, retriever, build_provider(settings, embedder.embed_documents)
    )
