"""Settings refuse unsafe defaults outside development."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.core.config import Settings
from app.core.costs import Ledger, cost_usd


def test_production_refuses_default_or_missing_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="API_TOKEN"):
        Settings(_env_file=None)
    monkeypatch.setenv("API_TOKEN", "changethis")
    with pytest.raises(ValidationError, match="API_TOKEN"):
        Settings(_env_file=None)
    monkeypatch.setenv("API_TOKEN", "a-long-random-token")
    assert Settings(_env_file=None).ENVIRONMENT == "production"


def test_real_provider_needs_key_outside_development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "staging")
    monkeypatch.setenv("API_TOKEN", "a-long-random-token")
    monkeypatch.setenv("LLM_PROVIDER", "openai")
    with pytest.raises(ValidationError, match="LLM_API_KEY"):
        Settings(_env_file=None)


def test_cors_is_explicit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "http://localhost:5173, https://example.org/")
    assert Settings(_env_file=None).cors_origins == ["http://localhost:5173", "https://example.org"]
    monkeypatch.setenv("CORS_ORIGINS", "*")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)


def test_pgvector_needs_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VECTOR_STORE", "pgvector")
    with pytest.raises(ValidationError, match="DATABASE_URL"):
        Settings(_env_file=None)


def test_cost_from_price_table() -> None:
    assert cost_usd("gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(0.75)
    assert cost_usd("offline-extractive", 5000, 500) == 0.0
    # An unknown model is charged the fallback price, never $0 (tests/test_costs.py).
    assert cost_usd("unknown-model", 10, 10) > 0.0


def test_ledger_percentiles() -> None:
    ledger = Ledger()
    for ms in range(1, 101):
        ledger.record(latency_ms=float(ms), input_tokens=10, output_tokens=1, cost=0.001)
    snap = ledger.snapshot()
    assert snap["requests"] == 100 and snap["input_tokens"] == 1000
    assert snap["latency_ms"]["p50"] == pytest.approx(50.5)
    assert snap["latency_ms"]["p95"] == pytest.approx(95.05)


def test_env_example_lists_every_setting() -> None:
    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text()
    keys = {line.split("=", 1)[0] for line in example.splitlines() if "=" in line[:40]}
    missing = set(Settings.model_fields) - keys
    assert not missing, f".env.example lacks {sorted(missing)}"
