"""Langfuse export decoded from a loopback receiver: what the SDK really sends."""

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
from typing import Any, ClassVar

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

PROJECT = Path(__file__).resolve().parent.parent

# Runs in its own process: the Langfuse client is a per-process singleton.
_ASK_ONCE = """
from fastapi.testclient import TestClient
from app.main import create_app
from app.core.tracing import get_langfuse
with TestClient(create_app()) as client:
    client.post("/documents", files={"file": ("w.txt", open(SAMPLE, "rb").read())})
    answer = client.post("/ask", json={"question": "How long is the battery warranty?"}).json()
    print("TRACE_ID", answer["trace_id"])
get_langfuse().flush()
"""


class _Receiver(BaseHTTPRequestHandler):
    spans: ClassVar[list[Any]] = []
    paths: ClassVar[list[str]] = []

    def log_message(self, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.paths.append(self.path)
        if self.path.endswith("/api/public/otel/v1/traces"):
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            request = ExportTraceServiceRequest()
            request.ParseFromString(body)
            for resource_spans in request.resource_spans:
                for scope_spans in resource_spans.scope_spans:
                    self.spans.extend(scope_spans.spans)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST


@pytest.fixture
def receiver() -> Iterator[tuple[type[_Receiver], str]]:
    handler = type("Receiver", (_Receiver,), {"spans": [], "paths": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _run(env: dict[str, str], cwd: Path) -> str:
    script = f"SAMPLE = {str(PROJECT / 'sample_docs' / 'warranty.txt')!r}\n" + _ASK_ONCE
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        env={**os.environ, **env, "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _attrs(span: Any) -> dict[str, Any]:
    values = {}
    for kv in span.attributes:
        value = kv.value
        values[kv.key] = (
            getattr(value, value.WhichOneof("value")) if value.WhichOneof("value") else None
        )
    return values


def test_ask_exports_trace_with_retrieval_and_generation(receiver, isolated_env: Path) -> None:
    handler, url = receiver
    out = _run(
        {
            "LANGFUSE_PUBLIC_KEY": "pk-lf-test",
            "LANGFUSE_SECRET_KEY": "sk-lf-test",
            "TRACING_ENABLED": "true",  # whatever the project's default, this test traces
            "LANGFUSE_HOST": url,
        },
        isolated_env,
    )
    names = {span.name: span for span in handler.spans}
    assert {"rag.ask", "retrieval", "llm.offline"} <= names.keys(), names.keys()
    root, retrieval, generation = names["rag.ask"], names["retrieval"], names["llm.offline"]
    assert retrieval.trace_id == root.trace_id == generation.trace_id
    assert retrieval.parent_span_id == root.span_id
    attrs = _attrs(generation)
    assert attrs["langfuse.observation.type"] == "generation"
    assert attrs["langfuse.observation.model.name"] == "offline-extractive"
    assert json.loads(attrs["langfuse.observation.usage_details"]) == {"input": 0, "output": 0}
    assert json.loads(attrs["langfuse.observation.cost_details"]) == {"total": 0.0}
    assert _attrs(retrieval)["langfuse.observation.type"] == "retriever"
    assert f"TRACE_ID {root.trace_id.hex()}" in out


def test_no_keys_means_nothing_sent(receiver, isolated_env: Path) -> None:
    handler, url = receiver
    out = _run({"LANGFUSE_HOST": url}, isolated_env)
    assert handler.paths == []
    assert "TRACE_ID" in out
