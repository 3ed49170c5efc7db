"""Cost of LLM calls from a price table, plus an in-process ledger for /stats.

The price table (app/core/prices.json) is USD per 1M input/output tokens per model. Providers
answer with the name of the snapshot that served the call, not the alias that was asked for
(OpenAI: `gpt-4o-mini` -> `gpt-4o-mini-2024-07-18`; Anthropic: `claude-3-5-haiku-latest` ->
`claude-3-5-haiku-20241022`), so a model name is resolved in this order:

1. the exact name, when the table lists it (a dated snapshot may cost more than its alias:
   `gpt-4o-2024-05-13` does);
2. the name without a trailing date or `-latest` (`-2024-07-18`, `-20241022`), and without a
   router prefix (`openai/gpt-4o-mini`);
3. otherwise the model is **unpriced**: it is logged (once per model, WARNING), counted
   (`unpriced_calls()`, shown by /stats and the metrics), and charged the *fallback price*: the
   most expensive input and output prices the table lists for models of the same family (the
   name's first dash-separated word: `gpt`, `claude`), or of the whole table when no family
   matches. An unknown model never costs $0, so budgets still trigger; add the model to
   prices.json (with 0 for a free local model) to price it exactly.

No prefix matching beyond that: `gpt-4o-mini-realtime-preview` would otherwise be charged
`gpt-4o-mini`'s price, four times too low.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from statistics import quantiles
from typing import Any

PRICES_PATH = Path(__file__).with_name("prices.json")

logger = logging.getLogger(__name__)

# A snapshot suffix: -2024-07-18 (OpenAI), -20241022 (Anthropic) or -latest (Anthropic alias).
_SNAPSHOT = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest)$")

_unpriced: Counter[str] = Counter()
_unpriced_lock = threading.Lock()
# Called with the model name on each unpriced call (e.g. a Prometheus counter's inc).
unpriced_listeners: list[Callable[[str], None]] = []


@lru_cache
def price_table() -> dict[str, dict[str, float]]:
    models: dict[str, dict[str, float]] = json.loads(PRICES_PATH.read_text())["models"]
    return models


@dataclass(frozen=True)
class Price:
    input: float
    output: float
    # The table entry the price came from, or "fallback:<family>" for an unpriced model.
    source: str

    @property
    def priced(self) -> bool:
        return not self.source.startswith("fallback:")


def _family(model: str) -> str:
    return model.rsplit("/", 1)[-1].split("-", 1)[0].lower()


@lru_cache(maxsize=1024)
def resolve_price(model: str) -> Price:
    """The price of `model` by the rule in this module's docstring; never raises."""
    table = price_table()
    bare = model.rsplit("/", 1)[-1]
    for name in (model, bare, _SNAPSHOT.sub("", bare)):
        if name in table:
            return Price(table[name]["input"], table[name]["output"], name)
    family = _family(model)
    same = [p for name, p in table.items() if _family(name) == family] or list(table.values())
    fallback = Price(
        max(p["input"] for p in same),
        max(p["output"] for p in same),
        f"fallback:{family if len(same) < len(table) else 'all'}",
    )
    return fallback


def cost_usd(model: str, input_tokens: int, output_tokens: int) -> float:
    """Cost of one call. An unknown model is charged the fallback price and counted."""
    price = resolve_price(model)
    if not price.priced:
        _count_unpriced(model, price)
    total = input_tokens * price.input + output_tokens * price.output
    return round(total / 1_000_000, 8)


def is_priced(model: str) -> bool:
    return resolve_price(model).priced


def _count_unpriced(model: str, price: Price) -> None:
    with _unpriced_lock:
        first = model not in _unpriced
        _unpriced[model] += 1
    if first:
        logger.warning(
            "unpriced model: charged the fallback price; add it to app/core/prices.json",
            extra={"model": model, "fallback": price.source,
                   "input_per_1m": price.input, "output_per_1m": price.output},
        )  # fmt: skip
    for listener in unpriced_listeners:
        listener(model)


def unpriced_calls() -> dict[str, int]:
    """Calls per unpriced model since start-up."""
    with _unpriced_lock:
        return dict(_unpriced)


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
                # Calls charged the fallback price (see the module docstring), by model.
                "unpriced_calls": unpriced_calls(),
            }


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None}
    if len(values) == 1:
        return {"p50": values[0], "p95": values[0], "p99": values[0]}
    cuts = quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49], 2), "p95": round(cuts[94], 2), "p99": round(cuts[98], 2)}
