"""Property-based run of every operation in the app's own OpenAPI schema (SQLite, and the
PostgreSQL checkpointer where the server runs): no input, valid or not, may produce a 5xx or an
answer the schema does not document, with the API token in force as in production."""

from __future__ import annotations

import pytest

from tests.api_properties import check_every_operation
from tests.conftest import make_client
from tests.test_restart import pg_database  # noqa: F401 - the fixture, shared

EXAMPLES = 30
TOKEN = "schema-test-token"
SKIP: frozenset[str] = frozenset()


@pytest.fixture(params=["sqlite", "postgres"])
def checkpointer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "postgres":
        monkeypatch.setenv("CHECKPOINTER", "postgres")
        monkeypatch.setenv("DATABASE_URL", request.getfixturevalue("pg_database"))
    return str(request.param)


@pytest.mark.schemathesis
def test_no_server_errors_and_documented_answers(
    checkpointer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_TOKEN", TOKEN)
    with make_client() as client:
        ran = check_every_operation(client, EXAMPLES, {"Authorization": f"Bearer {TOKEN}"}, SKIP)
        assert ran >= 7
