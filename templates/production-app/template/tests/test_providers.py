"""Real SDKs against the loopback double: answers, 429 retries and exhaustion, timeouts."""

from __future__ import annotations

import pytest

from tests.conftest import create_user, make_client
from tests.llm_double import serve_double


@pytest.mark.parametrize(
    ("provider", "model", "path"),
    [("openai", "gpt-4o-mini", "/chat/completions"),
     ("anthropic", "claude-haiku-4-5", "/v1/messages")],
)  # fmt: skip
def test_provider_answers_with_usage_and_cost(
    monkeypatch: pytest.MonkeyPatch, provider: str, model: str, path: str
) -> None:
    with serve_double() as (double, url):
        monkeypatch.setenv("LLM_PROVIDER", provider)
        monkeypatch.setenv("LLM_BASE_URL", url)
        monkeypatch.setenv("LLM_API_KEY", "test-key")
        with make_client() as client:
            auth = create_user(client)
            body = client.post("/chat", json={"message": "Title please."}, headers=auth).json()
    assert body["reply"] == double.answer
    assert (body["model"], body["input_tokens"], body["output_tokens"]) == (model, 1200, 300)
    assert body["cost_usd"] > 0
    request = double.requests[0]
    assert request["path"].endswith(path)
    # User text only in user messages; the system prompt is the fixed one.
    system = request["body"].get("system") or request["body"]["messages"][0]["content"]
    assert "Title please." not in system


@pytest.fixture
def openai_env(monkeypatch: pytest.MonkeyPatch):
    with serve_double() as (double, url):
        monkeypatch.setenv("LLM_PROVIDER", "openai-compatible")
        monkeypatch.setenv("LLM_BASE_URL", url)
        yield double, monkeypatch


def test_provider_429_is_retried(openai_env) -> None:
    double, monkeypatch = openai_env
    monkeypatch.setenv("LLM_MAX_RETRIES", "2")
    double.script = ["429", "429"]
    with make_client() as client:
        auth = create_user(client)
        response = client.post("/chat", json={"message": "Hello there."}, headers=auth)
    assert response.status_code == 200
    assert len(double.requests) == 3


def test_provider_429_exhausted_is_503_with_retry_after(openai_env) -> None:
    double, monkeypatch = openai_env
    monkeypatch.setenv("LLM_MAX_RETRIES", "1")
    double.script = ["429", "429", "429"]
    with make_client() as client:
        auth = create_user(client)
        response = client.post("/chat", json={"message": "Hello there."}, headers=auth)
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0
        assert 'app_llm_errors_total{kind="rate_limited"}' in client.get("/metrics").text
        # Nothing was charged or stored for the failed call.
        assert client.get("/usage", headers=auth).json()["requests"] == 0


def test_provider_timeout_is_504(openai_env) -> None:
    double, monkeypatch = openai_env
    monkeypatch.setenv("LLM_MAX_RETRIES", "0")
    monkeypatch.setenv("LLM_TIMEOUT_SECONDS", "0.3")
    double.script, double.hang_seconds = ["hang"], 1.5
    with make_client() as client:
        auth = create_user(client)
        response = client.post("/chat", json={"message": "Hello there."}, headers=auth)
        assert response.status_code == 504
        assert 'app_llm_errors_total{kind="timeout"}' in client.get("/metrics").text


@pytest.mark.parametrize(
    ("provider", "served", "priced"),
    [("openai", "gpt-4o-mini-2024-07-18", True),
     ("anthropic", "claude-3-5-haiku-20241022", True),
     ("openai", "gpt-9-preview-2031-01-01", False)],  # a model the table does not know
)  # fmt: skip
def test_names_providers_return_are_charged_and_the_budget_triggers(
    monkeypatch: pytest.MonkeyPatch, provider: str, served: str, priced: bool
) -> None:
    with serve_double() as (double, url):
        double.served_model = served
        monkeypatch.setenv("LLM_PROVIDER", provider)
        monkeypatch.setenv("LLM_BASE_URL", url)
        monkeypatch.setenv("LLM_API_KEY", "test-key")
        with make_client() as client:
            auth = create_user(client, budget=0.002)
            statuses = [
                client.post("/chat", json={"message": f"Question {i}?"}, headers=auth)
                for i in range(8)
            ]
            usage = client.get("/usage", headers=auth).json()
            metrics = client.get("/metrics").text
    codes = [r.status_code for r in statuses]
    # 1200 + 300 tokens a call cost at least $0.00036 at gpt-4o-mini prices: the budget of
    # $0.002 stops the user within 8 calls, with the exact budget in the message.
    assert codes[0] == 200 and 429 in codes, codes
    refused = statuses[codes.index(429)].json()
    assert refused["reason"] == "budget"
    assert "$0.002 " in refused["detail"]
    assert usage["by_model"][served] > 0
    unpriced = f'app_llm_unpriced_calls_total{{model="{served}"}}'
    assert (unpriced in metrics) is not priced
