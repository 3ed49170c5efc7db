"""Per-user rate limit and daily budget: 429 with Retry-After, counted in metrics."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import create_user, make_client
from tests.llm_double import LLMDouble, serve_double


def _limited(response: object) -> int:
    assert response.status_code == 429, response.text  # type: ignore[attr-defined]
    retry_after = int(response.headers["Retry-After"])  # type: ignore[attr-defined]
    assert retry_after >= 1
    return retry_after


def test_rate_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "3")
    # 20 s into a fixed minute: no window boundary can fall between the requests.
    monkeypatch.setattr("app.services.limits._clock", lambda: 60 * 28_000_000 + 20.0)
    with make_client() as client:
        alice, bob = create_user(client), create_user(client)
        for i in range(3):
            body = {"message": f"Tell me something new number {i}."}
            assert client.post("/chat", json=body, headers=alice).status_code == 200
        blocked = client.post("/chat", json={"message": "One more please."}, headers=alice)
        assert _limited(blocked) == 40
        assert blocked.json()["reason"] == "rate_limit"
        # Limits are per user.
        assert (
            client.post("/chat", json={"message": "Hi there you."}, headers=bob).status_code == 200
        )
        assert 'app_limited_total{reason="rate"}' in client.get("/metrics").text


@pytest.fixture
def priced(monkeypatch: pytest.MonkeyPatch) -> Iterator[LLMDouble]:
    """The OpenAI SDK against the double: gpt-4o-mini is priced, so budgets bite."""
    with serve_double() as (double, url):
        monkeypatch.setenv("LLM_PROVIDER", "openai-compatible")
        monkeypatch.setenv("LLM_BASE_URL", url)
        monkeypatch.setenv("LLM_MODEL", "gpt-4o-mini")
        monkeypatch.setenv("LLM_MAX_RETRIES", "0")
        yield double


def test_daily_budget(priced: LLMDouble, monkeypatch: pytest.MonkeyPatch) -> None:
    # One call: 1200 * 0.15 + 300 * 0.6 per 1M tokens = $0.00036.
    monkeypatch.setenv("DAILY_BUDGET_USD", "0.0005")
    with make_client() as client:
        user = create_user(client)
        first = client.post("/chat", json={"message": "Summarise my week."}, headers=user)
        assert first.status_code == 200 and first.json()["cost_usd"] == pytest.approx(0.00036)
        assert (
            client.post("/chat", json={"message": "And my month?"}, headers=user).status_code == 200
        )
        blocked = client.post("/chat", json={"message": "And my year?"}, headers=user)
        assert _limited(blocked) <= 86_401
        assert blocked.json()["reason"] == "budget"
        assert len(priced.requests) == 2  # the refused request never reached the provider
        assert client.post("/jobs", json={"text": "Long text."}, headers=user).status_code == 429
        # A per-user budget overrides the default.
        rich = create_user(client, budget=5.0)
        assert (
            client.post("/chat", json={"message": "And my year?"}, headers=rich).status_code == 200
        )
        broke = create_user(client, budget=0.0)
        assert client.post("/chat", json={"message": "Hi there."}, headers=broke).status_code == 429


def test_budget_survives_a_restart(priced: LLMDouble, monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-process counter is lost on restart; the ledger refills it."""
    monkeypatch.setenv("DAILY_BUDGET_USD", "0.0003")
    with make_client() as client:
        user = create_user(client)
        assert client.post("/chat", json={"message": "Summarise."}, headers=user).status_code == 200
    with make_client() as client:
        assert client.post("/chat", json={"message": "Again."}, headers=user).status_code == 429
