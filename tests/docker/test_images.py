"""Build each template's image and run it the way its compose file does, then use it.

For each template with default answers: generate the project, `docker build --network host`
(rag-qa's torch from a local index through the TORCH_INDEX_URL build argument), run the image's
services with compose's own flags (read-only root, tmpfs /tmp, no-new-privileges, the image's
non-root user, compose's environment and healthcheck) on a free port of the host network until
HEALTHCHECK says healthy, then make one real request: an upload and a cited answer; a ticket
through approval, run by the worker container; a chat with an API key, with the migration and
the worker against the local PostgreSQL and Redis. Images, containers, volumes, the throwaway
database and Redis keys are removed afterwards. Every wait is bounded.

Needs a Docker engine (skipped with the reason when `docker info` fails) and, for
production-app, PostgreSQL and Redis on 127.0.0.1 (POSTGRES_ADMIN_URL, REDIS_TEST_URL).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.docker import support
from tests.templates.support import generate

pytestmark = [
    pytest.mark.docker,
    pytest.mark.slow,
    pytest.mark.skipif(support.engine_problem() is not None, reason=str(support.engine_problem())),
]

BUILD_TIMEOUT = 1800  # rag-qa's image takes ~6 minutes on a busy 2-core machine
HEALTHY_TIMEOUT = 240  # rag-qa imports torch and loads its model before serving
REQUEST_TIMEOUT = 120.0
POSTGRES_ADMIN_URL = os.environ.get("POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432")
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/0")
LOAD_SETTINGS = "from app.core.config import get_settings; get_settings()"


@contextmanager
def built_image(kind: str, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    project = generate(kind, tmp_path / kind)
    tag = f"harness-test-{kind}:{secrets.token_hex(4)}"
    try:
        if kind == "rag-qa":
            with support.torch_index() as index:
                support.build(project, tag, {"TORCH_INDEX_URL": index}, timeout=BUILD_TIMEOUT)
        else:
            support.build(project, tag, timeout=BUILD_TIMEOUT)
        yield project, tag
    finally:
        support.remove_image(tag)


@contextmanager
def volume() -> Iterator[str]:
    name = f"harness-test-{secrets.token_hex(6)}"
    support.docker("volume", "create", name)
    try:
        yield name
    finally:
        subprocess.run(["docker", "volume", "rm", "--force", name], capture_output=True, timeout=60)


def service_flags(
    project: Path, name: str, overrides: dict[str, str], data_volume: str | None = None
) -> tuple[list[str], list[str]]:
    """Compose's flags and command for one service, with its named data volume (if any)."""
    service = support.compose_service(project, name)
    flags = support.run_args(service, env={}, overrides=overrides)
    for mount in service.get("volumes", []):
        source, _, target = str(mount).partition(":")
        assert data_volume and source == "app-data", f"{name}: unexpected volume {mount}"
        flags += ["--volume", f"{data_volume}:{target}"]
    return flags, support.command_of(service)


