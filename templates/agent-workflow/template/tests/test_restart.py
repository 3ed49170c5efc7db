"""Durability: a run paused for approval survives `kill -9` of the service and resumes once.

The service runs as a real subprocess (uvicorn) so the kill is a real SIGKILL: no shutdown
hooks, no flush. The same test runs on the PostgreSQL checkpointer when PG_TEST_URL (or the
default local server) answers; it creates and drops its own database.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import pending_approval, wait_for

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("PG_TEST_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def service(env: dict[str, str], cwd: Path) -> Iterator[tuple[httpx.Client, subprocess.Popen]]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=cwd,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if client.get("/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, "service exited during start-up"
            assert time.monotonic() < deadline, "service did not start"
            time.sleep(0.2)
        yield client, proc
    finally:
        client.close()
        if proc.poll() is None:
            proc.terminate()
            proc.wait(15)


def kill_and_resume(env: dict[str, str], cwd: Path) -> dict:
    body = "My trail running shoes (order #1001) arrived damaged. Please refund me."
    with service(env, cwd) as (client, proc):
        run_id = client.post("/tickets", json={"body": body}).json()["run_id"]
        wait_for(client, run_id, "awaiting_approval")
        approval = pending_approval(client, run_id)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    with service(env, cwd) as (client, _):
        assert pending_approval(client, run_id)["id"] == approval["id"]
        response = client.post(f"/approvals/{approval['id']}", json={"decision": "approve"})
        assert response.status_code == 200, response.text
        run = wait_for(client, run_id, "completed")
    assert run["outcome"] == "refunded"
    assert [c["name"] for c in run["calls"]] == ["lookup_order", "issue_refund", "draft_reply"]
    return run


@pytest.mark.restart
def test_restart_between_pause_and_approval_sqlite(tmp_path: Path) -> None:
    data = tmp_path / "data"
    kill_and_resume({"DATA_DIR": str(data), "ENVIRONMENT": "test"}, tmp_path)
    with sqlite3.connect(data / "shop.db") as conn:
        assert conn.execute("SELECT order_id, amount_usd FROM refunds").fetchall() == [
            ("1001", 89.0)
        ]


@pytest.fixture
def pg_database() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(PG_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at PG_TEST_URL: {exc}")
    name = f"agent_test_{uuid.uuid4().hex[:10]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.restart
def test_restart_between_pause_and_approval_postgres(tmp_path: Path, pg_database: str) -> None:
    env = {
        "DATA_DIR": str(tmp_path / "data"),
        "ENVIRONMENT": "test",
        "CHECKPOINTER": "postgres",
        "DATABASE_URL": pg_database,
    }
    run = kill_and_resume(env, tmp_path)
    assert run["model"] == "offline-policy"
    import psycopg

    with psycopg.connect(pg_database) as conn:
        count = conn.execute("SELECT COUNT(DISTINCT thread_id) FROM checkpoints").fetchone()
    assert count == (1,)


@pytest.mark.restart
def test_separate_worker_process(tmp_path: Path) -> None:
    """compose's layout: the API only queues (RUN_WORKER=false); `python -m app.worker` runs."""
    env = {"DATA_DIR": str(tmp_path / "data"), "ENVIRONMENT": "test", "RUN_WORKER": "false",
           "WORKER_POLL_SECONDS": "0.05"}  # fmt: skip
    with service(env, tmp_path) as (client, _):
        run_id = client.post("/tickets", json={"body": "What are your hours?"}).json()["run_id"]
        time.sleep(0.5)
        assert client.get(f"/runs/{run_id}").json()["status"] == "queued"  # nobody works here
        worker = subprocess.Popen(
            [sys.executable, "-m", "app.worker"],
            cwd=tmp_path, env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            run = wait_for(client, run_id, "completed", timeout=60)
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(30) == 0
    assert run["outcome"] == "resolved"
