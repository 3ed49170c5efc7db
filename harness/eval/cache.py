"""A content-addressed disk cache for target and judge results.

Keys are SHA-256 of canonical JSON of everything that determines the result, so a changed input,
model, endpoint or metric version is a miss, never a stale hit. Only successes are stored: errors,
timeouts and NaN scores are never written, so a rerun retries them. Writes go through a temporary
file and an atomic rename, so a crash never leaves a half-written entry.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from harness import safeio

_MAX_ENTRY_BYTES = 32 * 1024 * 1024


def content_key(*parts: Any) -> str:
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class DiskCache:
    """One JSON file per entry under `root/namespace/<key>.json`.

    Flat on purpose: creating a shard directory per entry doubled the cost of a write.
    """

    def __init__(self, root: Path | None) -> None:
        # root None disables the cache (--no-cache) without branching at every call site.
        self.root = root
        self.hits = 0
        self.misses = 0
        self._made: set[Path] = set()

    async def aput(self, namespace: str, key: str, value: Any) -> None:
        """`put` off the event loop: file creation is slow on some filesystems and would stall
        every call in flight."""
        if self.root is not None:
            await asyncio.to_thread(self.put, namespace, key, value)

    def _path(self, namespace: str, key: str) -> Path:
        assert self.root is not None
        return self.root / namespace / f"{key}.json"

    def get(self, namespace: str, key: str) -> Any | None:
        if self.root is None:
            return None
        try:
            # Through the safe-read layer: a cache folder can come with a cloned repository, and
            # an entry that is a symlink to a device or FIFO must not block or flood the run.
            path = self._path(namespace, key)
            value = json.loads(safeio.read_bytes(path, limit=_MAX_ENTRY_BYTES, root=self.root))
        except (OSError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, namespace: str, key: str, value: Any) -> None:
        if self.root is None:
            return
        path = self._path(namespace, key)
        if path.parent not in self._made:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(value, handle, sort_keys=True)
        os.replace(tmp, path)
