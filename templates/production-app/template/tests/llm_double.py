"""A loopback double of the OpenAI and Anthropic HTTP APIs, speaking their real wire formats.

The official SDKs talk to it unchanged (base_url = the double). `script` makes the next calls
answer 429 or hang past the client's timeout; every request body is kept for assertions.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LLMDouble:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: list[str] = []  # next behaviours: "429", "hang"; default answers
        self.answer = "A short, clear answer."
        self.usage = (1200, 300)  # input, output tokens per call
        # The model name the double answers with; None echoes the request's. Real providers
        # answer with a dated snapshot (gpt-4o-mini -> gpt-4o-mini-2024-07-18).
        self.served_model: str | None = None
        self.hang_seconds = 3.0
        self._lock = threading.Lock()

    def next_behaviour(self) -> str:
        with self._lock:
            return self.script.pop(0) if self.script else "ok"

    @property
    def models(self) -> list[str]:
        return [r["body"]["model"] for r in self.requests]


class _Handler(BaseHTTPRequestHandler):
    double: LLMDouble

    def log_message(self, *args: Any) -> None:
        return

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        double = self.double
        double.requests.append({"path": self.path, "body": body})
        behaviour = double.next_behaviour()
        anthropic = self.path.endswith("/messages")
        if behaviour == "429":
            error = {"type": "rate_limit_error", "message": "slow down"}
            payload = {"type": "error", "error": error} if anthropic else {"error": error}
            self._json(429, payload, {"retry-after-ms": "10", "retry-after": "0"})
            return
        if behaviour == "hang":
            time.sleep(double.hang_seconds)
        tokens_in, tokens_out = double.usage
        if anthropic:
            self._json(200, {
                "id": "msg_double", "type": "message", "role": "assistant",
                "model": double.served_model or body["model"],
                "stop_reason": "end_turn", "stop_sequence": None,
                "content": [{"type": "text", "text": double.answer}],
                "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out},
            })  # fmt: skip
            return
        self._json(200, {
            "id": "chatcmpl-double", "object": "chat.completion", "created": 1,
            "model": double.served_model or body["model"],
            "usage": {"prompt_tokens": tokens_in, "completion_tokens": tokens_out,
                      "total_tokens": tokens_in + tokens_out},
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": {"role": "assistant", "content": double.answer}}],
        })  # fmt: skip


@contextmanager
def serve_double() -> Iterator[tuple[LLMDouble, str]]:
    double = LLMDouble()
    handler = type("Handler", (_Handler,), {"double": double})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield double, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
