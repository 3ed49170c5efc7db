"""Cost of a target call from the price table shared with the templates (data/prices.json)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def price_table() -> dict[str, dict[str, float]]:
    text = resources.files("harness").joinpath("data/prices.json").read_text(encoding="utf-8")
    doc: dict[str, Any] = json.loads(text)
    models: dict[str, dict[str, float]] = doc["models"]
    return models


def cost_usd(model: str | None, input_tokens: int, output_tokens: int) -> float | None:
    """USD for one call; None when the model is not in the table (reported as unpriced)."""
    if model is None:
        return None
    price = price_table().get(model)
    if price is None:
        return None
    return (input_tokens * price["input"] + output_tokens * price["output"]) / 1_000_000
