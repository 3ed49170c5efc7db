"""Property-based run of every operation in the app's own OpenAPI schema (schemathesis).

Generated requests, valid and not, must never get a 5xx, and every answer must be one the
schema documents: its status code, its content type and its body's schema.
"""

from __future__ import annotations

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def check_every_operation(
    client: TestClient,
    examples: int,
    headers: dict[str, str] | None = None,
    skip: frozenset[str] = frozenset(),
) -> int:
    """Run `examples` generated cases per operation (derandomized: the same cases each run);
    `skip` names operations ("GET /path") another test drives instead. Returns how many ran."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    ran = 0
    for operation in operations:
        if f"{operation.method.upper()} {operation.path}" in skip:
            continue

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers or {}, checks=CHECKS)

        check()
        ran += 1
    return ran
