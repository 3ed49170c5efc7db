"""The same code on the real servers: Alembic round-trip on PostgreSQL, the API on PostgreSQL +
Redis, and the worker process taking jobs from the Redis queue."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from app.core.db import sqlalchemy_url
from app.core.migrations import downgrade, upgrade
from app.models import Base
from tests.conftest import create_user, make_client

PROJECT = Path(__file__).resolve().parent.parent
TABLES = set(Base.metadata.tables)


def _tables(url: str) -> set[str]:
    engine = create_engine(sqlalchemy_url(url))
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_alembic_round_trip_on_postgres(postgres_url: str) -> None:
    upgrade(postgres_url)
    assert _tables(postgres_url) == TABLES
    downgrade(postgres_url, "base")
    assert _tables(postgres_url) == set()
    upgrade(postgres_url)
    assert _tables(postgres_url) == TABLES


@pytest.mark.postgres
def test_concurrent_upgrades_take_turns(postgres_url: str) -> None:
    """Replicas starting together on an empty database: the advisory lock serialises them."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        for future in [pool.submit(upgrade, postgres_url) for _ in range(4)]:
            future.result()
    assert _tables(postgres_url) == TABLES


def test_alembic_round_trip_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'round.db'}"
    upgrade(url)
    assert _tables(url) == TABLES
    downgrade(url, "base")
    assert _tables(url) == set()


def test_models_match_migrations(tmp_path: Path) -> None:
    """A model change without a migration fails here (alembic autogenerate finds a diff)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    url = f"sqlite:///{tmp_path / 'diff.db'}"
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []


@pytest.mark.postgres
@pytest.mark.redis
def test_api_on_postgres_and_redis(
    postgres_url: str, redis_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "3")
    with make_client() as client:
        assert client.get("/readyz").json()["checks"] == {"database": "ok", "redis": "ok"}
        auth = create_user(client)
        text = "Summarise: the new dashboard cut incident response time by a third."
        first = client.post("/chat", json={"message": text}, headers=auth).json()
        second = client.post("/chat", json={"message": text}, headers=auth).json()
        assert (first["cached"], second["cached"]) == (False, True)
        client.post("/chat", json={"message": "One more message."}, headers=auth)
        limited = client.post("/chat", json={"message": "Too many now."}, headers=auth)
        assert limited.status_code == 429 and "Retry-After" in limited.headers
    import redis

    keys = redis.Redis.from_url(os.environ["REDIS_URL"]).keys(f"{redis_env}*")
    assert keys and all(key.decode().startswith(redis_env) for key in keys)


@pytest.mark.postgres
@pytest.mark.redis
def test_worker_process_runs_jobs_and_stops_gracefully(
    postgres_url: str, redis_env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "WORKER_METRICS_PORT": "0",
           "WORKER_POLL_SECONDS": "0.2"}  # fmt: skip
    with make_client() as client:
        auth = create_user(client)
        # The API does not run jobs itself when Redis is configured: queued until the worker.
        job = client.post("/jobs", json={"text": "Summarise: sales rose. Costs fell."},
                          headers=auth).json()  # fmt: skip
        time.sleep(0.3)
        assert client.get(f"/jobs/{job['id']}", headers=auth).json()["status"] == "queued"
        assert "app_queue_depth 1.0" in client.get("/metrics").text
        worker = subprocess.Popen(
            [sys.executable, "-m", "app.worker"], cwd=tmp_path, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while (state := client.get(f"/jobs/{job['id']}", headers=auth).json())[
                "status"
            ] != "done":
                assert time.monotonic() < deadline, state
                assert worker.poll() is None, worker.stdout.read() if worker.stdout else ""
                time.sleep(0.1)
            assert state["result"].startswith("Offline mode")
        finally:
            worker.terminate()
            output, _ = worker.communicate(timeout=15)
        assert worker.returncode == 0, output
        assert "worker stopped" in output
