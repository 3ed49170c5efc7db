"""Who may call what in production: every route of the app with the credential it needs.

A user's API key reaches only that user's conversations, jobs and spend; the admin token
(API_TOKEN) creates users; METRICS_TOKEN reads /metrics. Health, the page and the API
description are open.
"""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_TOKEN, create_user, make_client
from tests.route_security import check_routes

METRICS_TOKEN = "a-long-metrics-token"
DOCS = {("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/docs/oauth2-redirect"),
        ("GET", "/redoc")}  # fmt: skip
EXPECTED: dict[tuple[str, str], str | None] = {
    ("GET", "/healthz"): None,
    ("GET", "/readyz"): None,
    ("GET", "/"): None,
    ("MOUNT", "/static"): None,
    **dict.fromkeys(DOCS),
    ("POST", "/users"): "admin",
    ("GET", "/me"): "user",
    ("POST", "/chat"): "user",
    ("GET", "/conversations"): "user",
    ("GET", "/conversations/{conversation_id}/messages"): "user",
    ("POST", "/feedback"): "user",
    ("POST", "/jobs"): "user",
    ("GET", "/jobs/{job_id}"): "user",
    ("GET", "/jobs/{job_id}/events"): "user",
    ("GET", "/usage"): "user",
    ("GET", "/metrics"): "metrics",
}


def test_every_route_needs_its_credential_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("METRICS_TOKEN", METRICS_TOKEN)
    with make_client() as client:
        user = create_user(client)
        check_routes(
            client,
            EXPECTED,
            {"admin": {"Authorization": f"Bearer {ADMIN_TOKEN}"},
             "user": user,
             "metrics": {"Authorization": f"Bearer {METRICS_TOKEN}"}},
        )  # fmt: skip


def test_metrics_are_never_open_by_accident_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    with make_client() as client:
        closed = client.get("/metrics")
        assert closed.status_code == 403
        assert "set METRICS_TOKEN" in closed.json()["detail"]
    # A deployment whose proxy hides /metrics (compose's Caddy) says so explicitly.
    monkeypatch.setenv("METRICS_PUBLIC", "true")
    with make_client() as client:
        assert client.get("/metrics").status_code == 200
