"""A local HTTP double of the OpenAI and Anthropic APIs, speaking their real wire formats.

The official SDKs talk to it unchanged (base_url = the double). A script of behaviours lets a
test make the next calls answer 429, hang past the client's timeout, or succeed.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ANSWER = "Batteries are covered for two years or 800 full charge cycles [1]."


class LLMDouble:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: list[str] = []  # next behaviours: "429", "hang", "ok" (default)
        self.answer = ANSWER
        # The model name the double answers with; None echoes the request's. Real providers
        # answer with a dated snapshot (gpt-4o-mini -> gpt-4o-mini-2024-07-18).
        self.served_model: str | None = None
        self.hang_seconds = 3.0
        self._lock = threading.Lock()

    def next_behaviour(self) -> str:
        with self._lock:
            return self.script.pop(0) if self.script else "ok"


def _words(text: str) -> list[str]:
    return [w + " " for w in text.split(" ")[:-1]] + [text.split(" ")[-1]]


class _Handler(BaseHTTPRequestHandler):
    double: LLMDouble

    def log_message(self, *args: Any) -> None:  # keep test output clean
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

    def _sse(self, events: list[tuple[str | None, dict[str, Any] | str]]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        for name, data in events:
            payload = data if isinstance(data, str) else json.dumps(data)
            prefix = f"event: {name}\n" if name else ""
            self.wfile.write(f"{prefix}data: {payload}\n\n".encode())
            self.wfile.flush()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        double = self.double
        double.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        behaviour = double.next_behaviour()
        if behaviour == "429":
            error = {"error": {"type": "rate_limit_error", "message": "slow down"}}
            if self.path.endswith("/messages"):
                error = {"type": "error", "error": error["error"]}
            self._json(429, error, {"retry-after-ms": "10", "retry-after": "0"})
            return
        if behaviour == "hang":
            time.sleep(double.hang_seconds)
        if self.path.endswith("/chat/completions"):
            self._openai(body)
        elif self.path.endswith("/messages"):
            self._anthropic(body)
        else:
            self._json(404, {"error": {"message": f"no route {self.path}"}})

    def _openai(self, body: dict[str, Any]) -> None:
        text, model = self.double.answer, self.double.served_model or body["model"]
        usage = {"prompt_tokens": 420, "completion_tokens": 17, "total_tokens": 437}
        if not body.get("stream"):
            self._json(
                200,
                {
                    "id": "chatcmpl-double",
                    "object": "chat.completion",
                    "created": 1,
                    "model": model,
                    "usage": usage,
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "logprobs": None,
                            "message": {"role": "assistant", "content": text},
                        }
                    ],
                },
            )
            return
        base = {
            "id": "chatcmpl-double",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": model,
        }
        events: list[tuple[str | None, dict[str, Any] | str]] = [
            (
                None,
                {
                    **base,
                    "choices": [
                        {
                            "index": 0,
                            "delta": {"role": "assistant", "content": ""},
                            "finish_reason": None,
                        }
                    ],
                },
            )
        ]
        for word in _words(text):
            events.append(
                (
                    None,
                    {
                        **base,
                        "choices": [
                            {"index": 0, "delta": {"content": word}, "finish_reason": None}
                        ],
                    },
                )
            )
        events.append(
            (None, {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        )
        events.append((None, {**base, "choices": [], "usage": usage}))
        events.append((None, "[DONE]"))
        self._sse(events)

    def _anthropic(self, body: dict[str, Any]) -> None:
        text, model = self.double.answer, self.double.served_model or body["model"]
        message = {
            "id": "msg_double",
            "type": "message",
            "role": "assistant",
            "model": model,
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 380, "output_tokens": 21},
        }
        if not body.get("stream"):
            self._json(200, {**message, "content": [{"type": "text", "text": text}]})
            return
        start = {
            **message,
            "content": [],
            "stop_reason": None,
            "usage": {"input_tokens": 380, "output_tokens": 1},
        }
        events: list[tuple[str | None, dict[str, Any] | str]] = [
            ("message_start", {"type": "message_start", "message": start}),
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
            ),
        ]
        for word in _words(text):
            events.append(
                (
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "text_delta", "text": word},
                    },
                )
            )
        events += [
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "usage": {"output_tokens": 21},
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                },
            ),
            ("message_stop", {"type": "message_stop"}),
        ]
        self._sse(events)


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
