"""What a real user base does to accounts and spend: mixed-case emails, revoked and rotated
keys, disabled users, repeated feedback, and the spend counter lost (Redis restart, eviction)
while requests run in parallel."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import ADMIN_TOKEN, create_user, feedback_count, make_client

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def printed(capsys: pytest.CaptureFixture[str]) -> str:
    """The command's own last line (JSON log lines may come first)."""
    return capsys.readouterr().out.strip().splitlines()[-1]


def test_emails_are_unique_whatever_their_case() -> None:
    with make_client() as client:
        first = client.post("/users", json={"email": "Ann.Lee@Example.com"}, headers=ADMIN)
        assert first.status_code == 201 and first.json()["email"] == "ann.lee@example.com"
        again = client.post("/users", json={"email": "ann.lee@example.COM"}, headers=ADMIN)
        assert again.status_code == 409


def test_revoke_rotate_and_disable_from_the_admin_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app import admin

    monkeypatch.setenv("AUTH_CACHE_SECONDS", "0")  # the cache would keep a revoked key 30 s
    with make_client() as client:
        created = client.post("/users", json={"email": "bo@example.com"}, headers=ADMIN).json()
        old = {"Authorization": f"Bearer {created['api_key']}"}
        assert client.get("/me", headers=old).status_code == 200

        assert admin.main(["rotate-key", "BO@example.com"]) == 0
        new = {"Authorization": f"Bearer {printed(capsys)}"}
        assert client.get("/me", headers=old).status_code == 401
        assert client.get("/me", headers=new).json()["email"] == "bo@example.com"

        assert admin.main(["revoke-keys", "bo@example.com"]) == 0
        assert "revoked 1 key(s)" in printed(capsys)
        assert client.get("/me", headers=new).status_code == 401

        assert admin.main(["rotate-key", "bo@example.com"]) == 0
        newest = {"Authorization": f"Bearer {printed(capsys)}"}
        assert client.get("/me", headers=newest).status_code == 200
        assert admin.main(["disable-user", "bo@example.com"]) == 0
        assert client.get("/me", headers=newest).status_code == 401

        assert admin.main(["revoke-keys", "nobody@example.com"]) == 1
        assert "no user nobody@example.com" in capsys.readouterr().err


def test_feedback_on_one_message_counts_once() -> None:
    with make_client() as client:
        auth = create_user(client)
        reply = client.post("/chat", json={"message": "Summarise: the sky is blue."}, headers=auth)
        message_id = reply.json()["message_id"]
        before = feedback_count(client, "up"), feedback_count(client, "down")
        first = client.post(
            "/feedback", json={"message_id": message_id, "thumbs_up": True}, headers=auth
        )
        second = client.post(
            "/feedback",
            json={"message_id": message_id, "thumbs_up": False, "comment": "too short"},
            headers=auth,
        )
        assert (first.status_code, second.status_code) == (201, 200)
        assert first.json()["id"] == second.json()["id"]
        after = feedback_count(client, "up"), feedback_count(client, "down")
    assert (after[0] - before[0], after[1] - before[1]) == (1.0, 0.0)


@pytest.mark.parametrize("kv", ["in-process", "redis"])
def test_lost_spend_counter_is_rebuilt_once_from_the_ledger(
    kv: str, request: pytest.FixtureRequest
) -> None:
    from datetime import UTC, datetime

    from app.core.db import session_scope
    from app.models import Usage
    from app.services.limits import _day

    if kv == "redis":
        request.getfixturevalue("redis_env")
    with make_client() as client:
        create_user(client)
        user_id = client.get("/me", headers=create_user(client)).json()["id"]
        with session_scope() as session:
            for _ in range(3):  # $0.0135 spent today, as the ledger says
                session.add(Usage(user_id=user_id, model="gpt-4o", route="strong",
                                  cost_usd=0.0045))  # fmt: skip
        limits = client.app.state.services.assistant.limits  # type: ignore[attr-defined]
        key = f"spend:{user_id}:{_day(datetime.now(UTC))}"
        assert limits.kv.get(key) is None  # lost: eviction, restart
        with ThreadPoolExecutor(8) as pool:
            seen = list(pool.map(lambda _: limits.spent_today(user_id), range(8)))
        # Each parallel request added the whole day again: 8 x 0.0135 in the counter.
        assert seen == [pytest.approx(0.0135)] * 8
        assert float(limits.kv.get(key)) == pytest.approx(0.0135)
        limits.add_spend(user_id, 0.001)
        assert limits.spent_today(user_id) == pytest.approx(0.0145)
