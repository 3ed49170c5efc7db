"""Feedback on one message counts once per user, enforced by the database (a unique constraint,
migration 0002) and answered idempotently by the API, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError

from app.core.db import session_scope, sqlalchemy_url
from app.core.migrations import downgrade, upgrade
from app.models import Feedback
from tests.conftest import create_user, feedback_count, make_client


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> str:
    if request.param == "postgres":
        url = str(request.getfixturevalue("postgres_url"))
        monkeypatch.setenv("DATABASE_URL", url)
        return url
    return f"sqlite:///{tmp_path / 'app.db'}"  # the file conftest points the app at


def _answer(client: object, auth: dict[str, str]) -> int:
    reply = client.post(  # type: ignore[attr-defined]
        "/chat", json={"message": "Summarise: the sky is blue."}, headers=auth
    )
    assert reply.status_code == 200, reply.text
    return int(reply.json()["message_id"])


def _rows() -> list[tuple[bool, str]]:
    with session_scope() as session:
        return [(f.thumbs_up, f.comment) for f in session.scalars(select(Feedback))]


def test_a_request_that_missed_the_earlier_rating_updates_it(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race, made deterministic: the second request looks for an earlier rating before the
    first one is visible, so it inserts; the constraint refuses the row and the API updates."""
    from app.api.routes import feedback

    with make_client() as client:
        auth = create_user(client)
        message_id = _answer(client, auth)
        body = {"message_id": message_id, "thumbs_up": True}
        before = feedback_count(client, "up"), feedback_count(client, "down")
        first = client.post("/feedback", json=body, headers=auth)
        assert first.status_code == 201

        real = feedback._earlier
        calls: list[int] = []

        def blind_once(session: object, message: int, user: int) -> Feedback | None:
            calls.append(message)
            return None if len(calls) == 1 else real(session, message, user)  # type: ignore[arg-type]

        monkeypatch.setattr(feedback, "_earlier", blind_once)
        body = {"message_id": message_id, "thumbs_up": False, "comment": "too short"}
        second = client.post("/feedback", json=body, headers=auth)
        assert len(calls) == 2  # the insert was refused, then the rating found and updated
        assert (second.status_code, second.json()["id"]) == (200, first.json()["id"])
        after = feedback_count(client, "up"), feedback_count(client, "down")
    assert _rows() == [(False, "too short")]
    assert (after[0] - before[0], after[1] - before[1]) == (1.0, 0.0)  # counted once


def test_parallel_ratings_of_one_answer_store_one_row(database_url: str) -> None:
    with make_client() as client:
        auth = create_user(client)
        other = create_user(client)
        message_id = _answer(client, auth)
        body = {"message_id": message_id, "thumbs_up": True, "comment": "clear"}
        with ThreadPoolExecutor(6) as pool:
            answers = list(
                pool.map(lambda _: client.post("/feedback", json=body, headers=auth), range(6))
            )
        codes = sorted(answer.status_code for answer in answers)
        assert codes == [200, 200, 200, 200, 200, 201]
        assert len({answer.json()["id"] for answer in answers}) == 1
        # Another user may not rate someone else's answer at all.
        assert client.post("/feedback", json=body, headers=other).status_code == 404
    assert _rows() == [(True, "clear")]


def test_migration_keeps_the_latest_rating_and_the_database_refuses_a_second(
    database_url: str,
) -> None:
    upgrade(database_url, "0001")
    engine = create_engine(sqlalchemy_url(database_url))
    insert = text(
        "INSERT INTO feedback (message_id, user_id, thumbs_up, comment, created_at) "
        "VALUES (1, 1, :up, :comment, CURRENT_TIMESTAMP)"
    )
    try:
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO users (id, email, is_active, created_at) "
                     "VALUES (1, 'a@example.com', true, CURRENT_TIMESTAMP)")
            )  # fmt: skip
            connection.execute(
                text("INSERT INTO conversations (id, user_id, title, created_at) "
                     "VALUES (1, 1, '', CURRENT_TIMESTAMP)")
            )  # fmt: skip
            connection.execute(
                text("INSERT INTO messages (id, conversation_id, role, content, created_at) "
                     "VALUES (1, 1, 'assistant', 'answer', CURRENT_TIMESTAMP)")
            )  # fmt: skip
            # Stored twice by the version without the constraint.
            connection.execute(insert, {"up": True, "comment": "first"})
            connection.execute(insert, {"up": False, "comment": "latest"})
        engine.dispose()

        upgrade(database_url)
        with engine.connect() as connection:
            kept = connection.execute(text("SELECT thumbs_up, comment FROM feedback")).all()
        assert [tuple(row) for row in kept] == [(False, "latest")]
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert, {"up": True, "comment": "again"})
        engine.dispose()

        downgrade(database_url, "0001")  # the constraint goes, the data stays
        with engine.begin() as connection:
            connection.execute(insert, {"up": True, "comment": "again"})
            count = connection.execute(text("SELECT COUNT(*) FROM feedback")).scalar_one()
        assert count == 2
    finally:
        engine.dispose()
