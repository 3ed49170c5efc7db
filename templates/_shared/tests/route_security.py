"""Every route of the app, the credential it needs in production, checked over HTTP.

Each project's tests/test_security.py declares its table; `check_routes` fails when the app has
a route the table does not declare (a new endpoint must say who may call it), when a route that
needs a credential answers without it or with another kind, and when a public route refuses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Mount

# (method, path) -> the name of the credential it needs, or None for a public route.
RouteTable = Mapping[tuple[str, str], str | None]
DENIED = {401, 403}


def _walk(routes: list[Any], prefix: str, found: set[tuple[str, str]]) -> None:
    for route in routes:
        if isinstance(route, Mount):
            found.add(("MOUNT", prefix + route.path))
        elif hasattr(route, "original_router"):  # FastAPI >= 0.160 keeps included routers
            context = getattr(route, "include_context", None)
            _walk(route.original_router.routes, prefix + getattr(context, "prefix", ""), found)
        else:
            methods = getattr(route, "methods", None) or set()
            found |= {(m, prefix + route.path) for m in methods if m != "HEAD"}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route, ("MOUNT", path) for mounted apps; HEAD mirrors GET."""
    found: set[tuple[str, str]] = set()
    _walk(list(app.routes), "", found)
    # The walk must see at least what the OpenAPI schema documents.
    documented = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    assert documented <= found, f"routes the walk missed: {documented - found}"
    return found


def _url(path: str) -> str:
    # Path parameters get a value no record has: auth is checked before the lookup.
    return re.sub(r"\{[^}]+\}", "no-such-id", path)


def check_routes(
    client: TestClient, expected: RouteTable, credentials: Mapping[str, dict[str, str]]
) -> None:
    app: FastAPI = client.app  # type: ignore[assignment]
    found, declared = app_routes(app), set(expected)
    # A new endpoint must say who may call it; a removed one leaves the table.
    assert found == declared, f"undeclared: {found - declared}, gone: {declared - found}"
    for (method, path), needed in sorted(expected.items(), key=str):
        if method == "MOUNT":
            continue
        url = _url(path)
        body = {"json": {}} if method in {"POST", "PUT", "PATCH"} else {}
        anonymous = client.request(method, url, **body)  # type: ignore[arg-type]
        if needed is None:
            assert anonymous.status_code not in DENIED, (method, path, anonymous.status_code)
            continue
        assert anonymous.status_code in DENIED, (method, path, anonymous.status_code)
        assert len(anonymous.content) < 500, "a refusal carries no data"
        right = client.request(method, url, headers=credentials[needed], **body)  # type: ignore[arg-type]
        assert right.status_code not in DENIED, (method, path, needed, right.text)
        for other, headers in credentials.items():
            if other == needed:
                continue
            wrong = client.request(method, url, headers=headers, **body)  # type: ignore[arg-type]
            assert wrong.status_code in DENIED, (method, path, f"{other} instead of {needed}")
