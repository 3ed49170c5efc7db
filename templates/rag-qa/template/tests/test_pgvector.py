"""The pgvector store against a real PostgreSQL: same contract as the SQLite store.

Uses PGVECTOR_TEST_URL (default: the local server) when it offers the `vector` extension, in a
database created and dropped by the test; otherwise a throwaway `pgserver` instance (real
PostgreSQL + pgvector binaries from PyPI). Skips only when neither is available.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.rag.store import ChunkRecord, DocumentRecord, SQLiteStore, Store
from tests.conftest import SAMPLES, make_client, upload, wait_ready

pytestmark = pytest.mark.pgvector
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _server_with_vector(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            row = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name='vector'")
            return row.fetchone() is not None
    except psycopg.Error:
        return False


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    import psycopg

    admin = os.environ.get("PGVECTOR_TEST_URL") or DEFAULT_URL
    if _server_with_vector(admin):
        name = f"rag_test_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        base, _, _ = admin.rpartition("/")
        yield f"{base}/{name}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        return
    try:
        import pgserver
    except ImportError:
        pytest.skip(f"no PostgreSQL with pgvector at {admin} and pgserver not installed")
    # pgserver logs from an atexit hook, after pytest closed the streams: keep it quiet.
    logging.getLogger("pgserver").setLevel(logging.CRITICAL)
    # Not under pytest's tmp dir: as root, pgserver runs postgres as its own user, which cannot
    # enter pytest's 0700 base directory.
    data_dir = Path(tempfile.mkdtemp(prefix="rag-pgserver-"))
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    yield server.get_uri()
    server.cleanup()
    shutil.rmtree(data_dir, ignore_errors=True)


def _records(doc_id: str, n: int, dim: int = 4) -> tuple[DocumentRecord, list[ChunkRecord]]:
    doc = DocumentRecord(doc_id, f"{doc_id}.txt", doc_id, "text/plain", "h" + doc_id, 10, n, "t")
    chunks = [
        ChunkRecord(f"{doc_id}:{i}", doc_id, i, f"text {i}", i, i + 1, None, "", f"s {i}")
        for i in range(n)
    ]
    return doc, chunks


@pytest.fixture(params=["sqlite", "pgvector"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        s: Store = SQLiteStore(tmp_path / "s.sqlite3")
    else:
        from app.rag.pgvector_store import PgVectorStore

        url = request.getfixturevalue("pg_url")
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:  # a clean slate per test
            conn.execute("DROP TABLE IF EXISTS rag_chunks, rag_documents, rag_meta")
        s = PgVectorStore(url, dimension=4)
    yield s
    s.close()


def test_store_contract(store: Store) -> None:
    v0 = store.version()
    doc, chunks = _records("a", 3)
    vectors = np.eye(4, dtype=np.float32)[:3]
    store.replace_document(doc, chunks, vectors)
    assert store.version() > v0
    assert store.get_document("a") == doc
    assert [c.id for c in store.all_chunks()] == ["a:0", "a:1", "a:2"]
    hits = store.dense_search(np.array([0, 1, 0, 0], dtype=np.float32), 2)
    assert hits[0][0] == "a:1" and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    sims = store.similarities(np.array([1, 0, 0, 0], dtype=np.float32), ["a:0", "a:2"])
    assert sims["a:0"] == pytest.approx(1.0, abs=1e-5) and sims["a:2"] == pytest.approx(0.0)
    # Replacing swaps every chunk at once.
    doc2, chunks2 = _records("a", 1)
    store.replace_document(doc2, chunks2, np.eye(4, dtype=np.float32)[3:])
    assert [c.id for c in store.all_chunks()] == ["a:0"]
    assert store.delete_document("a") and not store.delete_document("a")
    assert store.all_chunks() == [] and store.list_documents() == []


def test_failed_write_rolls_back(store: Store) -> None:
    doc, chunks = _records("b", 2)
    store.replace_document(doc, chunks, np.eye(4, dtype=np.float32)[:2])
    bad_doc, bad_chunks = _records("b", 3)
    bad_chunks[2] = bad_chunks[0]  # duplicate primary key: fails mid-transaction
    with pytest.raises(Exception):  # noqa: B017 - each driver raises its own IntegrityError
        store.replace_document(bad_doc, bad_chunks, np.eye(4, dtype=np.float32)[:3])
    assert [c.id for c in store.all_chunks()] == ["b:0", "b:1"]


def test_api_on_pgvector(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS rag_chunks, rag_documents, rag_meta")
    monkeypatch.setenv("VECTOR_STORE", "pgvector")
    monkeypatch.setenv("DATABASE_URL", pg_url)
    with make_client() as client:
        _exercise(client)


def _exercise(client: TestClient) -> None:
    for path in sorted(SAMPLES.iterdir()):
        assert upload(client, path.name, path.read_bytes()).status_code == 201
    assert upload(client, "faq.html", (SAMPLES / "faq.html").read_bytes()).json()["status"] == (
        "unchanged"
    )
    body = client.post("/ask", json={"question": "How many days of annual leave?"}).json()
    assert "27 days" in body["answer"] and body["citations"][0]["document_id"] == "handbook-md"
    assert wait_ready(client) == {"status": "ready"}
    assert client.delete("/documents/handbook-md").status_code == 204
    assert len(client.get("/documents").json()) == 3
