"""Hostile requests get a clean 4xx: lone surrogates, NUL, oversized bodies, NUL in URLs."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.hostile import check_hostile_bodies


def test_hostile_ticket_bodies(client: TestClient) -> None:
    check_hostile_bodies(client, "/tickets", "body", {"subject": "help"})
    # Nothing hostile became a run.
    assert client.get("/runs").json() == []


def test_nul_in_a_run_id_is_refused(client: TestClient) -> None:
    assert client.get("/runs/a%00b").status_code == 422
    assert client.post("/approvals/a%00b", json={"decision": "approve"}).status_code == 422
