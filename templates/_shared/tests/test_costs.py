"""The price table against the model names providers really answer with.

OpenAI answers a request for `gpt-4o-mini` with `gpt-4o-mini-2024-07-18`; Anthropic answers
`claude-3-5-haiku-latest` with `claude-3-5-haiku-20241022`. A table keyed by the alias alone
priced those calls at $0 and no budget ever triggered.
"""

from __future__ import annotations

import logging

import pytest

from app.core import costs

# (name as the provider returns it, USD per 1M input, per 1M output): the providers' list prices.
RETURNED_NAMES = [
    ("gpt-4o-mini-2024-07-18", 0.15, 0.6),
    ("gpt-4o-2024-08-06", 2.5, 10.0),
    ("gpt-4o-2024-11-20", 2.5, 10.0),
    ("gpt-4o-2024-05-13", 5.0, 15.0),  # dearer than its alias: an exact entry wins
    ("gpt-4.1-2025-04-14", 2.0, 8.0),
    ("gpt-4.1-mini-2025-04-14", 0.4, 1.6),
    ("claude-3-5-haiku-20241022", 0.8, 4.0),
    ("claude-sonnet-4-20250514", 3.0, 15.0),
    ("claude-sonnet-4-5-20250929", 3.0, 15.0),
    ("claude-haiku-4-5-20251001", 1.0, 5.0),
]


@pytest.mark.parametrize(("model", "price_in", "price_out"), RETURNED_NAMES)
def test_names_providers_return_are_priced(model: str, price_in: float, price_out: float) -> None:
    price = costs.resolve_price(model)
    assert price.priced, model
    assert (price.input, price.output) == (price_in, price_out)
    expected = round((1000 * price_in + 500 * price_out) / 1_000_000, 8)
    assert costs.cost_usd(model, 1000, 500) == expected > 0


@pytest.mark.parametrize(
    ("model", "alias"),
    [("gpt-4o-mini-2031-01-01", "gpt-4o-mini"),  # a snapshot newer than the table
     ("claude-haiku-4-5-20310101", "claude-haiku-4-5"),
     ("openai/gpt-4.1-mini", "gpt-4.1-mini")],  # a router's provider/model name
)  # fmt: skip
def test_unlisted_snapshot_is_priced_as_its_alias(model: str, alias: str) -> None:
    assert costs.resolve_price(model).source == alias
    assert costs.cost_usd(model, 1000, 1000) == costs.cost_usd(alias, 1000, 1000) > 0


def test_unknown_model_is_charged_the_family_maximum_counted_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    table = costs.price_table()
    dearest_gpt = (
        max(p["input"] for name, p in table.items() if name.startswith("gpt-")),
        max(p["output"] for name, p in table.items() if name.startswith("gpt-")),
    )
    before = costs.unpriced_calls().get("gpt-9-turbo", 0)
    with caplog.at_level(logging.WARNING, logger="app.core.costs"):
        first = costs.cost_usd("gpt-9-turbo", 1_000_000, 1_000_000)
        second = costs.cost_usd("gpt-9-turbo", 1_000_000, 1_000_000)
    assert first == second == dearest_gpt[0] + dearest_gpt[1]
    assert not costs.is_priced("gpt-9-turbo")
    assert costs.unpriced_calls()["gpt-9-turbo"] == before + 2
    warnings = [r for r in caplog.records if "unpriced model" in r.getMessage()]
    assert len(warnings) <= 1  # once per model, not once per call
    if before == 0:
        assert warnings and warnings[0].model == "gpt-9-turbo"  # type: ignore[attr-defined]


def test_model_of_no_known_family_is_charged_the_table_maximum() -> None:
    table = costs.price_table()
    price = costs.resolve_price("mystery-model:7b")
    assert (price.input, price.output) == (
        max(p["input"] for p in table.values()),
        max(p["output"] for p in table.values()),
    )
    assert price.source == "fallback:all"
    assert costs.cost_usd("mystery-model:7b", 10, 10) > 0


def test_a_listed_free_model_stays_free_and_priced() -> None:
    for model in ("offline-extractive", "llama3.1:8b"):
        assert costs.is_priced(model)
        assert costs.cost_usd(model, 1000, 1000) == 0.0


def test_no_prefix_guessing() -> None:
    # Charging gpt-4o-mini's price for its realtime variant would be four times too low.
    assert not costs.is_priced("gpt-4o-mini-realtime-preview")
    assert costs.resolve_price("gpt-4o-mini-realtime-preview").input >= 5.0
