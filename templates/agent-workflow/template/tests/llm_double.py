"""A local HTTP double of the OpenAI and Anthropic APIs' tool calling, in their wire formats.

The official SDKs talk to it unchanged (base_url = the double). Each POST consumes the next
scripted turn: tool calls (arguments as raw text, so a test can send malformed JSON), a final
text answer, a 429, or a hang past the client's timeout.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Turn:
    tool_calls: list[tuple[str, str]] = field(default_factory=list)  # (name, raw JSON args)
    text: str = ""
    status: str = "ok"  # ok | 429 | hang


class LLMDouble:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: list[Turn] = []
        # The model name the double answers with; None echoes the request's. Real providers
        # answer with a dated snapshot (gpt-4o-mini -> gpt-4o-mini-2024-07-18).
        self.served_model: str | None = None
        self.hang_seconds = 3.0
        self._lock = threading.Lock()

    def next_turn(self) -> Turn:
        with self._lock:
            return self.script.pop(0) if self.script else Turn(text="All done.")


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

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        self.double.requests.append(
            {"path": self.path, "headers": dict(self.headers), "body": body}
        )
        turn = self.double.next_turn()
        anthropic = self.path.endswith("/messages")
        if turn.status == "429":
            error = {"type": "rate_limit_error", "message": "slow down"}
            payload = {"type": "error", "error": error} if anthropic else {"error": error}
            self._json(429, payload, {"retry-after-ms": "10", "retry-after": "0"})
            return
        if turn.status == "hang":
            time.sleep(self.double.hang_seconds)
        n = len(self.double.requests)
        if anthropic:
            self._anthropic(body, turn, n)
        else:
            self._openai(body, turn, n)

    def _openai(self, body: dict[str, Any], turn: Turn, n: int) -> None:
        message: dict[str, Any] = {"role": "assistant", "content": turn.text or None}
        if turn.tool_calls:
            message["tool_calls"] = [
                {
                    "id": f"call_{n}_{i}",
                    "type": "function",
                    "function": {"name": name, "arguments": args},
                }
                for i, (name, args) in enumerate(turn.tool_calls)
            ]
        self._json(
            200,
            {
                "id": f"chatcmpl-{n}",
                "object": "chat.completion",
                "created": 1,
                "model": self.double.served_model or body["model"],
                "usage": {"prompt_tokens": 300, "completion_tokens": 20, "total_tokens": 320},
                "choices": [
                    {
                        "index": 0,
                        "logprobs": None,
                        "message": message,
                        "finish_reason": "tool_calls" if turn.tool_calls else "stop",
                    }
                ],
            },
        )

    def _anthropic(self, body: dict[str, Any], turn: Turn, n: int) -> None:
        content: list[dict[str, Any]] = []
        if turn.text:
            content.append({"type": "text", "text": turn.text})
        for i, (name, args) in enumerate(turn.tool_calls):
            try:
                value = json.loads(args)
            except ValueError:
                value = {"raw": args}  # Anthropic always sends an object; keep it invalid
            content.append(
                {"type": "tool_use", "id": f"toolu_{n}_{i}", "name": name, "input": value}
            )
        self._json(
            200,
            {
                "id": f"msg_{n}",
                "type": "message",
                "role": "assistant",
                "model": self.double.served_model or body["model"],
                "content": content,
                "stop_sequence": None,
                "stop_reason": "tool_use" if turn.tool_calls else "end_turn",
                "usage": {"input_tokens": 280, "output_tokens": 25},
            },
        )


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
