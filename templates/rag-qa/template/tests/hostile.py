"""Hostile JSON bodies every endpoint that takes text must refuse cleanly (never a 500).

Shared by the projects' own tests: each names one of its JSON endpoints and the text field in it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient

JSON = {"Content-Type": "application/json"}


def _post(client: TestClient, path: str, raw: str | bytes, headers: dict[str, str]) -> Any:
    return client.post(path, content=raw, headers={**JSON, **headers})


def check_hostile_bodies(
    client: TestClient,
    path: str,
    field: str,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    limit: int = 1024 * 1024,
) -> None:
    headers = headers or {}
    body = dict(extra or {})

    # A lone surrogate: valid JSON, not Unicode. FastAPI's own 422 handler failed on it (500).
    raw = json.dumps({**body, field: "PLACEHOLDER"}).replace("PLACEHOLDER", "a\\ud800b")
    refused = _post(client, path, raw, headers)
    assert refused.status_code == 422, refused.text
    assert "surrogate" in refused.json()["detail"][0]["msg"]

    # NUL: PostgreSQL refuses it in text columns (psycopg.DataError, a 500).
    refused = _post(client, path, json.dumps({**body, field: "a\x00b"}), headers)
    assert refused.status_code == 422, refused.text
    assert "NUL" in refused.json()["detail"][0]["msg"]

    # Over the limit with Content-Length: refused before it is read.
    big = json.dumps({**body, field: "x" * (limit + 10)})
    refused = _post(client, path, big, headers)
    assert refused.status_code == 413 and len(refused.content) < 300

    # Over the limit without Content-Length (chunked): refused once it passes the limit.
    def chunks() -> Iterator[bytes]:
        data = big.encode()
        for start in range(0, len(data), 64 * 1024):
            yield data[start : start + 64 * 1024]

    refused = client.post(path, content=chunks(), headers={**JSON, **headers})
    assert refused.status_code == 413, refused.status_code

    # Invalid and large (under the limit): a 422 that does not echo the input back.
    wrong_type = json.dumps({**body, field: ["y" * (limit // 2)]})
    refused = _post(client, path, wrong_type, headers)
    assert refused.status_code == 422
    assert len(refused.content) < 2000, len(refused.content)

    # A NUL in the URL is refused too (path parameters reach the database as text).
    assert client.get(path + "/a%00b", headers=headers).status_code == 422
