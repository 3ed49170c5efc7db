"""Native tool calling through the real OpenAI and Anthropic SDKs, against a local HTTP double."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from app.agent.prompts import SYSTEM_PROMPT
from app.agent.service import AgentService
from app.core.config import get_settings
from tests.llm_double import LLMDouble, Turn, serve_double

PROVIDERS = ["openai", "anthropic", "openai-compatible"]
REFUND_ARGS = json.dumps({"order_id": "1001", "amount_usd": 89.0, "reason": "damaged"})


@pytest.fixture
def double() -> Iterator[tuple[LLMDouble, str]]:
    with serve_double() as served:
        yield served


def make_service(monkeypatch: pytest.MonkeyPatch, provider: str, url: str, **env: str):
    monkeypatch.setenv("LLM_PROVIDER", provider)
    monkeypatch.setenv("LLM_API_KEY", "test-key")
    monkeypatch.setenv("LLM_BASE_URL", url if provider == "anthropic" else f"{url}/v1")
    monkeypatch.setenv("LLM_MAX_RETRIES", "2")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    return AgentService(get_settings())


def run(service: AgentService, decide: Any = None) -> dict[str, Any]:
    try:
        return service.run_to_end(
            {"subject": "Broken", "body": "Order 1001 arrived damaged."}, decide
        )
    finally:
        service.close()


def tool_results(request: dict[str, Any], anthropic: bool) -> list[dict[str, Any]]:
    messages = request["body"]["messages"]
    if not anthropic:
        return [m for m in messages if m["role"] == "tool"]
    return [
        b
        for m in messages
        if isinstance(m["content"], list)
        for b in m["content"]
        if b["type"] == "tool_result"
    ]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_refund_flow_with_native_tool_calls(provider: str, double, monkeypatch) -> None:
    fake, url = double
    fake.script = [
        Turn(tool_calls=[("lookup_order", '{"order_id": "1001"}')]),
        Turn(tool_calls=[("issue_refund", REFUND_ARGS)]),
        Turn(tool_calls=[("draft_reply", '{"subject": "Refund", "body": "Done."}')]),
        Turn(text="Refunded order 1001."),
    ]
    service = make_service(monkeypatch, provider, url)
    shop = service.shop
    result = run(service)
    assert result["status"] == "completed" and result["outcome"] == "refunded"
    assert shop.count("refunds") == 1
    assert result["answer"] == "Refunded order 1001."
    assert result["steps"] == 4 and result["input_tokens"] > 0
    # Hosted defaults are priced; a local model (llama3.1:8b) costs nothing.
    assert (result["cost_usd"] > 0) is (provider != "openai-compatible")
    anthropic = provider == "anthropic"
    first, second = fake.requests[0], fake.requests[1]
    assert {t.get("name") or t["function"]["name"] for t in first["body"]["tools"]} >= {
        "issue_refund",
        "lookup_order",
    }
    if anthropic:
        assert first["path"].endswith("/v1/messages")
        assert first["body"]["system"] == SYSTEM_PROMPT
    else:
        assert first["body"]["messages"][0] == {"role": "system", "content": SYSTEM_PROMPT}
    # The ticket travels as delimited user data, never in the system prompt.
    assert "Order 1001 arrived damaged." in json.dumps(first["body"]["messages"])
    (result_block,) = tool_results(second, anthropic)
    assert json.loads(result_block["content"])["order"]["id"] == "1001"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_malformed_tool_arguments_from_model(provider: str, double, monkeypatch) -> None:
    fake, url = double
    fake.script = [
        Turn(tool_calls=[("lookup_order", '{"order_id": 10')]),
        Turn(tool_calls=[("lookup_order", '{"order_id": "1001"}')]),
        Turn(text="Looked it up."),
    ]
    result = run(make_service(monkeypatch, provider, url))
    assert result["status"] == "completed"
    assert [c["ok"] for c in result["calls"]] == [False, True]
    (error,) = tool_results(fake.requests[1], provider == "anthropic")
    assert "invalid" in json.dumps(error)
    if provider == "anthropic":
        assert error["is_error"] is True


@pytest.mark.parametrize("provider", PROVIDERS)
def test_429_is_retried_by_the_sdk(provider: str, double, monkeypatch) -> None:
    fake, url = double
    fake.script = [Turn(status="429"), Turn(text="Fine after a retry.")]
    result = run(make_service(monkeypatch, provider, url))
    assert result["status"] == "completed"
    assert len(fake.requests) == 2


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_persistent_429_fails_the_run_cleanly(provider: str, double, monkeypatch) -> None:
    fake, url = double
    fake.script = [Turn(status="429")] * 5
    result = run(make_service(monkeypatch, provider, url, LLM_MAX_RETRIES="1"))
    assert result["status"] == "failed"
    assert result["outcome"] == "provider_error"
    assert "RateLimitError" in result["detail"]
    assert len(fake.requests) == 2


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_timeout_fails_the_run_cleanly(provider: str, double, monkeypatch) -> None:
    fake, url = double
    fake.hang_seconds = 2.0
    fake.script = [Turn(status="hang")]
    service = make_service(
        monkeypatch, provider, url, LLM_TIMEOUT_SECONDS="0.3", LLM_MAX_RETRIES="0"
    )
    result = run(service)
    assert result["status"] == "failed"
    assert result["outcome"] == "provider_timeout"


def test_rejected_refund_through_a_model(double, monkeypatch) -> None:
    fake, url = double
    fake.script = [Turn(tool_calls=[("issue_refund", REFUND_ARGS)]), Turn(text="Told them.")]
    service = make_service(monkeypatch, "openai", url)
    shop = service.shop
    result = run(service, decide=lambda _: (False, "no evidence"))
    assert result["outcome"] == "refund_rejected"
    assert shop.count("refunds") == 0
    (error,) = tool_results(fake.requests[1], anthropic=False)
    assert "rejected by a human reviewer" in error["content"]


@pytest.mark.parametrize(
    ("provider", "served", "priced"),
    [("openai", "gpt-4o-mini-2024-07-18", True),
     ("anthropic", "claude-haiku-4-5-20251001", True),
     ("openai", "gpt-9-preview-2031-01-01", False)],  # a model the table does not know
)  # fmt: skip
def test_names_providers_return_are_charged_and_max_cost_stops_the_run(
    provider: str, served: str, priced: bool, double, monkeypatch
) -> None:
    # Providers answer with a dated snapshot (or a model the table lacks): priced at $0, the
    # cost budget never triggered and the agent looked orders up until max_steps.
    fake, url = double
    fake.served_model = served
    fake.script = [Turn(tool_calls=[("lookup_order", '{"order_id": "1001"}')])] * 8
    service = make_service(monkeypatch, provider, url, AGENT_MAX_COST_USD="0.0001")
    stats_before = service.ledger.snapshot()["unpriced_calls"].get(served, 0)
    result = run(service)
    assert result["status"] == "budget_exceeded"
    assert "max_cost" in result["detail"]
    assert result["cost_usd"] >= 0.0001
    assert len(fake.requests) <= 2
    unpriced = service.ledger.snapshot()["unpriced_calls"].get(served, 0) - stats_before
    assert (unpriced > 0) is not priced
