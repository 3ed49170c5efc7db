"""Document and chunk storage behind one interface, with the embedded SQLite default.

Writes of one document happen in one transaction: a crash mid-ingest leaves either the old
version or the new one, never a mix. `version` changes on every write so retrievers can
rebuild their in-memory indexes lazily, even when another process wrote.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from app.core.sqlite_wal import enable_wal


@dataclass(frozen=True)
class DocumentRecord:
    id: str
    filename: str
    title: str
    content_type: str
    sha256: str
    size_bytes: int
    chunk_count: int
    created_at: str


@dataclass(frozen=True)
class ChunkRecord:
    id: str
    document_id: str
    index: int
    text: str
    start: int
    end: int
    page: int | None
    heading: str
    # What retrieval indexes: the chunk with its document title and heading as context.
    search_text: str


class Store(Protocol):
    def version(self) -> int: ...
    def ping(self) -> None: ...
    def get_document(self, document_id: str) -> DocumentRecord | None: ...
    def list_documents(self) -> list[DocumentRecord]: ...
    def replace_document(
        self, doc: DocumentRecord, chunks: list[ChunkRecord], vectors: np.ndarray
    ) -> None: ...
    def delete_document(self, document_id: str) -> bool: ...
    def all_chunks(self) -> list[ChunkRecord]: ...
    def dense_search(self, query: np.ndarray, k: int) -> list[tuple[str, float]]: ...
    def similarities(self, query: np.ndarray, chunk_ids: list[str]) -> dict[str, float]: ...
    def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('version', 0);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, filename TEXT NOT NULL, title TEXT NOT NULL,
    content_type TEXT NOT NULL, sha256 TEXT NOT NULL, size_bytes INTEGER NOT NULL,
    chunk_count INTEGER NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL, text TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    page INTEGER, heading TEXT NOT NULL, search_text TEXT NOT NULL, embedding BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks(document_id);
"""

_SELECT_CHUNKS = (
    'SELECT id, document_id, idx, text, start, "end", page, heading, search_text FROM chunks '
    "ORDER BY document_id, idx"
)
_INSERT_CHUNK = (
    'INSERT INTO chunks (id, document_id, idx, text, start, "end", page, heading, search_text, '
    "embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class SQLiteStore:
    """SQLite for documents and chunks; exact cosine search over an in-memory matrix."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        enable_wal(self._db)
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._matrix_version = -1
        self._ids: list[str] = []
        self._matrix = np.zeros((0, 0), dtype=np.float32)

    def version(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key='version'").fetchone()
        return int(row[0])

    def ping(self) -> None:
        with self._lock:
            self._db.execute("SELECT 1").fetchone()

    def get_document(self, document_id: str) -> DocumentRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM documents WHERE id=?", (document_id,)).fetchone()
        return DocumentRecord(*row) if row else None

    def list_documents(self) -> list[DocumentRecord]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM documents ORDER BY created_at, id").fetchall()
        return [DocumentRecord(*row) for row in rows]

    def replace_document(
        self, doc: DocumentRecord, chunks: list[ChunkRecord], vectors: np.ndarray
    ) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM chunks WHERE document_id=?", (doc.id,))
                self._db.execute("DELETE FROM documents WHERE id=?", (doc.id,))
                self._db.execute(
                    "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        doc.id,
                        doc.filename,
                        doc.title,
                        doc.content_type,
                        doc.sha256,
                        doc.size_bytes,
                        doc.chunk_count,
                        doc.created_at,
                    ),
                )
                self._write_chunks(chunks, vectors)
                self._bump()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _write_chunks(self, chunks: list[ChunkRecord], vectors: np.ndarray) -> None:
        rows = [
            (
                c.id,
                c.document_id,
                c.index,
                c.text,
                c.start,
                c.end,
                c.page,
                c.heading,
                c.search_text,
                np.asarray(v, dtype=np.float32).tobytes(),
            )
            for c, v in zip(chunks, vectors, strict=True)
        ]
        self._db.executemany(_INSERT_CHUNK, rows)

    def _bump(self) -> None:
        self._db.execute("UPDATE meta SET value = value + 1 WHERE key='version'")

    def delete_document(self, document_id: str) -> bool:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM chunks WHERE document_id=?", (document_id,))
                gone = self._db.execute("DELETE FROM documents WHERE id=?", (document_id,))
                if gone.rowcount:
                    self._bump()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return bool(gone.rowcount)

    def all_chunks(self) -> list[ChunkRecord]:
        with self._lock:
            rows = self._db.execute(_SELECT_CHUNKS).fetchall()
        return [ChunkRecord(*row) for row in rows]

    def _load_matrix(self) -> None:
        version = self.version()
        if version == self._matrix_version:
            return
        with self._lock:
            rows = self._db.execute("SELECT id, embedding FROM chunks ORDER BY rowid").fetchall()
        self._ids = [row[0] for row in rows]
        vectors = [np.frombuffer(row[1], dtype=np.float32) for row in rows]
        self._matrix = np.stack(vectors) if vectors else np.zeros((0, 0), dtype=np.float32)
        self._index = {chunk_id: i for i, chunk_id in enumerate(self._ids)}
        self._matrix_version = version

    def dense_search(self, query: np.ndarray, k: int) -> list[tuple[str, float]]:
        self._load_matrix()
        if not self._ids:
            return []
        # Embeddings are normalized, so the dot product is the cosine similarity.
        scores = self._matrix @ query.astype(np.float32)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self._ids[i], float(scores[i])) for i in top]

    def similarities(self, query: np.ndarray, chunk_ids: list[str]) -> dict[str, float]:
        self._load_matrix()
        rows = [self._index[c] for c in chunk_ids if c in self._index]
        scores = self._matrix[rows] @ query.astype(np.float32) if rows else []
        return {self._ids[r]: float(s) for r, s in zip(rows, scores, strict=True)}

    def close(self) -> None:
        with self._lock:
            self._db.close()
