"""Each provider through its official SDK against a local double of its real API."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import SAMPLES, make_client, upload
from tests.llm_double import ANSWER, LLMDouble, serve_double

PROVIDERS = {
    # provider -> (path suffix the SDK calls, base URL suffix, model the app sends)
    "openai": ("/chat/completions", "/v1", "gpt-4o-mini"),
    "openai-compatible": ("/chat/completions", "/v1", "llama3.1:8b"),
    "anthropic": ("/messages", "", "claude-haiku-4-5"),
}


@pytest.fixture(params=sorted(PROVIDERS))
def provider_app(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, LLMDouble, TestClient]]:
    name = request.param
    with serve_double() as (double, url):
        monkeypatch.setenv("LLM_PROVIDER", name)
        monkeypatch.setenv("LLM_BASE_URL", url + PROVIDERS[name][1])
        monkeypatch.setenv("LLM_API_KEY", "test-key-not-real")
        monkeypatch.setenv("LLM_TIMEOUT_SECONDS", "1")
        monkeypatch.setenv("LLM_MAX_RETRIES", "2")
        with make_client() as client:
            upload(client, "warranty.txt", (SAMPLES / "warranty.txt").read_bytes())
            yield name, double, client


def _ask(client: TestClient) -> dict:
    response = client.post("/ask", json={"question": "How long is the battery warranty?"})
    return {"status": response.status_code, **response.json()}


def test_answer_usage_cost_and_grounded_prompt(provider_app) -> None:
    name, double, client = provider_app
    body = _ask(client)
    assert body["status"] == 200
    assert body["answer"] == ANSWER
    assert body["model"] == PROVIDERS[name][2]
    assert body["usage"]["input_tokens"] > 0 and body["usage"]["output_tokens"] > 0
    assert body["citations"][0]["chunk_id"] == "warranty-txt:0"
    if name != "openai-compatible":  # a local model's price is 0 in the table
        assert body["cost_usd"] > 0
    call = double.requests[-1]
    assert call["path"].endswith(PROVIDERS[name][0])
    prompt = json.dumps(call["body"])
    assert "[1]" in prompt and "two years" in prompt
    assert call["body"]["max_tokens"] == 512


def test_invented_citation_is_flagged(provider_app) -> None:
    _, double, client = provider_app
    double.answer = "Two years [1], unless it is Tuesday [7]."
    body = _ask(client)
    assert [c["number"] for c in body["citations"]] == [1]
    assert body["invalid_citations"] == [7]


def test_rate_limit_then_success(provider_app) -> None:
    _, double, client = provider_app
    double.script = ["429"]
    body = _ask(client)
    assert body["status"] == 200
    assert len(double.requests) == 2  # the SDK retried once after the 429


def test_rate_limited_beyond_retries_is_503(provider_app) -> None:
    _, double, client = provider_app
    double.script = ["429"] * 3
    assert _ask(client)["status"] == 503


def test_timeout_is_504(provider_app) -> None:
    _, double, client = provider_app
    double.script = ["hang"] * 3
    double.hang_seconds = 1.5
    assert _ask(client)["status"] == 504


def test_streaming(provider_app) -> None:
    _, double, client = provider_app
    with client.stream(
        "POST", "/ask/stream", json={"question": "How long is the battery warranty?"}
    ) as response:
        raw = "".join(response.iter_text())
    blocks = [b.split("\n", 1) for b in raw.strip().split("\n\n")]
    tokens = [json.loads(b[1][6:])["text"] for b in blocks if b[0] == "event: token"]
    assert len(tokens) > 3 and "".join(tokens) == ANSWER
    done = json.loads(blocks[-1][1][6:])
    assert done["usage"]["output_tokens"] > 0 and done["citations"]
    assert double.requests[-1]["body"]["stream"] is True


def test_streaming_timeout_reports_504_in_band(provider_app) -> None:
    _, double, client = provider_app
    double.script = ["hang"] * 3
    double.hang_seconds = 1.5
    with client.stream(
        "POST", "/ask/stream", json={"question": "How long is the battery warranty?"}
    ) as response:
        raw = "".join(response.iter_text())
    assert "event: error" in raw and '"status": 504' in raw


@pytest.mark.parametrize(
    ("provider", "served", "priced"),
    [("openai", "gpt-4o-mini-2024-07-18", True),
     ("anthropic", "claude-haiku-4-5-20251001", True),
     ("openai", "gpt-9-preview-2031-01-01", False)],  # a model the table does not know
)  # fmt: skip
def test_names_providers_return_are_charged(
    monkeypatch: pytest.MonkeyPatch, provider: str, served: str, priced: bool
) -> None:
    # Providers answer with a dated snapshot: a table keyed by the alias priced it at $0.
    with serve_double() as (double, url):
        double.served_model = served
        monkeypatch.setenv("LLM_PROVIDER", provider)
        monkeypatch.setenv("LLM_BASE_URL", url + PROVIDERS[provider][1])
        monkeypatch.setenv("LLM_API_KEY", "test-key-not-real")
        with make_client() as client:
            upload(client, "warranty.txt", (SAMPLES / "warranty.txt").read_bytes())
            body = _ask(client)
            stats = client.get("/stats").json()
    assert body["status"] == 200
    assert body["model"] == served
    assert body["cost_usd"] > 0
    assert stats["cost_usd"] == body["cost_usd"]
    assert (served in stats["unpriced_calls"]) is not priced
