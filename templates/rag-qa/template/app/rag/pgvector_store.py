"""PostgreSQL + pgvector implementation of the Store interface (VECTOR_STORE=pgvector)."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from app.rag.store import ChunkRecord, DocumentRecord

_SCHEMA = """
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE IF NOT EXISTS rag_meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO rag_meta VALUES ('version', 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS rag_documents (
    id TEXT PRIMARY KEY, filename TEXT NOT NULL, title TEXT NOT NULL,
    content_type TEXT NOT NULL, sha256 TEXT NOT NULL, size_bytes BIGINT NOT NULL,
    chunk_count INTEGER NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rag_chunks (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES rag_documents(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL, text TEXT NOT NULL, start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL, page INTEGER, heading TEXT NOT NULL,
    search_text TEXT NOT NULL, embedding vector({dim}) NOT NULL
);
CREATE INDEX IF NOT EXISTS rag_chunks_document ON rag_chunks(document_id);
CREATE INDEX IF NOT EXISTS rag_chunks_embedding ON rag_chunks
    USING hnsw (embedding vector_cosine_ops);
"""

_SELECT_CHUNKS = (
    "SELECT id, document_id, idx, text, start_offset, end_offset, page, heading, search_text "
    "FROM rag_chunks ORDER BY document_id, idx"
)
_INSERT_CHUNK = (
    "INSERT INTO rag_chunks (id, document_id, idx, text, start_offset, end_offset, page, heading, "
    "search_text, embedding) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


class PgVectorStore:
    """Same contract as SQLiteStore; dense search runs in PostgreSQL (HNSW, cosine)."""

    def __init__(self, dsn: str, dimension: int) -> None:
        import psycopg
        from pgvector.psycopg import register_vector

        self._conn: Any = psycopg.connect(dsn, autocommit=True)
        # The extension must exist before its type can be registered on the connection.
        self._conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        register_vector(self._conn)
        self._conn.execute(_SCHEMA.replace("{dim}", str(int(dimension))))
        self._lock = threading.RLock()

    def version(self) -> int:
        with self._lock:
            row = self._conn.execute("SELECT value FROM rag_meta WHERE key='version'").fetchone()
        return int(row[0])

    def ping(self) -> None:
        with self._lock:
            self._conn.execute("SELECT 1").fetchone()

    def get_document(self, document_id: str) -> DocumentRecord | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT * FROM rag_documents WHERE id=%s", (document_id,)
            ).fetchone()
        return DocumentRecord(*row) if row else None

    def list_documents(self) -> list[DocumentRecord]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT * FROM rag_documents ORDER BY created_at, id"
            ).fetchall()
        return [DocumentRecord(*row) for row in rows]

    def replace_document(
        self, doc: DocumentRecord, chunks: list[ChunkRecord], vectors: np.ndarray
    ) -> None:
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
                np.asarray(v, dtype=np.float32),
            )
            for c, v in zip(chunks, vectors, strict=True)
        ]
        with self._lock, self._conn.transaction():
            self._conn.execute("DELETE FROM rag_documents WHERE id=%s", (doc.id,))
            self._conn.execute(
                "INSERT INTO rag_documents VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
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
            with self._conn.cursor() as cur:
                cur.executemany(_INSERT_CHUNK, rows)
            self._conn.execute("UPDATE rag_meta SET value = value + 1 WHERE key='version'")

    def delete_document(self, document_id: str) -> bool:
        with self._lock, self._conn.transaction():
            gone = self._conn.execute("DELETE FROM rag_documents WHERE id=%s", (document_id,))
            if gone.rowcount:
                self._conn.execute("UPDATE rag_meta SET value = value + 1 WHERE key='version'")
        return bool(gone.rowcount)

    def all_chunks(self) -> list[ChunkRecord]:
        with self._lock:
            rows = self._conn.execute(_SELECT_CHUNKS).fetchall()
        return [ChunkRecord(*row) for row in rows]

    def dense_search(self, query: np.ndarray, k: int) -> list[tuple[str, float]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, 1 - (embedding <=> %s) AS score FROM rag_chunks "
                "ORDER BY embedding <=> %s LIMIT %s",
                (query.astype(np.float32), query.astype(np.float32), k),
            ).fetchall()
        return [(row[0], float(row[1])) for row in rows]

    def similarities(self, query: np.ndarray, chunk_ids: list[str]) -> dict[str, float]:
        if not chunk_ids:
            return {}
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, 1 - (embedding <=> %s) FROM rag_chunks WHERE id = ANY(%s)",
                (query.astype(np.float32), chunk_ids),
            ).fetchall()
        return {row[0]: float(row[1]) for row in rows}

    def close(self) -> None:
        with self._lock:
            self._conn.close()