def assert_hardened(name: str) -> None:
    """What compose promises, checked inside the running container."""
    user = support.docker("exec", name, "id", "-u").strip()
    assert user == "10001", f"runs as uid {user}"
    denied = subprocess.run(["docker", "exec", name, "touch", "/app/app/main.py"],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert denied.returncode != 0, "the app user can rewrite its own code"
    root = support.docker("exec", name, "sh", "-c", "grep ' / ' /proc/mounts").split()
    assert "ro" in root[3].split(","), root
    support.docker("exec", name, "touch", "/tmp/writable")


def logged(name: str, message: str, fields: dict[str, Any]) -> bool:
    """Whether the container wrote this JSON log line (the apps log one object per line)."""
    for line in support.logs(name).splitlines():
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            if entry.get("msg") == message and fields.items() <= entry.items():
                return True
    return False


def http(port: int, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers,
                        timeout=REQUEST_TIMEOUT)  # fmt: skip


def poll(fetch: Any, done: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    value = fetch()
    while not done(value):
        assert time.monotonic() < deadline, f"{what}: still {value!r} after {timeout:.0f}s"
        time.sleep(0.5)
        value = fetch()
    return value


def serve_env(port: int, token: str) -> dict[str, str]:
    # UVICORN_PORT moves both uvicorn and the image's HEALTHCHECK to a free host port.
    return {"UVICORN_PORT": str(port), "UVICORN_HOST": "127.0.0.1", "API_TOKEN": token}


def test_rag_qa_image_uploads_and_answers_with_citations(tmp_path: Path) -> None:
    with ExitStack() as stack:
        project, tag = stack.enter_context(built_image("rag-qa", tmp_path))
        port, token = support.free_port(), secrets.token_urlsafe(16)
        data = stack.enter_context(volume())
        flags, command = service_flags(project, "app", serve_env(port, token), data)
        app = stack.enter_context(support.container(tag, flags, command))
        support.wait_healthy(app, HEALTHY_TIMEOUT)
        assert_hardened(app)

        manual = project / "sample_docs" / "ebike-manual.md"
        with http(port, token) as client:
            files = {"file": (manual.name, manual.read_bytes(), "text/markdown")}
            uploaded = client.post("/documents", files=files)
            assert uploaded.status_code == 201, uploaded.text
            document_id = uploaded.json()["document"]["id"]
            asked = client.post("/ask", json={"question": "How long does a full charge take?"})
            assert asked.status_code == 200, asked.text
            body = asked.json()
            assert client.get("/readyz").json() == {"status": "ready"}
        assert body["model"] == "offline-extractive"
        assert "five hours" in body["answer"]
        cited = body["citations"][0]
        assert cited["document_id"] == document_id
        assert f"[{cited['number']}]" in body["answer"]
        assert cited["text"] in manual.read_text(encoding="utf-8")


def test_agent_workflow_image_runs_a_ticket_through_approval_in_its_worker(
    tmp_path: Path,
) -> None:
    with ExitStack() as stack:
        project, tag = stack.enter_context(built_image("agent-workflow", tmp_path))
        port, token = support.free_port(), secrets.token_urlsafe(16)
        data = stack.enter_context(volume())  # shared by app and worker, as in compose
        flags, command = service_flags(project, "app", serve_env(port, token), data)
        app = stack.enter_context(support.container(tag, flags, command))
        flags, command = service_flags(project, "worker", {"API_TOKEN": token}, data)
        assert command == ["python", "-m", "app.worker"]
        worker = stack.enter_context(support.container(tag, flags, command))
        support.wait_healthy(app, HEALTHY_TIMEOUT)
        support.wait_healthy(worker, HEALTHY_TIMEOUT)  # compose's heartbeat check
        assert_hardened(app)

        ticket = "My trail running shoes (order #1001) arrived damaged. Please refund me."
        with http(port, token) as client:
            created = client.post("/tickets", json={"subject": "refund", "body": ticket})
            assert created.status_code == 202, created.text
            run_id = created.json()["run_id"]

            def run() -> dict[str, Any]:
                return dict(client.get(f"/runs/{run_id}").json())

            paused = poll(run, lambda r: r["status"] != "queued" and r["status"] != "running",
                          60, "the worker container never picked the run")  # fmt: skip
            assert paused["status"] == "awaiting_approval", paused
            (approval,) = [a for a in client.get("/approvals").json() if a["run_id"] == run_id]
            assert approval["tool"] == "issue_refund"
            assert approval["args"]["order_id"] == "1001"
            decided = client.post(f"/approvals/{approval['id']}", json={"decision": "approve"})
            assert decided.status_code == 200, decided.text
            finished = poll(run, lambda r: r["status"] in ("completed", "failed"), 60,
                            "the approved run never finished")  # fmt: skip
        assert finished["status"] == "completed" and finished["outcome"] == "refunded", finished
        # RUN_WORKER=false in the API (compose): the worker container did the work.
        finished_by = {"run_id": run_id, "outcome": "refunded"}
        assert logged(worker, "run finished", finished_by), support.logs(worker)
        assert not logged(app, "run finished", finished_by)


def psql(database: str, sql: str) -> str:
    done = subprocess.run(
        ["psql", f"{POSTGRES_ADMIN_URL}/{database}", "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return done.stdout.strip()


@contextmanager
def throwaway_database() -> Iterator[str]:
    name = f"harness_docker_{secrets.token_hex(4)}"
    psql("postgres", f"CREATE DATABASE {name}")
    try:
        # A password, because production refuses an empty one; trust auth ignores it.
        base = urlsplit(POSTGRES_ADMIN_URL)
        user, host = base.username or "postgres", base.netloc.split("@")[-1]
        yield f"postgresql://{user}:{secrets.token_hex(8)}@{host}/{name}"
    finally:
        psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def redis_prefix() -> Iterator[str]:
    prefix = f"harness-docker-{secrets.token_hex(4)}:"
    try:
        yield prefix
    finally:
        cli = ["redis-cli", "-u", REDIS_TEST_URL]
        keys = subprocess.run([*cli, "--scan", "--pattern", f"{prefix}*"], capture_output=True,
                              text=True, timeout=60).stdout.split()  # fmt: skip
        if keys:
            subprocess.run([*cli, "DEL", *keys], capture_output=True, timeout=60)


def test_production_app_image_migrates_chats_with_an_api_key_and_runs_jobs(
    tmp_path: Path,
) -> None:
    with ExitStack() as stack:
        project, tag = stack.enter_context(built_image("production-app", tmp_path))
        database_url = stack.enter_context(throwaway_database())
        prefix = stack.enter_context(redis_prefix())
        port, token = support.free_port(), secrets.token_urlsafe(16)
        # What names other compose services (postgres, redis) points at the host's servers.
        local = {"DATABASE_URL": database_url, "REDIS_URL": REDIS_TEST_URL,
                 "REDIS_PREFIX": prefix, "API_TOKEN": token}  # fmt: skip

        flags, command = service_flags(project, "migrate", local)
        assert command == ["alembic", "upgrade", "head"]
        support.run_once(tag, flags, command)
        flags, command = service_flags(project, "app", {**local, **serve_env(port, token)})
        app = stack.enter_context(support.container(tag, flags, command))
        metrics_port = support.free_port()
        flags, command = service_flags(
            project, "worker", {**local, "WORKER_METRICS_PORT": str(metrics_port)}
        )
        worker = stack.enter_context(support.container(tag, flags, command))
        support.wait_healthy(app, HEALTHY_TIMEOUT)
        support.wait_healthy(worker, HEALTHY_TIMEOUT)  # compose's /metrics check
        assert_hardened(app)
        # Compose fixes ENVIRONMENT=production: the same service with .env.example's
        # placeholder token refuses to start.
        flags, _ = service_flags(project, "app", {**local, "API_TOKEN": "changethis"})
        with pytest.raises(support.DockerError, match="API_TOKEN is unset or 'changethis'"):
            support.run_once(tag, flags, ["python", "-c", LOAD_SETTINGS])

        # As the README says: create a user inside the app container, then use its key.
        key = support.docker(
            "exec", app, "python", "-m", "app.admin", "create-user", "reviewer@example.com"
        ).strip()
        with http(port) as client:
            headers = {"X-API-Key": key}
            assert client.post("/chat", json={"message": "hi"}).status_code == 401
            chat = client.post(
                "/chat",
                json={"message": "Summarise: the harbour opens at six. Boats leave at nine."},
                headers=headers,
            )
            assert chat.status_code == 200, chat.text
            answer = chat.json()
            job = client.post("/jobs", json={"text": "The harbour opens at six. " * 20,
                                             "task": "bullets"}, headers=headers)  # fmt: skip
            assert job.status_code == 202, job.text
            job_id = job.json()["id"]
            done = poll(lambda: client.get(f"/jobs/{job_id}", headers=headers).json(),
                        lambda j: j["status"] not in ("queued", "running"), 60,
                        "the worker container never finished the job")  # fmt: skip
            assert answer["reply"].startswith("Offline mode (no LLM)"), answer
            assert answer["model"] == "offline-extractive" and answer["cost_usd"] == 0, answer
            history = client.get("/conversations", headers=headers).json()
            assert answer["conversation_id"] in [c["id"] for c in history]
        # The migration container made the schema; app and worker wrote to the same database.
        database = database_url.rsplit("/", 1)[1]
        stored = psql(database, "SELECT (SELECT email FROM users), (SELECT status FROM jobs)")
        assert stored == "reviewer@example.com|done"
        assert done["status"] == "done" and done["result"].startswith("Offline mode"), done
        # REDIS_URL is set: the API queues jobs for the worker container, runs none itself.
        assert logged(worker, "job finished", {"job_id": job_id, "status": "done"})
        assert not logged(app, "job finished", {"job_id": job_id})
