"""Entry point for `harness eval`: answers one dataset row with this project's own pipeline.

Configured in pyproject.toml under [tool.harness.eval]. The bundled sample documents are
ingested into a throwaway SQLite store (or the configured pgvector database) on first call.
"""

from __future__ import annotations

import tempfile
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.core.config import get_settings
from app.rag.service import RagService
from app.services import build_service

SAMPLE_DOCS = Path(__file__).resolve().parent.parent / "sample_docs"


def ingest_samples(service: RagService) -> None:
    for path in sorted(SAMPLE_DOCS.iterdir()):
        service.ingestor.ingest(path.name, path.read_bytes())


_LOCK = threading.Lock()


@lru_cache
def _build() -> RagService:
    settings = get_settings()
    if settings.VECTOR_STORE == "sqlite":
        # Never evaluate against (or write into) the developer's own data directory.
        scratch = Path(tempfile.mkdtemp(prefix="rag-eval-"))
        settings = settings.model_copy(update={"DATA_DIR": scratch})
    service = build_service(settings)
    ingest_samples(service)
    return service


def _service() -> RagService:
    # `harness eval` calls the target from several threads at once: build the service once.
    with _LOCK:
        return _build()


def target(row: dict[str, Any]) -> dict[str, Any]:
    answer = _service().ask(row["user_input"], get_settings().TOP_K)
    return {
        "response": answer.answer,
        "retrieved_contexts": [{"id": c.chunk_id, "text": c.text} for c in answer.retrieved],
        "usage": answer.usage,
        "model": answer.model,
        "cost_usd": answer.cost_usd,
    }
