"""The HTTP API end to end with the offline provider: upload -> ask -> cited answer."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.conftest import SAMPLES, make_client, upload, wait_ready
from tests.helpers import make_pdf


def test_health_and_docs(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert wait_ready(client) == {"status": "ready"}
    assert "/ask" in client.get("/openapi.json").json()["paths"]
    assert client.get("/docs").status_code == 200


def test_not_ready_until_the_embedding_model_is_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Ready before the model was in memory, the first upload took 25 s behind a load balancer.
    import threading

    from app.rag.embeddings import Embedder

    release = threading.Event()
    warm = Embedder.warm

    def slow_warm(self: Embedder) -> None:
        release.wait(30)
        warm(self)

    monkeypatch.setattr(Embedder, "warm", slow_warm)
    with make_client() as client:
        assert client.get("/healthz").status_code == 200
        loading = client.get("/readyz")
        assert loading.status_code == 503
        assert loading.json()["status"] == "loading"
        release.set()
        assert wait_ready(client) == {"status": "ready"}


def test_upload_ask_cited_answer(loaded_client: TestClient) -> None:
    response = loaded_client.post("/ask", json={"question": "How many days of annual leave?"})
    assert response.status_code == 200
    body = response.json()
    assert body["answer"].startswith("Extractive answer (offline mode, no LLM):")
    assert "27 days" in body["answer"]
    assert body["model"] == "offline-extractive"
    assert body["cost_usd"] == 0.0
    assert body["usage"] == {"input_tokens": 0, "output_tokens": 0}
    assert body["citations"], "an answer must cite its sources"
    first = body["citations"][0]
    assert first["document_id"] == "handbook-md"
    assert {"chunk_id", "document_id", "text", "start", "end", "score"} <= first.keys()
    # The span points at the exact text in the document as uploaded (after cleaning).
    source = (SAMPLES / "handbook.md").read_text()
    assert source[first["start"] : first["end"]] == first["text"]
    assert f"[{first['number']}]" in body["answer"]


def test_documents_list_reupload_and_delete(client: TestClient) -> None:
    first = upload(client, "notes.md", b"# Notes\n\nThe vault code is 4711.")
    assert first.status_code == 201
    assert first.json()["status"] == "created"
    same = upload(client, "notes.md", b"# Notes\n\nThe vault code is 4711.")
    assert same.json()["status"] == "unchanged"
    changed = upload(client, "notes.md", b"# Notes\n\nThe vault code is 9090 since March.")
    assert changed.json()["status"] == "replaced"
    docs = client.get("/documents").json()
    assert [d["id"] for d in docs] == ["notes-md"]
    answer = client.post("/ask", json={"question": "What is the vault code?"}).json()
    assert "9090" in answer["answer"]
    assert "4711" not in json.dumps(answer)
    assert client.delete("/documents/notes-md").status_code == 204
    assert client.get("/documents").json() == []
    assert client.delete("/documents/notes-md").status_code == 404
    gone = client.post("/ask", json={"question": "What is the vault code?"}).json()
    assert gone["citations"] == [] and gone["retrieved"] == []


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("../../etc/passwd.md", b"# x\n\nhello", 400),
        ("..\\secret.txt", b"hello", 400),
        ("malware.exe", b"MZ\x90\x00", 415),
        ("noext", b"hello", 415),
        ("fake.pdf", b"not a pdf at all", 422),
        ("binary.txt", b"\x00\x01\x02\x03", 422),
        ("big.txt", b"a" * 2048, 413),
    ],
)
def test_bad_uploads_rejected_and_nothing_written(
    monkeypatch: pytest.MonkeyPatch, name: str, data: bytes, status: int
) -> None:
    monkeypatch.setenv("MAX_UPLOAD_BYTES", "1024")
    with make_client() as client:
        response = upload(client, name, data)
        assert response.status_code == status, response.text
        assert client.get("/documents").json() == []
        assert client.app.state.service.store.all_chunks() == []


def test_pdf_citations_carry_pages(client: TestClient) -> None:
    pdf = make_pdf(["The lighthouse keeper is named Ada.", "The ferry leaves at seven sharp."])
    assert upload(client, "guide.pdf", pdf).status_code == 201
    body = client.post("/ask", json={"question": "When does the ferry leave?"}).json()
    assert body["citations"][0]["page"] == 2


def test_unknown_answer_says_so(loaded_client: TestClient) -> None:
    body = loaded_client.post("/ask", json={"question": "Who won the 1966 football World Cup?"})
    assert body.json()["answer"] == "I don't know based on the provided documents."
    assert body.json()["citations"] == []
    assert body.json()["grounded"] is False


def test_stream_events(loaded_client: TestClient) -> None:
    with loaded_client.stream(
        "POST", "/ask/stream", json={"question": "How long is the battery warranty?"}
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        raw = "".join(response.iter_text())
    events = [block.split("\n", 1) for block in raw.strip().split("\n\n")]
    names = [e[0].removeprefix("event: ") for e in events]
    assert names[0] == "retrieved" and names[-1] == "done" and "token" in names
    done = json.loads(events[-1][1].removeprefix("data: "))
    tokens = "".join(
        json.loads(e[1].removeprefix("data: "))["text"] for e in events if e[0] == "event: token"
    )
    assert tokens == done["answer"]
    assert "two years" in done["answer"] and done["citations"]


def test_stats_count_requests(loaded_client: TestClient) -> None:
    for _ in range(3):
        loaded_client.post("/ask", json={"question": "What is the daily meal allowance?"})
    stats = loaded_client.get("/stats").json()
    assert stats["requests"] == 3
    assert stats["cost_usd"] == 0.0
    assert stats["latency_ms"]["p95"] is not None
    assert stats["documents"] == 4


def test_api_token_guards_mutations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_TOKEN", "s3cret-token")
    with make_client() as client:
        assert upload(client, "a.txt", b"hello there").status_code == 401
        assert upload(client, "a.txt", b"hello there", token="wrong").status_code == 401
        assert upload(client, "a.txt", b"hello there", token="s3cret-token").status_code == 201
        assert client.delete("/documents/a-txt").status_code == 401


def test_web_page_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "Ask your documents" in page.text
    assert client.get("/static/app.js").status_code == 200


def test_streamed_answer_logs_no_error(
    loaded_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    # Each chunk of a sync generator ran in another thread, so the trace context attached for
    # the answer was detached elsewhere: "Failed to detach context" at ERROR, every answer.
    import logging

    with (
        caplog.at_level(logging.WARNING),
        loaded_client.stream(
            "POST", "/ask/stream", json={"question": "How long is the battery warranty?"}
        ) as response,
    ):
        raw = "".join(response.iter_text())
    assert "event: done" in raw
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
