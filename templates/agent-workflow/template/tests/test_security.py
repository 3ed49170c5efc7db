"""Who may call what in production: every route of the app with the credential it needs.

Runs, their events, approvals and totals carry customers' names, emails and orders, so every
one of them needs the API token; only health, the page and the API description are open.
"""

from __future__ import annotations

import pytest

from tests.conftest import make_client
from tests.route_security import check_routes

TOKEN = "a-long-production-token"
DOCS = {("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/docs/oauth2-redirect"),
        ("GET", "/redoc")}  # fmt: skip
EXPECTED: dict[tuple[str, str], str | None] = {
    ("GET", "/healthz"): None,
    ("GET", "/readyz"): None,
    ("GET", "/"): None,
    ("MOUNT", "/static"): None,
    **dict.fromkeys(DOCS),
    ("POST", "/tickets"): "token",
    ("GET", "/runs"): "token",
    ("GET", "/runs/{run_id}"): "token",
    ("GET", "/runs/{run_id}/events"): "token",
    ("GET", "/stats"): "token",
    ("GET", "/approvals"): "token",
    ("POST", "/approvals/{approval_id}"): "token",
}


def test_every_route_needs_its_credential_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("API_TOKEN", TOKEN)
    with make_client() as client:
        check_routes(
            client,
            EXPECTED,
            {"token": {"Authorization": f"Bearer {TOKEN}"},
             "wrong token": {"Authorization": "Bearer not-the-token"}},
        )  # fmt: skip
