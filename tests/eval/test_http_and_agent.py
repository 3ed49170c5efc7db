"""HTTP targets (field mapping, 5xx backoff) and agent metrics through the same runner."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.eval.conftest import DOCS, Project, cli


class App:
    """A tiny RAG app on loopback with its own answer shape; fails its first call with 503."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        app = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                app.requests.append(body)
                if len(app.requests) == 1:
                    self._send(503, {"detail": "warming up"})
                    return
                doc = next(i for i, t in DOCS.items() if t.split()[-1][:-1] in body["q"])
                self._send(200, {
                    "data": {"text": DOCS[doc]},
                    "sources": [{"doc": doc, "body": DOCS[doc]}, {"doc": "d9", "body": "noise"}],
                    "meta": {"tokens": {"in": 50, "out": 10}, "llm": "gpt-4o"},
                })  # fmt: skip

            def _send(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/ask"


@pytest.fixture
def app() -> Iterator[App]:
    served = App()
    yield served
    served.server.shutdown()
    served.server.server_close()


PYPROJECT = """
[tool.harness.eval]
request_field = "q"
request_extra = {mode = "eval"}
metrics = ["retrieval", "exact_match"]
concurrency = 1

[tool.harness.eval.response]
answer = "data.text"
contexts = "sources"
context_id = "doc"
context_text = "body"
usage = "meta.tokens"
input_tokens = "in"
output_tokens = "out"
model = "meta.llm"
"""


def test_http_target_with_mapping_and_retry(make_project: Any, app: App) -> None:
    project: Project = make_project(5, PYPROJECT)
    result = cli(str(project.root), "--url", app.url, "--quiet")
    assert result.exit_code == 0, result.output
    assert len(app.requests) == 6  # one 503, retried, then one call per sample
    assert app.requests[1] == {"mode": "eval", "q": "What is the capital of France?"}
    report = project.report()
    assert report["target"] == {"kind": "http", "url": app.url}
    assert report["metrics"]["hit@5"]["mean"] == 1.0
    assert report["metrics"]["ndcg@5"]["mean"] == 1.0
    assert report["metrics"]["exact_match"]["mean"] == 1.0
    assert report["samples"][0]["retrieved_ids"] == ["d1", "d9"]
    assert report["tokens"]["input_total"] == 250
    assert report["cost"]["per_query_usd"] == round((50 * 2.5 + 10 * 10.0) / 1e6, 8)
    # the second run is served from the target cache: the app sees no new request
    assert cli(str(project.root), "--url", app.url, "--quiet").exit_code == 0
    assert len(app.requests) == 6


def test_unreachable_http_target_is_unmeasured(make_project: Any) -> None:
    project: Project = make_project(2)
    result = cli(str(project.root), "--url", "http://127.0.0.1:9/ask", "--retries", "0",
                 "--metrics", "hit@5", "--min-coverage", "1", "--quiet")  # fmt: skip
    assert result.exit_code == 1
    report = project.report()
    assert report["metrics"]["hit@5"]["unmeasured_reasons"] == {"target error": 2}
    assert report["samples"][0]["error"].startswith("ConnectError")


AGENT_TARGET = """
def run(row):
    plan = {
        "a1": ([{"name": "lookup_order", "args": {"id": 7}}], "refund issued"),
        "a2": ([{"name": "lookup_order", "args": {"id": 8}},
                {"name": "send_email", "args": {"to": "x"}}], "escalated"),
    }
    calls, outcome = plan[row["id"]]
    return {"response": "done", "tool_calls": calls, "outcome": outcome,
            "usage": {"input_tokens": 10, "output_tokens": 5}, "model": "offline-policy"}
"""


def test_agent_metrics_via_the_same_runner(make_project: Any) -> None:
    project: Project = make_project(1)
    (project.root / project.module / "agent.py").write_text(AGENT_TARGET)
    rows = [
        {"id": "a1", "user_input": "Refund order 7", "expected_outcome": "Refund issued",
         "expected_tool_calls": [{"name": "lookup_order", "args": {"id": 7}}]},
        {"id": "a2", "user_input": "Refund order 8", "expected_outcome": "refund issued",
         "expected_tool_calls": [{"name": "lookup_order", "args": {"id": 8}},
                                 {"name": "issue_refund", "args": {"id": 8}}]},
    ]  # fmt: skip
    project.write_rows(rows)
    result = cli(str(project.root), "--target", f"{project.module}.agent:run", "--quiet")
    assert result.exit_code == 0, result.output
    report = project.report()
    assert list(report["metrics"]) == ["task_success", "tool_call_f1"]
    assert report["metrics"]["task_success"]["mean"] == 0.5
    assert report["metrics"]["tool_call_f1"]["mean"] == 0.75  # (1.0 + 0.5) / 2
    assert report["cost"]["total_usd"] == 0.0


SLOW_TARGET = """
import time
from {module} import ask as real

def ask(row):
    if row["id"] == "q001":
        time.sleep(3)
    return real(row)
"""


def test_slow_target_times_out_and_run_completes(make_project: Any) -> None:
    project: Project = make_project(3)
    slow = project.root / project.module / "slow.py"
    slow.write_text(SLOW_TARGET.format(module=project.module))
    result = cli(str(project.root), "--target", f"{project.module}.slow:ask", "--timeout", "0.5",
                 "--metrics", "hit@5", "--min-coverage", "0", "--quiet")  # fmt: skip
    assert result.exit_code == 0
    assert "warning: 1 sample(s) got no answer from the target; first: q001: TimeoutError" in (
        result.output
    )
    hit = project.report()["metrics"]["hit@5"]
    assert (hit["measured"], hit["unmeasured_reasons"]) == (2, {"target error": 1})
