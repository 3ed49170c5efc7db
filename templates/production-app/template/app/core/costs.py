"""Cost of LLM calls from a price table, plus an in-process ledger for /stats.

The price table (app/core/prices.json) is USD per 1M input/output tokens per model.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from statistics import quantiles
from typing import Any

PRICES_PATH = Path(__file__).with_name("prices.json")


@lru_cache
def price_table() -> dict[str, dict[str, float]]:
    models: dict[str, dict[str, float]] = json.loads(PRICES_PATH.read_text())["models"]
    return models


def cost_usd(model: str, input_tokens: int, output_tokens: int) -> float:
    """Cost of one call. An unknown model costs 0 and is flagged by `is_priced`."""
    price = price_table().get(model)
    if price is None:
        return 0.0
    total = input_tokens * price["input"] + output_tokens * price["output"]
    return round(total / 1_000_000, 8)


def is_priced(model: str) -> bool:
    return model in price_table()


@dataclass
class Ledger:
    """Running totals since start-up. Thread-safe: sync routes run in a thread pool."""

    requests: int = 0
    errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Keep memory bounded on a long-running server; percentiles over the recent window.
    window: int = 10_000

    def record(
        self, *, latency_ms: float, input_tokens: int = 0, output_tokens: int = 0, cost: float = 0.0
    ) -> None:
        with self._lock:
            self.requests += 1
            self.input_tokens += input_tokens
            self.output_tokens += output_tokens
            self.cost_usd += cost
            self.latencies_ms.append(latency_ms)
            del self.latencies_ms[: -self.window]

    def record_error(self) -> None:
        with self._lock:
            self.errors += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            latencies = sorted(self.latencies_ms)
            return {
                "requests": self.requests,
                "errors": self.errors,
                "input_tokens": self.input_tokens,
                "output_tokens": self.output_tokens,
                "cost_usd": round(self.cost_usd, 8),
                "cost_per_request_usd": round(self.cost_usd / self.requests, 8)
                if self.requests
                else 0.0,
                "latency_ms": _percentiles(latencies),
            }


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None}
    if len(values) == 1:
        return {"p50": values[0], "p95": values[0], "p99": values[0]}
    cuts = quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49], 2), "p95": round(cuts[94], 2), "p99": round(cuts[98], 2)}
