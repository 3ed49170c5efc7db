"""Exponential backoff with full jitter for HTTP calls, as an httpx transport.

It sits under both the HTTP target client and the judge's OpenAI client (whose own retries are
turned off), so one policy and one set of counters govern every outbound call. Timeouts are not
retried: a hung endpoint would otherwise cost `retries x timeout` per sample; the sample is
reported unmeasured instead.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

import httpx

RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


@dataclass
class RetryPolicy:
    retries: int = 4
    base_s: float = 0.25
    cap_s: float = 8.0

    def delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after is not None:
            try:
                return min(self.cap_s, max(0.0, float(retry_after)))
            except ValueError:
                pass  # an HTTP-date Retry-After: fall back to our own schedule
        return random.uniform(0, min(self.cap_s, self.base_s * 2**attempt))


@dataclass
class CallStats:
    requests: int = 0
    retried: int = 0
    failed: int = 0


class RetryingTransport(httpx.AsyncBaseTransport):
    def __init__(
        self,
        policy: RetryPolicy,
        inner: httpx.AsyncBaseTransport | None = None,
        stats: CallStats | None = None,
    ) -> None:
        self.policy = policy
        self.inner = inner or httpx.AsyncHTTPTransport()
        self.stats = stats or CallStats()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            self.stats.requests += 1
            try:
                response = await self.inner.handle_async_request(request)
            except httpx.TimeoutException:
                self.stats.failed += 1
                raise
            except httpx.TransportError:
                if attempt >= self.policy.retries:
                    self.stats.failed += 1
                    raise
                await self._sleep(attempt, None)
                attempt += 1
                continue
            if response.status_code not in RETRY_STATUS or attempt >= self.policy.retries:
                if response.status_code >= 400:
                    self.stats.failed += 1
                return response
            await response.aclose()
            await self._sleep(attempt, response.headers.get("retry-after"))
            attempt += 1

    async def _sleep(self, attempt: int, retry_after: str | None) -> None:
        self.stats.retried += 1
        await asyncio.sleep(self.policy.delay(attempt, retry_after))

    async def aclose(self) -> None:
        await self.inner.aclose()
