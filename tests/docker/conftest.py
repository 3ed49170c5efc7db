"""The `docker` marker: tests that build and run a generated project's image.

Registered here until pyproject's marker list carries it, so `--strict-markers` passes either way.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "docker: builds and runs images on a local Docker engine")
