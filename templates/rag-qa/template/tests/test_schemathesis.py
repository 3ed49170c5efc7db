"""Property-based run of every operation in the app's own OpenAPI schema: no input, valid or
not, may produce a 5xx or an answer the schema does not document. The sample documents are
loaded first so questions reach retrieval and the answer path."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api_properties import check_every_operation

# Per operation; every question embeds with the real model, so fewer than the other projects.
EXAMPLES = 25


@pytest.mark.schemathesis
def test_no_server_errors_and_documented_answers(loaded_client: TestClient) -> None:
    # Deleting documents is driven last by its own tests: generated ids never match anyway.
    assert check_every_operation(loaded_client, EXAMPLES) >= 7
