"""A local OpenAI-compatible judge double for offline tests, demos and benchmarks.

It speaks the real chat-completions and embeddings wire format on 127.0.0.1, so the real
`openai` SDK and ragas run against it. Structured-output prompts (instructor's JSON mode, which
ragas uses) embed a JSON schema; the double answers with a schema-valid instance, so every LLM
metric computes a real score. It can be scripted to add latency, answer 429, hang past the
client's timeout, or return garbage, and it counts calls.

Run it by hand: `python -m harness.eval.judge_double --port 8088 --latency 0.3`.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_SCHEMA_MARK = "json_schema:"


@dataclass
class Script:
    """What the double does; tests change it between runs (reads are per request)."""

    latency_s: float = 0.0
    fail_first: int = 0  # the first N chat calls get 429
    fail_rate: float = 0.0  # then this fraction of chat calls get 429
    hang_when: str | None = None  # chat calls whose prompt contains this text never answer
    garbage_when: str | None = None  # chat calls whose prompt contains this text get non-JSON
    empty_when: str | None = None  # ... get valid JSON with empty lists (ragas then scores NaN)
    verdict: int = 1  # value given to every integer field (ragas verdicts: 1 = supported)
    seed: int = 7


@dataclass
class Counters:
    chat: int = 0
    embeddings: int = 0
    rate_limited: int = 0
    hung: int = 0
    garbage: int = 0
    prompts: list[str] = field(default_factory=list)


class JudgeDouble:
    def __init__(self, script: Script | None = None, port: int = 0) -> None:
        self.script = script or Script()
        self.counters = Counters()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._rng = random.Random(self.script.seed)
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def start(self) -> JudgeDouble:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> JudgeDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset_counters(self) -> None:
        with self._lock:
            self.counters = Counters()

    def decide(self, prompt: str) -> str:
        """ok | 429 | hang | garbage, counted under the lock so concurrent calls stay exact."""
        s = self.script
        with self._lock:
            self.counters.chat += 1
            self.counters.prompts.append(prompt)
            if self.counters.chat <= s.fail_first or (
                s.fail_rate and self._rng.random() < s.fail_rate
            ):
                self.counters.rate_limited += 1
                return "429"
            if s.hang_when and s.hang_when in prompt:
                self.counters.hung += 1
                return "hang"
            if s.garbage_when and s.garbage_when in prompt:
                self.counters.garbage += 1
                return "garbage"
        return "ok"

    def count_embeddings(self) -> None:
        with self._lock:
            self.counters.embeddings += 1

    def hang(self) -> None:
        self._stop.wait(120)


def _handler_for(double: JudgeDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path.endswith("/chat/completions"):
                self._chat(body)
            elif self.path.endswith("/embeddings"):
                double.count_embeddings()
                self._send(200, _embeddings(body))
            else:
                self._send(404, {"error": {"message": "not found", "type": "invalid_request"}})

        def _chat(self, body: dict[str, Any]) -> None:
            prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
            action = double.decide(prompt)
            if double.script.latency_s:
                time.sleep(double.script.latency_s)
            if action == "429":
                error = {"message": "rate limited", "type": "rate_limit_exceeded"}
                self._send(429, {"error": error}, {"retry-after": "0"})
            elif action == "hang":
                double.hang()
            elif action == "garbage":
                self._send(200, _completion(body, "<<<this is not the JSON you asked for>>>"))
            else:
                self._send(200, _structured_completion(body, prompt, double.script))

        def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout); nothing to tell it

    return Handler


def _completion(
    body: dict[str, Any], content: str | None, tool_calls: list[Any] | None = None
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-double",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", "judge-double"),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if tool_calls else "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def _structured_completion(body: dict[str, Any], prompt: str, script: Script) -> dict[str, Any]:
    """Answer in whichever structured-output style the client asked for.

    instructor (under ragas) uses JSON mode with the schema in the prompt in the versions pinned
    here; newer versions may send a `json_schema` response_format or a tool. All three work.
    """
    tools = body.get("tools") or []
    if tools:
        function = tools[0].get("function", {})
        value = answer_for_schema(function.get("parameters"), prompt, script)
        name = function.get("name", "tool")
        arguments = {"name": name, "arguments": json.dumps(value)}
        call = {"id": "call_double", "type": "function", "function": arguments}
        return _completion(body, None, [call])
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema")
        return _completion(body, json.dumps(answer_for_schema(schema, prompt, script)))
    return _completion(body, json.dumps(answer_for(prompt, script)))


def _embeddings(body: dict[str, Any]) -> dict[str, Any]:
    texts = body.get("input", [])
    texts = [texts] if isinstance(texts, str) else texts
    # One fixed direction: every text is maximally similar, so relevancy scores are exact.
    vector = [0.6, 0.8, 0.0, 0.0]
    data = [{"object": "embedding", "index": i, "embedding": vector} for i in range(len(texts))]
    usage = {"prompt_tokens": len(texts), "total_tokens": len(texts)}
    return {"object": "list", "data": data, "model": body.get("model", "emb"), "usage": usage}


def answer_for(prompt: str, script: Script) -> Any:
    """A schema-valid instance for the JSON schema embedded in an instructor JSON-mode prompt."""
    at = prompt.find(_SCHEMA_MARK)
    if at < 0:
        return {"text": "ok"}
    start = prompt.find("{", at)
    try:
        schema, _ = json.JSONDecoder().raw_decode(prompt[start:])
    except ValueError:
        return {"text": "ok"}
    return answer_for_schema(schema, prompt, script)


def answer_for_schema(schema: Any, prompt: str, script: Script) -> Any:
    if not isinstance(schema, dict):
        return {"text": "ok"}
    seed = hashlib.sha256(prompt.encode()).hexdigest()[:8]
    items = 0 if script.empty_when and script.empty_when in prompt else 2
    return _instance(schema, schema.get("$defs", {}), script, seed, "", items)


def _instance(
    node: Any, defs: dict[str, Any], script: Script, seed: str, name: str, items: int
) -> Any:
    if not isinstance(node, dict):
        return None
    if "$ref" in node:
        return _instance(defs[node["$ref"].split("/")[-1]], defs, script, seed, name, items)
    for key in ("anyOf", "allOf", "oneOf"):
        if key in node:
            options = [o for o in node[key] if o.get("type") != "null"] or node[key]
            return _instance(options[0], defs, script, seed, name, items)
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object":
        props = node.get("properties", {})
        return {k: _instance(v, defs, script, seed, k, items) for k, v in props.items()}
    if kind == "array":
        item = node.get("items", {})
        return [_instance(item, defs, script, seed, name, items) for _ in range(items)]
    if kind == "integer":
        # ragas reads `noncommittal: 1` as an evasive answer; every other integer is a verdict.
        return 0 if name == "noncommittal" else script.verdict
    if kind == "number":
        return float(script.verdict)
    if kind == "boolean":
        return False
    return f"{name or 'text'} {seed}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8088)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--fail-rate", type=float, default=0.0)
    args = parser.parse_args()
    double = JudgeDouble(Script(latency_s=args.latency, fail_rate=args.fail_rate), args.port)
    print(f"judge double on {double.base_url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        double.server.serve_forever()


if __name__ == "__main__":
    main()
