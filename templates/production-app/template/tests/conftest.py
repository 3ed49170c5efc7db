"""Every test runs offline, on its own SQLite file (or its own PostgreSQL database / Redis key
prefix), with no key and no .env of the developer's."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core import db
from app.core.config import get_settings

ADMIN_TOKEN = "admin-token-for-tests"
_PREFIXES = ("LLM_", "LANGFUSE_", "TRACING_", "DATABASE_URL", "REDIS_", "API_TOKEN",
             "RATE_LIMIT", "DAILY_BUDGET", "CACHE_TTL", "PII_MODE", "ROUTER_", "HISTORY_", "DB_",
             "WORKER_", "MAX_", "AUTH_", "METRICS_")  # fmt: skip
# Set TEST_REQUIRE_SERVERS=1 (the harness's CI does) to fail instead of skip without them.
REQUIRE_SERVERS = os.environ.get("TEST_REQUIRE_SERVERS") == "1"
POSTGRES_TEST_URL = os.environ.get(
    "POSTGRES_TEST_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def _reset() -> None:
    from app.api.deps import auth_cache

    auth_cache.clear()
    get_settings.cache_clear()
    db.use_database(None)  # drops any URL the eval target pointed the engine at


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for key in list(os.environ):
        if key.startswith(_PREFIXES):
            monkeypatch.delenv(key)
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("API_TOKEN", ADMIN_TOKEN)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    # pydantic-settings reads .env from the working directory: keep the developer's out.
    monkeypatch.chdir(tmp_path)
    _reset()
    yield tmp_path
    _reset()


def make_client() -> TestClient:
    from app.main import create_app

    _reset()
    return TestClient(create_app())


@pytest.fixture
def client() -> Iterator[TestClient]:
    with make_client() as test_client:
        yield test_client


def create_user(client: TestClient, budget: float | None = None) -> dict[str, str]:
    """A new user; returns the headers that authenticate as them."""
    body: dict[str, object] = {"email": f"{uuid.uuid4().hex[:10]}@example.com"}
    if budget is not None:
        body["daily_budget_usd"] = budget
    response = client.post("/users", json=body, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['api_key']}"}


def feedback_count(client: object, value: str) -> float:
    """app_feedback_total{value=...}: a process-wide counter, so tests compare differences."""
    metrics = client.get("/metrics").text  # type: ignore[attr-defined]
    line = f'app_feedback_total{{value="{value}"}} '
    found = [float(row.removeprefix(line)) for row in metrics.splitlines() if row.startswith(line)]
    return found[0] if found else 0.0


@pytest.fixture
def auth(client: TestClient) -> dict[str, str]:
    return create_user(client)


def _unavailable(what: str, error: Exception) -> None:
    message = f"{what} unavailable: {error}"
    if REQUIRE_SERVERS:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database on the real server, dropped afterwards (parallel runs never meet)."""
    import psycopg

    name = f"wa_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(POSTGRES_TEST_URL, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        _unavailable("PostgreSQL", exc)
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_TEST_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        db.reset_engine()
        with psycopg.connect(POSTGRES_TEST_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The real Redis under a key prefix of this test's own, deleted afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        _unavailable("Redis", exc)
    prefix = f"test-{uuid.uuid4().hex[:12]}:"
    monkeypatch.setenv("REDIS_URL", REDIS_TEST_URL)
    monkeypatch.setenv("REDIS_PREFIX", prefix)
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()
