"""Who may call what in production: every route of the app with the credential it needs.

Changing the corpus (upload, delete) needs the API token. Asking, listing documents and the
totals are public by design: the corpus is what the owner chose to publish (see the README's
security section); health, the page and the API description are open too.
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
    ("POST", "/ask"): None,
    ("POST", "/ask/stream"): None,
    ("GET", "/documents"): None,
    ("GET", "/stats"): None,
    ("POST", "/documents"): "token",
    ("DELETE", "/documents/{document_id}"): "token",
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
