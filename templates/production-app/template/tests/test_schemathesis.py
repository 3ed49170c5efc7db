"""Property-based run of every operation in the app's own OpenAPI schema, on SQLite and (where
the servers run) PostgreSQL + Redis: no input, valid or not, may produce a 5xx or an answer
the schema does not document. Authenticated as a real user so the deep code paths are reached."""

from __future__ import annotations

import pytest

from tests.api_properties import check_every_operation
from tests.conftest import create_user, make_client

# Per operation; small enough for CI, large enough to hit the validators and each route.
EXAMPLES = 40


@pytest.fixture(params=["sqlite", "postgres+redis"])
def backends(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param != "sqlite":
        monkeypatch.setenv("DATABASE_URL", request.getfixturevalue("postgres_url"))
        request.getfixturevalue("redis_env")
    return str(request.param)


@pytest.mark.schemathesis
def test_no_server_errors_and_documented_answers(
    backends: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Generated bodies would trip the per-minute limit; the limit has its own tests.
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "100000")
    with make_client() as client:
        headers = create_user(client)
        assert check_every_operation(client, EXAMPLES, headers) >= 10
