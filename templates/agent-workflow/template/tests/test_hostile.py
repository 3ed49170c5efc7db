"""Hostile requests get a clean 4xx: lone surrogates, NUL, oversized bodies, NUL in URLs."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import make_client
from tests.hostile import check_hostile_bodies
from tests.test_restart import pg_database  # noqa: F401 - the fixture, shared


@pytest.mark.parametrize("checkpointer", ["sqlite", "postgres"])
def test_hostile_ticket_bodies(
    checkpointer: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if checkpointer == "postgres":  # NUL in a text column was a psycopg.DataError (500)
        monkeypatch.setenv("CHECKPOINTER", "postgres")
        monkeypatch.setenv("DATABASE_URL", request.getfixturevalue("pg_database"))
    with make_client() as client:
        check_hostile_bodies(client, "/tickets", "body", {"subject": "help"})
        # Nothing hostile became a run.
        assert client.get("/runs").json() == []


def test_nul_in_a_run_id_is_refused(client: TestClient) -> None:
    assert client.get("/runs/a%00b").status_code == 422
    assert client.post("/approvals/a%00b", json={"decision": "approve"}).status_code == 422
