"""Ingestion pipeline: load -> clean -> chunk -> embed -> index, atomically per document."""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from app.rag.chunking import chunk_text
from app.rag.embeddings import Embedder
from app.rag.loaders import (
    UnsupportedDocument,
    content_type_for,
    document_id_for,
    load_document,
    safe_filename,
)
from app.rag.store import ChunkRecord, DocumentRecord, Store

logger = logging.getLogger(__name__)


class DocumentConflict(Exception):
    """The upload would silently replace a different document, or races another upload of
    the same one; the API maps it to 409."""


@dataclass(frozen=True)
class IngestResult:
    document: DocumentRecord
    status: Literal["created", "replaced", "unchanged"]


def search_text(title: str, heading: str, text: str) -> str:
    """Contextual header: title and heading path make short chunks findable on their own."""
    context = heading if heading.startswith(title) else " > ".join(p for p in (title, heading) if p)
    return f"{context}\n\n{text}" if context else text


class Ingestor:
    def __init__(self, store: Store, embedder: Embedder, chunk_size: int, overlap: int) -> None:
        self.store = store
        self.embedder = embedder
        self.chunk_size = chunk_size
        self.overlap = overlap
        # One upload per document id at a time (in this process); others get a 409.
        self._busy: set[str] = set()
        self._busy_lock = threading.Lock()

    def validate(self, filename: str) -> str:
        """Safe file name, or UnsupportedDocument before anything is read or written."""
        safe = safe_filename(filename)
        if not safe or not document_id_for(safe):
            raise UnsupportedDocument("invalid file name")
        content_type_for(safe)
        return safe

    def prepare(self, filename: str, data: bytes) -> tuple[DocumentRecord, list[ChunkRecord]]:
        """Load, clean and chunk; no embedding and no write yet."""
        safe = self.validate(filename)
        doc_id = document_id_for(safe)
        loaded = load_document(safe, data)
        chunks = chunk_text(loaded.text, self.chunk_size, self.overlap, loaded.page_starts)
        records = [
            ChunkRecord(
                id=f"{doc_id}:{c.index}",
                document_id=doc_id,
                index=c.index,
                text=c.text,
                start=c.start,
                end=c.end,
                page=loaded.page_at(c.start),
                heading=c.heading,
                search_text=search_text(loaded.title, c.heading, c.text),
            )
            for c in chunks
        ]
        doc = DocumentRecord(
            id=doc_id,
            filename=safe,
            title=loaded.title,
            content_type=loaded.content_type,
            sha256=hashlib.sha256(data).hexdigest(),
            size_bytes=len(data),
            chunk_count=len(records),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        return doc, records

    def ingest(self, filename: str, data: bytes) -> IngestResult:
        safe = self.validate(filename)
        doc_id = document_id_for(safe)
        with self._busy_lock:
            if doc_id in self._busy:
                raise DocumentConflict(
                    f"another upload of {safe!r} is in progress; retry when it has finished"
                )
            self._busy.add(doc_id)
        try:
            return self._ingest(safe, doc_id, data)
        finally:
            with self._busy_lock:
                self._busy.discard(doc_id)

    def _ingest(self, safe: str, doc_id: str, data: bytes) -> IngestResult:
        existing = self.store.get_document(doc_id)
        if existing is not None and existing.filename != safe:
            # `Q1 Report.md` and `q1_report.md` share an id: never replace one with the other.
            raise DocumentConflict(
                f"{safe!r} would replace the different document {existing.filename!r} "
                f"(both are {doc_id!r}): rename the file, or delete {doc_id!r} first"
            )
        if existing is not None and existing.sha256 == hashlib.sha256(data).hexdigest():
            return IngestResult(existing, "unchanged")
        doc, records = self.prepare(safe, data)
        vectors = self.embedder.embed_documents([r.search_text for r in records])
        # One transaction per document: readers see the old version or the new, never a mix.
        self.store.replace_document(doc, records, vectors)
        status: Literal["created", "replaced"] = "replaced" if existing else "created"
        logger.info(
            "document ingested",
            extra={"document_id": doc.id, "status": status, "chunks": len(records)},
        )
        return IngestResult(doc, status)
