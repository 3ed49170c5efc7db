"""Langfuse export decoded from a loopback receiver: one trace per run, a span per step and tool."""

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

# Runs in its own process: the Langfuse client is a per-process singleton. The run pauses for
# approval and resumes, so its trace has two `support-run` segments under one trace id.
_RUN_ONCE = """
from app.agent.service import AgentService
from app.core.config import get_settings
from app.core.tracing import get_langfuse
service = AgentService(get_settings())
run = service.run_to_end({"subject": "", "body": "Order 1001 arrived damaged, refund please."})
print("RUN", run["id"], run["outcome"])
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
    result = subprocess.run(
        [sys.executable, "-c", _RUN_ONCE],
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
        kind = value.WhichOneof("value")
        values[kv.key] = getattr(value, kind) if kind else None
    return values


def test_run_exports_one_trace_with_steps_tools_and_generations(receiver, isolated_env) -> None:
    from langfuse import Langfuse

    handler, url = receiver
    keys = {"LANGFUSE_PUBLIC_KEY": "pk-lf-test", "LANGFUSE_SECRET_KEY": "sk-lf-test"}
    keys["TRACING_ENABLED"] = "true"  # whatever the project's default, this test traces
    out = _run({**keys, "LANGFUSE_HOST": url}, isolated_env)
    run_id = out.split("RUN ")[1].split()[0]
    assert "refunded" in out
    spans = handler.spans
    roots = [s for s in spans if s.name == "support-run"]
    assert len(roots) == 2  # the first segment pauses for approval; the second resumes
    trace_id = Langfuse.create_trace_id(seed=run_id)
    assert {s.trace_id.hex() for s in spans} == {trace_id}
    by_name: dict[str, list[Any]] = {}
    for span in spans:
        by_name.setdefault(span.name, []).append(span)
    assert {"step 1", "step 2", "step 3", "step 4"} <= by_name.keys()
    assert {"tool lookup_order", "tool issue_refund", "tool draft_reply"} <= by_name.keys()
    assert _attrs(by_name["tool issue_refund"][0])["langfuse.observation.type"] == "tool"
    generations = by_name["policy.offline"]
    assert len(generations) == 4
    steps = {
        s.span_id for name, group in by_name.items() if name.startswith("step ") for s in group
    }
    assert all(g.parent_span_id in steps for g in generations)
    attrs = _attrs(generations[0])
    assert attrs["langfuse.observation.type"] == "generation"
    assert attrs["langfuse.observation.model.name"] == "offline-policy"
    assert json.loads(attrs["langfuse.observation.usage_details"]) == {"input": 0, "output": 0}
    assert json.loads(attrs["langfuse.observation.cost_details"]) == {"total": 0.0}


def test_no_keys_means_nothing_sent(receiver, isolated_env) -> None:
    handler, url = receiver
    out = _run({"LANGFUSE_HOST": url}, isolated_env)
    assert handler.paths == []
    assert "refunded" in out
