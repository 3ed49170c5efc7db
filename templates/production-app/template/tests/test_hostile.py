"""Hostile requests get a clean 4xx on SQLite and PostgreSQL: lone surrogates, NUL (which
PostgreSQL refuses in text columns), oversized bodies, NUL in URLs."""

from __future__ import annotations

import pytest

from tests.conftest import create_user, make_client
from tests.hostile import check_hostile_bodies


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        monkeypatch.setenv("DATABASE_URL", url)
    return str(request.param)


@pytest.mark.parametrize(
    ("path", "field", "extra"),
    [("/chat", "message", {}),
     ("/jobs", "text", {"task": "summarize"}),
     ("/feedback", "comment", {"message_id": 1, "thumbs_up": True})],
)  # fmt: skip
def test_hostile_bodies(database: str, path: str, field: str, extra: dict[str, object]) -> None:
    with make_client() as client:
        auth = create_user(client)
        check_hostile_bodies(client, path, field, extra, auth)
        # Nothing hostile reached the ledger.
        assert client.get("/usage", headers=auth).json()["requests"] == 0


def test_hostile_user_email(database: str) -> None:
    from tests.conftest import ADMIN_TOKEN

    with make_client() as client:
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        check_hostile_bodies(client, "/users", "email", {}, admin)
