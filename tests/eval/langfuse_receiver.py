"""A loopback stand-in for a Langfuse server that records what the langfuse SDK sends.

Answers just enough of the public API (datasets, dataset items, projects, scores, ingestion,
OTLP traces) for the SDK to complete a dataset run, and keeps every request for assertions.
OTLP bodies are decoded with opentelemetry-proto.
"""

from __future__ import annotations

import gzip
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

NOW = "2026-11-24T00:00:00.000Z"


@dataclass
class Recorded:
    json_posts: list[tuple[str, Any]] = field(default_factory=list)
    spans: list[dict[str, Any]] = field(default_factory=list)
    auth_headers: set[str] = field(default_factory=set)

    def posts_to(self, suffix: str) -> list[Any]:
        return [body for path, body in self.json_posts if path.endswith(suffix)]


def _attr_value(value: Any) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


def decode_spans(raw: bytes, encoding: str | None) -> list[dict[str, Any]]:
    data = gzip.decompress(raw) if encoding == "gzip" else raw
    request = ExportTraceServiceRequest()
    request.ParseFromString(data)
    spans = []
    for resource in request.resource_spans:
        for scope in resource.scope_spans:
            for span in scope.spans:
                attrs = {a.key: _attr_value(a.value) for a in span.attributes}
                spans.append({"name": span.name, "trace_id": span.trace_id.hex(), "attrs": attrs})
    return spans


class LangfuseReceiver:
    def __init__(self) -> None:
        self.recorded = Recorded()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def host(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> LangfuseReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_GET(self) -> None:
                receiver.recorded.auth_headers.add(self.headers.get("authorization", ""))
                if self.path.startswith("/api/public/projects"):
                    org = {"id": "org-1", "name": "org"}
                    project = {"id": "proj-1", "name": "test", "metadata": {}, "organization": org}
                    self._json(200, {"data": [project]})
                else:
                    self._json(404, {"message": "not found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                raw = self.rfile.read(length)
                path = self.path
                if path.endswith("/otel/v1/traces"):
                    spans = decode_spans(raw, self.headers.get("content-encoding"))
                    with receiver._lock:
                        receiver.recorded.spans.extend(spans)
                    self._send(200, b"", "application/x-protobuf")
                    return
                body = json.loads(raw or b"{}")
                with receiver._lock:
                    receiver.recorded.json_posts.append((path, body))
                self._json(200, _answer(path, body))

            def _json(self, status: int, payload: Any) -> None:
                self._send(status, json.dumps(payload).encode(), "application/json")

            def _send(self, status: int, data: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _answer(path: str, body: dict[str, Any]) -> Any:
    if path.endswith("/v2/datasets") or path.endswith("/datasets"):
        return {
            "id": "ds-1", "name": body["name"], "description": None,
            "metadata": body.get("metadata"), "projectId": "proj-1",
            "createdAt": NOW, "updatedAt": NOW,
        }  # fmt: skip
    if path.endswith("/dataset-items"):
        return {
            "id": body["id"], "status": "ACTIVE", "input": body.get("input"),
            "expectedOutput": body.get("expectedOutput"), "metadata": body.get("metadata"),
            "sourceTraceId": None, "sourceObservationId": None, "datasetId": "ds-1",
            "datasetName": body["datasetName"], "createdAt": NOW, "updatedAt": NOW,
            "mediaReferences": [],
        }  # fmt: skip
    if path.endswith("/ingestion"):
        return {"successes": [{"id": e.get("id"), "status": 201} for e in body.get("batch", [])],
                "errors": []}  # fmt: skip
    return {"id": "ok"}
