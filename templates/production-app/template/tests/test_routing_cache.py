"""Routing picks the documented model; the cache answers repeats without a provider call."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.llm.router import choose_route
from tests.conftest import create_user, make_client
from tests.llm_double import LLMDouble, serve_double


@pytest.fixture
def openai_client(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, LLMDouble]]:
    with serve_double() as (double, url):
        monkeypatch.setenv("LLM_PROVIDER", "openai-compatible")
        monkeypatch.setenv("LLM_BASE_URL", url)
        monkeypatch.setenv("LLM_MODEL", "gpt-4o-mini")
        monkeypatch.setenv("LLM_STRONG_MODEL", "gpt-4o")
        monkeypatch.setenv("ROUTER_LONG_INPUT_CHARS", "200")
        with make_client() as client:
            yield client, double


@pytest.mark.parametrize(
    ("task", "text", "expected"),
    [
        ("chat", "Give this paragraph a title.", "cheap"),
        ("summarize", "Summarise the meeting notes.", "cheap"),
        ("bullets", "List the action items.", "cheap"),
        ("rewrite", "Make this shorter.", "strong"),
        ("chat", "Compare the two proposals.", "strong"),
        ("chat", "Explain why the launch slipped.", "strong"),
        ("chat", "word " * 100, "strong"),
    ],
)
def test_rule(task: str, text: str, expected: str) -> None:
    assert choose_route(task, text, long_input_chars=200)[0] == expected


def test_routing_picks_the_documented_model(openai_client: tuple[TestClient, LLMDouble]) -> None:
    client, double = openai_client
    auth = create_user(client)
    cheap = client.post("/chat", json={"message": "Give this a title."}, headers=auth).json()
    strong = client.post("/chat", json={"message": "Compare A and B."}, headers=auth).json()
    assert (cheap["route"], cheap["model"]) == ("cheap", "gpt-4o-mini")
    assert (strong["route"], strong["model"]) == ("strong", "gpt-4o")
    assert double.models == ["gpt-4o-mini", "gpt-4o"]
    assert strong["cost_usd"] > cheap["cost_usd"] > 0
    metrics = client.get("/metrics").text
    assert 'app_llm_requests_total{model="gpt-4o",route="strong"}' in metrics


def test_cache_hit_avoids_a_provider_call(openai_client: tuple[TestClient, LLMDouble]) -> None:
    client, double = openai_client
    auth = create_user(client)
    first = client.post("/chat", json={"message": "Title for my essay."}, headers=auth).json()
    # Case and whitespace are normalised away in the key.
    again = client.post("/chat", json={"message": "  title FOR my   essay. "}, headers=auth)
    second = again.json()
    assert len(double.requests) == 1
    assert (first["cached"], second["cached"]) == (False, True)
    assert second["reply"] == first["reply"] and second["cost_usd"] == 0.0
    usage = client.get("/usage", headers=auth).json()
    assert (usage["requests"], usage["cached"]) == (2, 1)
    assert "app_cache_hits_total" in client.get("/metrics").text


def test_cache_can_be_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CACHE_TTL_SECONDS", "0")
    with make_client() as client:
        auth = create_user(client)
        for _ in range(2):
            body = client.post("/chat", json={"message": "Same again."}, headers=auth).json()
            assert body["cached"] is False
