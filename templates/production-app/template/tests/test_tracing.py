"""Langfuse export decoded from a loopback receiver: what the SDK really sends.

One chat and one thumbs-down must arrive as a trace with a generation (model, route, usage,
cost) and a `user_feedback` score on that same trace id.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

PROJECT = Path(__file__).resolve().parent.parent

# Its own process: the Langfuse client is a per-process singleton.
_CHAT_AND_RATE = """
from fastapi.testclient import TestClient
from app.main import create_app
from app.core.tracing import get_langfuse
from app.services.users import create_user
with TestClient(create_app()) as client:
    _, key = create_user("t@example.com")
    auth = {"Authorization": "Bearer " + key}
    text = "Summarise: the pilot cut onboarding time in half. Mail me at jo@example.com."
    answer = client.post("/chat", json={"message": text}, headers=auth).json()
    print("TRACE_ID", answer["trace_id"])
    feedback = {"message_id": answer["message_id"], "thumbs_up": False, "comment": "too short"}
    print("FEEDBACK", client.post("/feedback", json=feedback, headers=auth).json())
    get_langfuse().flush()
"""


class _Receiver(BaseHTTPRequestHandler):
    spans: list[Any]
    scores: list[dict[str, Any]]

    def log_message(self, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if self.path.endswith("/api/public/otel/v1/traces"):
            request = ExportTraceServiceRequest()
            request.ParseFromString(body)
            for resource_spans in request.resource_spans:
                for scope_spans in resource_spans.scope_spans:
                    self.spans.extend(scope_spans.spans)
        elif self.path.endswith("/api/public/scores"):
            # The SDK batches scores: the body is one score or a list of them.
            payload = json.loads(body)
            self.scores.extend(payload if isinstance(payload, list) else [payload])
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": "score-1"}')

    do_GET = do_POST


@pytest.fixture
def receiver() -> Iterator[tuple[type[_Receiver], str]]:
    handler = type("Receiver", (_Receiver,), {"spans": [], "scores": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _attrs(span: Any) -> dict[str, str]:
    out = {}
    for kv in span.attributes:
        value = kv.value
        out[kv.key] = value.string_value or str(value.int_value or value.double_value or "")
    return out


def test_trace_and_feedback_score_reach_langfuse(
    receiver: tuple[type[_Receiver], str], tmp_path: Path
) -> None:
    handler, url = receiver
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT),
        "LANGFUSE_PUBLIC_KEY": "pk-lf-test",
        "LANGFUSE_SECRET_KEY": "sk-lf-test",
        "TRACING_ENABLED": "true",  # whatever the project's default, this test traces
        "LANGFUSE_HOST": url,
    }
    result = subprocess.run(
        [sys.executable, "-c", _CHAT_AND_RATE], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    trace_id = next(
        line.split()[1] for line in result.stdout.splitlines() if line.startswith("TRACE_ID")
    )
    assert len(trace_id) == 32

    names = {span.name for span in handler.spans}
    assert {"assistant.answer", "llm.offline"} <= names, names
    generation = next(span for span in handler.spans if span.name == "llm.offline")
    assert generation.trace_id.hex() == trace_id
    attrs = _attrs(generation)
    assert attrs["langfuse.observation.type"] == "generation"
    assert attrs["langfuse.observation.model.name"] == "offline-extractive"
    assert "input" in attrs["langfuse.observation.usage_details"]
    assert "total" in attrs["langfuse.observation.cost_details"]
    root = next(span for span in handler.spans if span.name == "assistant.answer")
    root_attrs = json.dumps(_attrs(root))
    assert "route" in root_attrs and "cache_hit" in root_attrs
    # Nothing exported carries the raw e-mail address.
    exported = b"".join(span.SerializeToString() for span in handler.spans)
    assert b"jo@example.com" not in exported

    assert len(handler.scores) == 1, handler.scores
    score = handler.scores[0]
    assert score["traceId"] == trace_id
    assert (score["name"], score["value"], score["dataType"]) == ("user_feedback", 0, "BOOLEAN")
    assert score["comment"] == "too short"
