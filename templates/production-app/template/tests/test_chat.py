"""Chat with history, the offline provider, async jobs, health and readiness."""

from __future__ import annotations

import json
import time

from fastapi.testclient import TestClient

TEXT = (
    "Our support queue doubled after the pricing change. Most tickets ask how the new tiers "
    "map to the old plans. A comparison table on the pricing page would answer most of them. "
    "The team also wants a saved reply for refund requests."
)


def test_offline_answer_is_labelled_and_history_is_kept(
    client: TestClient, auth: dict[str, str]
) -> None:
    first = client.post("/chat", json={"message": TEXT, "task": "summarize"}, headers=auth)
    assert first.status_code == 200, first.text
    data = first.json()
    assert data["reply"].startswith("Offline mode (no LLM)")
    assert data["model"] == "offline-extractive"
    assert data["input_tokens"] > 0 and data["cost_usd"] == 0.0
    conversation = data["conversation_id"]
    second = client.post(
        "/chat",
        json={"message": "Now as bullet points.", "task": "bullets",
              "conversation_id": conversation},
        headers=auth,
    )  # fmt: skip
    assert second.json()["conversation_id"] == conversation
    messages = client.get(f"/conversations/{conversation}/messages", headers=auth).json()
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    listed = client.get("/conversations", headers=auth).json()
    assert [c["id"] for c in listed] == [conversation]
    usage = client.get("/usage", headers=auth).json()
    assert usage["requests"] == 2


def test_job_is_queued_then_done_and_streams(client: TestClient, auth: dict[str, str]) -> None:
    created = client.post("/jobs", json={"text": TEXT, "task": "bullets"}, headers=auth)
    assert created.status_code == 202, created.text
    job_id = created.json()["id"]
    deadline = time.monotonic() + 10
    while (job := client.get(f"/jobs/{job_id}", headers=auth).json())["status"] != "done":
        assert job["status"] in ("queued", "running"), job
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert job["result"].startswith("Offline mode")
    with client.stream("GET", f"/jobs/{job_id}/events", headers=auth) as stream:
        events = [line for line in stream.iter_lines() if line.startswith("data:")]
    assert json.loads(events[-1].removeprefix("data: "))["status"] == "done"
    assert client.get("/jobs/unknown", headers=auth).status_code == 404


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "redis": "in-process"}


def test_request_id_is_echoed_or_made(client: TestClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"]
        == "abc-123"
    )
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32


def test_web_page_is_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "chat-form" in page.text
    assert client.get("/static/app.js").status_code == 200


def test_readiness_fails_when_redis_is_unreachable(monkeypatch) -> None:
    from tests.conftest import make_client

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens on port 1
    with make_client() as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"database": "ok", "redis": "unreachable"}


def test_sigterm_shuts_down_gracefully(tmp_path) -> None:
    """uvicorn drains, then the lifespan stops the in-process worker and flushes tracing."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import urllib.request
    from pathlib import Path

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    project = Path(__file__).resolve().parent.parent
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port)],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(project)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.1)
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=20)
    finally:
        if server.poll() is None:
            server.kill()
    # uvicorn re-raises the signal once shutdown is complete, hence -SIGTERM.
    assert server.returncode in (0, -signal.SIGTERM), output
    assert '"msg": "worker stopped"' in output and '"msg": "stopped"' in output


def test_abandoned_running_job_is_requeued_at_worker_start(monkeypatch) -> None:
    from datetime import UTC, datetime, timedelta

    from app.core.config import get_settings
    from app.core.db import session_scope
    from app.core.migrations import upgrade
    from app.models import Job
    from app.services.users import create_user
    from tests.conftest import make_client

    upgrade(get_settings().DATABASE_URL)
    user_id, key = create_user("crashed@example.com")
    with session_scope() as session:
        session.add(Job(id="abandoned", user_id=user_id, task="summarize", status="running",
                        input="The pilot worked. People liked the new onboarding flow.",
                        created_at=datetime.now(UTC) - timedelta(hours=1)))  # fmt: skip
    with make_client() as client:  # starts the in-process worker, which requeues it
        auth = {"Authorization": f"Bearer {key}"}
        deadline = time.monotonic() + 10
        while client.get("/jobs/abandoned", headers=auth).json()["status"] != "done":
            assert time.monotonic() < deadline
            time.sleep(0.05)
