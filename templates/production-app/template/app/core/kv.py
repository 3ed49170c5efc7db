"""Counters, cache and job queue: Redis when REDIS_URL is set, else an in-process fallback.

Both implement the same small interface, so rate limits, budgets, the response cache and the
queue have one code path; the fallback suits one process (the API then runs the worker too).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Protocol

import redis

from app.core.config import Settings


class KV(Protocol):
    in_process: bool

    def incr_window(self, key: str, ttl_seconds: int) -> int:
        """Increment a counter that expires `ttl_seconds` after its first increment."""
        ...

    def incr_float(self, key: str, amount: float, ttl_seconds: int) -> float: ...

    def get(self, key: str) -> str | None: ...

    def set_if_absent(self, key: str, value: str, ttl_seconds: int) -> bool: ...

    def set(self, key: str, value: str, ttl_seconds: int) -> None: ...

    def push(self, queue: str, item: str) -> None: ...

    def pop(self, queue: str, timeout_seconds: float) -> str | None: ...

    def queue_length(self, queue: str) -> int: ...

    def ping(self) -> bool: ...

    def close(self) -> None: ...


class RedisKV:
    in_process = False

    def __init__(self, url: str, prefix: str) -> None:
        # Short socket timeouts: a Redis outage must fail a request fast, not hang it.
        self.client = redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=5, socket_connect_timeout=2
        )
        self.prefix = prefix

    def _k(self, key: str) -> str:
        return self.prefix + key

    def incr_window(self, key: str, ttl_seconds: int) -> int:
        pipe = self.client.pipeline()
        pipe.incr(self._k(key))
        pipe.expire(self._k(key), ttl_seconds, nx=True)
        count, _ = pipe.execute()
        return int(count)

    def incr_float(self, key: str, amount: float, ttl_seconds: int) -> float:
        pipe = self.client.pipeline()
        pipe.incrbyfloat(self._k(key), amount)
        pipe.expire(self._k(key), ttl_seconds, nx=True)
        total, _ = pipe.execute()
        return float(total)

    def get(self, key: str) -> str | None:
        value = self.client.get(self._k(key))
        return None if value is None else str(value)

    def set_if_absent(self, key: str, value: str, ttl_seconds: int) -> bool:
        return bool(self.client.set(self._k(key), value, ex=ttl_seconds, nx=True))

    def set(self, key: str, value: str, ttl_seconds: int) -> None:
        self.client.set(self._k(key), value, ex=ttl_seconds)

    def push(self, queue: str, item: str) -> None:
        self.client.lpush(self._k(queue), item)

    def pop(self, queue: str, timeout_seconds: float) -> str | None:
        result = self.client.brpop([self._k(queue)], timeout=timeout_seconds)
        return None if result is None else str(result[1])

    def queue_length(self, queue: str) -> int:
        return int(self.client.llen(self._k(queue)))

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False

    def close(self) -> None:
        self.client.close()


class MemoryKV:
    in_process = True

    def __init__(self) -> None:
        self._values: dict[str, tuple[str, float]] = {}
        self._queues: dict[str, deque[str]] = {}
        self._lock = threading.Condition()

    def _live(self, key: str) -> str | None:
        item = self._values.get(key)
        if item is None:
            return None
        if item[1] < time.monotonic():
            del self._values[key]
            return None
        return item[0]

    def _add(self, key: str, amount: float, ttl_seconds: int) -> float:
        with self._lock:
            current = self._live(key)
            if current is None:
                total, expires = amount, time.monotonic() + ttl_seconds
            else:
                total, expires = float(current) + amount, self._values[key][1]
            self._values[key] = (repr(total), expires)
            # Drop expired keys now and then so a long-running process stays small.
            if len(self._values) > 50_000:
                now = time.monotonic()
                self._values = {k: v for k, v in self._values.items() if v[1] >= now}
            return total

    def incr_window(self, key: str, ttl_seconds: int) -> int:
        return int(self._add(key, 1, ttl_seconds))

    def incr_float(self, key: str, amount: float, ttl_seconds: int) -> float:
        return self._add(key, amount, ttl_seconds)

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._live(key)

    def set_if_absent(self, key: str, value: str, ttl_seconds: int) -> bool:
        with self._lock:
            if self._live(key) is not None:
                return False
            self._values[key] = (value, time.monotonic() + ttl_seconds)
            return True

    def set(self, key: str, value: str, ttl_seconds: int) -> None:
        with self._lock:
            self._values[key] = (value, time.monotonic() + ttl_seconds)

    def push(self, queue: str, item: str) -> None:
        with self._lock:
            self._queues.setdefault(queue, deque()).appendleft(item)
            self._lock.notify()

    def pop(self, queue: str, timeout_seconds: float) -> str | None:
        with self._lock:
            items = self._queues.setdefault(queue, deque())
            if not items:
                self._lock.wait(timeout_seconds)
            return items.pop() if items else None

    def queue_length(self, queue: str) -> int:
        with self._lock:
            return len(self._queues.get(queue, ()))

    def ping(self) -> bool:
        return True

    def close(self) -> None:
        with self._lock:
            self._lock.notify_all()


def build_kv(settings: Settings) -> KV:
    if settings.REDIS_URL:
        return RedisKV(settings.REDIS_URL, settings.REDIS_PREFIX)
    return MemoryKV()
