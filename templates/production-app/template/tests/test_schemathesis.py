"""Property-based run of every operation in the app's own OpenAPI schema: no input, valid or
not, may produce a 5xx. Authenticated as a real user so the deep code paths are reached."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.conftest import create_user, make_client

# Per operation; small enough for CI, large enough to hit the validators and each route.
EXAMPLES = 40


@pytest.mark.schemathesis
def test_no_server_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    # Generated bodies would trip the per-minute limit; the limit has its own tests.
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "100000")
    with make_client() as client:
        headers = create_user(client)
        schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 10
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            def check(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

            check()
