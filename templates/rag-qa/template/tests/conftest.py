"""Every test runs offline, in a fresh data dir, with no key and no .env of the developer's."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.config import get_settings

SAMPLES = Path(__file__).resolve().parent.parent / "sample_docs"
_PREFIXES = (
    *(
        "LLM_",
        "LANGFUSE_",
        "TRACING_",
        "VECTOR_STORE",
        "DATABASE_URL",
        "API_TOKEN",
        "RERANKER",
        "RETRIEVAL_",
    ),
    *("TOP_K", "MIN_RELEVANCE", "CHUNK_", "DATA_DIR", "MAX_UPLOAD", "TORCH_THREADS", "CORS_"),
)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for key in list(os.environ):
        if key.startswith(_PREFIXES):
            monkeypatch.delenv(key)
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    # pydantic-settings reads .env from the working directory: keep the developer's out.
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def make_client() -> TestClient:
    from app.main import create_app

    get_settings.cache_clear()
    return TestClient(create_app())


@pytest.fixture
def client() -> Iterator[TestClient]:
    with make_client() as test_client:
        yield test_client


def wait_ready(client: TestClient, timeout: float = 120.0) -> dict[str, str]:
    """Poll /readyz until the embedding model is loaded (it loads in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get("/readyz")
        if response.status_code == 200 or time.monotonic() > deadline:
            body: dict[str, str] = response.json()
            return body
        time.sleep(0.1)


def upload(client: TestClient, name: str, data: bytes, token: str | None = None) -> object:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/documents", files={"file": (name, data)}, headers=headers)


@pytest.fixture
def loaded_client(client: TestClient) -> TestClient:
    for path in sorted(SAMPLES.iterdir()):
        response = upload(client, path.name, path.read_bytes())
        assert response.status_code == 201, response.text
    return client
