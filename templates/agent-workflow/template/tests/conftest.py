"""Every test runs offline, in a fresh data dir, with no key and no .env of the developer's."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.config import get_settings

_PREFIXES = (
    "LLM_",
    "LANGFUSE_",
    "TRACING_",
    "CHECKPOINTER",
    "DATABASE_URL",
    "API_TOKEN",
    "AGENT_",
    "TOOL_",
    "DATA_DIR",
    "RUN_WORKER",
    "WORKER_",
    "REFUND_",
    "POSTGRES_",
)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for key in list(os.environ):
        if key.startswith(_PREFIXES):
            monkeypatch.delenv(key)
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WORKER_POLL_SECONDS", "0.05")
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


def submit(client: TestClient, body: str, token: str | None = None) -> str:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post("/tickets", json={"subject": "help", "body": body}, headers=headers)
    assert response.status_code == 202, response.text
    return str(response.json()["run_id"])


def wait_for(client: Any, run_id: str, *statuses: str, timeout: float = 20.0) -> dict[str, Any]:
    """Poll GET /runs/{id} until the run reaches one of `statuses`."""
    deadline = time.monotonic() + timeout
    run: dict[str, Any] = {}
    while time.monotonic() < deadline:
        run = client.get(f"/runs/{run_id}").json()
        if run.get("status") in statuses:
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} stuck in {run.get('status')!r}, wanted {statuses}")


def pending_approval(client: Any, run_id: str) -> dict[str, Any]:
    approvals = [a for a in client.get("/approvals").json() if a["run_id"] == run_id]
    assert len(approvals) == 1, approvals
    return approvals[0]
