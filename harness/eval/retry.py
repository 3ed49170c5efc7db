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
# An answer (target or judge) larger than this is refused: one sample stays unmeasured instead
# of the run holding and storing it.
MAX_RESPONSE_BYTES = 10 * 1024 * 1024


class ResponseTooLargeError(httpx.HTTPError):
    """The answer's body is larger than the cap; never retried (it would be as large again)."""


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
        deadline: float | None = None,
        max_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.policy = policy
        self.inner = inner or httpx.AsyncHTTPTransport()
        self.stats = stats or CallStats()
        # For the whole request, body included: httpx's own timeouts bound each read, so a
        # server trickling a byte a second would otherwise never time out.
        self.deadline = deadline
        self.max_bytes = max_bytes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            self.stats.requests += 1
            try:
                response = await self._whole(request)
            except (httpx.TimeoutException, ResponseTooLargeError):
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

    async def _whole(self, request: httpx.Request) -> httpx.Response:
        """One attempt, its body read (up to the cap) within the deadline."""
        try:
            return await asyncio.wait_for(self._read(request), self.deadline)
        except TimeoutError:
            raise httpx.ReadTimeout(
                f"no complete answer within {self.deadline:g}s", request=request
            ) from None

    async def _read(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in response.stream:  # type: ignore[union-attr]
                size += len(chunk)
                if size > self.max_bytes:
                    raise ResponseTooLargeError(
                        f"answer larger than {self.max_bytes // (1024 * 1024)} MB (refused)"
                    )
                chunks.append(chunk)
        finally:
            await response.aclose()
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            content=b"".join(chunks),
            request=request,
            extensions=response.extensions,
        )

    async def _sleep(self, attempt: int, retry_after: str | None) -> None:
        self.stats.retried += 1
        await asyncio.sleep(self.policy.delay(attempt, retry_after))

    async def aclose(self) -> None:
        await self.inner.aclose()
