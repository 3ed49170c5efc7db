"""Per-user rate limit (fixed one-minute window) and daily budget in USD.

Counters live in the KV store so every API replica and the worker see the same numbers; the
ledger (usage table) stays the source of truth and refills the day's spend after a restart.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.core.db import session_scope
from app.core.kv import KV
from app.core.metrics import LIMITED
from app.models import Usage

DAY_SECONDS = 86_400


class LimitExceeded(Exception):
    """The API answers 429 with Retry-After."""

    def __init__(self, reason: str, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.retry_after = max(1, retry_after)


def _money(usd: float) -> str:
    """Cents when they say it exactly ($0.50), every digit when they do not ($0.005)."""
    return f"{usd:.2f}" if round(usd, 2) == usd else f"{usd:.8f}".rstrip("0")


def _clock() -> float:
    """Seconds since the epoch; a function so tests can pin the rate-limit window."""
    return time.time()


def _day(now: datetime) -> str:
    return now.strftime("%Y%m%d")


def seconds_to_midnight(now: datetime) -> int:
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return int((midnight - now).total_seconds()) + 1


class Limits:
    def __init__(self, kv: KV, per_minute: int) -> None:
        self.kv = kv
        self.per_minute = per_minute

    def check_rate(self, user_id: int) -> None:
        now = _clock()
        window = int(now // 60)
        count = self.kv.incr_window(f"rl:{user_id}:{window}", 120)
        if count > self.per_minute:
            LIMITED.labels("rate").inc()
            raise LimitExceeded(
                "rate_limit",
                f"rate limit of {self.per_minute} requests per minute exceeded",
                60 - int(now % 60),
            )

    def spent_today(self, user_id: int) -> float:
        now = datetime.now(UTC)
        key = f"spend:{user_id}:{_day(now)}"
        cached = self.kv.get(key)
        if cached is not None:
            return float(cached)
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        with session_scope() as session:
            total = session.scalar(
                select(func.coalesce(func.sum(Usage.cost_usd), 0.0)).where(
                    Usage.user_id == user_id, Usage.created_at >= start
                )
            )
        # Set once, atomically: parallel requests that all found the key missing each added
        # the whole day's total before, and users were refused at a fraction of their budget.
        # Costs recorded after this read are added by add_spend as usual.
        self.kv.set_if_absent(key, repr(float(total or 0.0)), DAY_SECONDS + 3600)
        current = self.kv.get(key)
        return float(current) if current is not None else float(total or 0.0)

    def check_budget(self, user_id: int, budget_usd: float) -> None:
        spent = self.spent_today(user_id)
        if spent >= budget_usd:
            LIMITED.labels("budget").inc()
            raise LimitExceeded(
                "budget",
                f"daily budget of ${_money(budget_usd)} used (${spent:.4f} spent today)",
                seconds_to_midnight(datetime.now(UTC)),
            )

    def add_spend(self, user_id: int, cost: float) -> None:
        if cost > 0:
            key = f"spend:{user_id}:{_day(datetime.now(UTC))}"
            if self.kv.get(key) is None:
                self.spent_today(user_id)  # load the day from the ledger first
            else:
                self.kv.incr_float(key, cost, DAY_SECONDS + 3600)
