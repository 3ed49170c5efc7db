from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _reproducible_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # 2026-11-01T00:00:00Z: reports carry this date, and waivers expire relative to it.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1793491200")
