"""Settings of this service: the shared base plus ingestion, retrieval and storage knobs."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from app.core.settings_base import SharedSettings


class Settings(SharedSettings):
    PROJECT_NAME: str = "rag-qa"

    # Storage: SQLite + in-process vectors need no server; pgvector shares the interface.
    DATA_DIR: Path = Path("data")
    VECTOR_STORE: Literal["sqlite", "pgvector"] = "sqlite"
    # libpq URL; a socket dir works too: postgresql://user@/db?host=/var/run/postgresql
    DATABASE_URL: str | None = None
    POSTGRES_PASSWORD: SecretStr | None = None

    # Uploads
    MAX_UPLOAD_BYTES: int = Field(default=10 * 1024 * 1024, gt=0)

    # Chunking (characters). Defaults chosen on the bundled samples, see README "Decisions".
    CHUNK_SIZE: int = Field(default=1000, ge=100)
    CHUNK_OVERLAP: int = Field(default=150, ge=0)

    # Embeddings: a local model path; empty means the bundled all-MiniLM-L6-v2 package.
    EMBEDDING_MODEL_PATH: str = ""
    EMBEDDING_BATCH_SIZE: int = Field(default=32, gt=0)
    # Disk cache of chunk embeddings keyed by model + text hash; empty disables it.
    EMBEDDING_CACHE_DIR: str = ""
    # torch intra-op threads; 1 keeps query latency flat under load, 0 = torch's default.
    TORCH_THREADS: int = Field(default=1, ge=0)

    # Retrieval: hybrid BM25 + dense, fused by weighted reciprocal rank fusion.
    RETRIEVAL_MODE: Literal["hybrid", "bm25", "dense"] = "hybrid"
    TOP_K: int = Field(default=5, gt=0, le=50)
    CANDIDATES: int = Field(default=100, gt=0)
    RRF_K: int = Field(default=60, gt=0)
    BM25_WEIGHT: float = Field(default=1.0, ge=0)
    DENSE_WEIGHT: float = Field(default=1.0, ge=0)
    # Below this cosine similarity nothing counts as relevant and the answer is "I don't know".
    MIN_RELEVANCE: float = Field(default=0.3, ge=-1, le=1)
    RERANKER: Literal["none", "cross-encoder"] = "none"
    RERANKER_MODEL: str = ""

    @model_validator(mode="after")
    def _check_store(self) -> Settings:
        if self.VECTOR_STORE == "pgvector" and not (self.DATABASE_URL or "").startswith(
            ("postgresql://", "postgres://")
        ):
            raise ValueError("VECTOR_STORE=pgvector needs DATABASE_URL=postgresql://...")
        if self.CHUNK_OVERLAP >= self.CHUNK_SIZE:
            raise ValueError("CHUNK_OVERLAP must be smaller than CHUNK_SIZE")
        if self.VECTOR_STORE == "pgvector":
            self._check_secret("POSTGRES_PASSWORD", self.POSTGRES_PASSWORD)
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
