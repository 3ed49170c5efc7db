"""The settings every template shares: the tracing switch and the secrets policy."""

from __future__ import annotations

import pytest

from app.core.settings_base import SharedSettings

KEYS = {"LANGFUSE_PUBLIC_KEY": "pk-lf-test", "LANGFUSE_SECRET_KEY": "sk-lf-test"}


def settings(**values: object) -> SharedSettings:
    return SharedSettings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("enabled", "keys", "expected"),
    [(True, KEYS, True), (False, KEYS, False), (True, {}, False), (False, {}, False)],
)
def test_tracing_needs_the_switch_and_both_keys(
    enabled: bool, keys: dict[str, str], expected: bool
) -> None:
    assert settings(TRACING_ENABLED=enabled, **keys).tracing_enabled is expected


def test_tracing_switch_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TRACING_ENABLED", "false")
    assert settings().tracing_enabled is False
    monkeypatch.setenv("TRACING_ENABLED", "true")
    assert settings().tracing_enabled is True


def test_default_secrets_are_refused_outside_development() -> None:
    with pytest.raises(ValueError, match="API_TOKEN is unset or 'changethis'"):
        settings(ENVIRONMENT="production", API_TOKEN="changethis")
    assert settings(ENVIRONMENT="production", API_TOKEN="a-real-token").ENVIRONMENT == "production"
