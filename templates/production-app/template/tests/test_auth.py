"""Auth: every user route needs a key; keys are stored hashed; admin routes need API_TOKEN."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.db import session_scope
from app.models import ApiKey
from tests.conftest import ADMIN_TOKEN, create_user, make_client

PROTECTED = [
    ("post", "/chat", {"message": "hello there friend"}),
    ("post", "/jobs", {"text": "some text to summarise"}),
    ("post", "/feedback", {"message_id": 1, "thumbs_up": True}),
    ("get", "/me", None),
    ("get", "/conversations", None),
    ("get", "/usage", None),
]


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
def test_routes_need_a_valid_key(client: TestClient, method: str, path: str, body: object) -> None:
    for headers in ({}, {"Authorization": "Bearer wa_not-a-key"}, {"X-API-Key": "nope"}):
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == 401, (path, headers, response.text)
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_key_works_in_either_header_and_is_stored_hashed(client: TestClient) -> None:
    headers = create_user(client)
    key = headers["Authorization"].removeprefix("Bearer ")
    assert client.get("/me", headers=headers).status_code == 200
    assert client.get("/me", headers={"X-API-Key": key}).status_code == 200
    with session_scope() as session:
        stored = session.scalars(select(ApiKey.key_hash)).all()
    assert key not in stored
    assert all(len(value) == 64 for value in stored)


def test_user_management_needs_the_admin_token(client: TestClient) -> None:
    body = {"email": "someone@example.com"}
    assert client.post("/users", json=body).status_code == 401
    wrong = {"Authorization": "Bearer wrong"}
    assert client.post("/users", json=body, headers=wrong).status_code == 401
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert client.post("/users", json=body, headers=admin).status_code == 201
    assert client.post("/users", json=body, headers=admin).status_code == 409


def test_unset_admin_token_closes_user_management(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("API_TOKEN")
    with make_client() as client:
        assert client.post("/users", json={"email": "a@example.com"}).status_code == 403


def test_users_cannot_read_each_others_conversations(client: TestClient) -> None:
    alice, bob = create_user(client), create_user(client)
    answer = client.post("/chat", json={"message": "Plan the launch party."}, headers=alice)
    conversation = answer.json()["conversation_id"]
    path = f"/conversations/{conversation}/messages"
    assert client.get(path, headers=alice).status_code == 200
    assert client.get(path, headers=bob).status_code == 404
    follow_up = {"message": "And the budget?", "conversation_id": conversation}
    assert client.post("/chat", json=follow_up, headers=bob).status_code == 404
    feedback = {"message_id": answer.json()["message_id"], "thumbs_up": False}
    assert client.post("/feedback", json=feedback, headers=bob).status_code == 404
