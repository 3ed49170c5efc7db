"""Settings every generated project shares: environment, secrets policy, logging, tracing, LLM.

Each project subclasses `SharedSettings` in `app/core/config.py` and adds its own fields.
"""

from __future__ import annotations

import warnings
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, BeforeValidator, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Placeholder values that ship in .env.example: fine on a laptop, refused anywhere else.
DEFAULT_SECRET = "changethis"  # noqa: S105 - the placeholder we refuse, not a secret


def parse_csv(value: Any) -> list[str] | Any:
    """Accept `a,b` from an env var as well as a JSON list."""
    if isinstance(value, str) and not value.startswith("["):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class SharedSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_ignore_empty=True, extra="ignore", validate_default=True
    )

    PROJECT_NAME: str = "app"
    ENVIRONMENT: Literal["development", "test", "staging", "production"] = "development"
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Bearer token for mutating endpoints; unset means open (development only, see below).
    API_TOKEN: SecretStr | None = None
    # Origins allowed by CORS. Never "*": the API accepts credentials (Authorization).
    CORS_ORIGINS: Annotated[list[AnyHttpUrl] | str, BeforeValidator(parse_csv)] = []

    # LLM provider: one setting switches between an honest offline mode and real APIs.
    LLM_PROVIDER: Literal["offline", "openai", "anthropic", "openai-compatible"] = "offline"
    LLM_MODEL: str = ""
    LLM_BASE_URL: str | None = None
    LLM_API_KEY: SecretStr | None = None
    LLM_TIMEOUT_SECONDS: float = Field(default=30.0, gt=0)
    LLM_MAX_RETRIES: int = Field(default=2, ge=0, le=10)
    LLM_MAX_OUTPUT_TOKENS: int = Field(default=512, gt=0)
    LLM_TEMPERATURE: float = Field(default=0.0, ge=0, le=2)

    # Langfuse tracing: disabled cleanly when the keys are absent.
    LANGFUSE_PUBLIC_KEY: str | None = None
    LANGFUSE_SECRET_KEY: SecretStr | None = None
    LANGFUSE_HOST: str = "http://localhost:3000"
    # A host that never answers would otherwise stall shutdown for ~18 s.
    LANGFUSE_TIMEOUT_SECONDS: int = Field(default=5, gt=0)

    @property
    def cors_origins(self) -> list[str]:
        origins = self.CORS_ORIGINS if isinstance(self.CORS_ORIGINS, list) else []
        return [str(origin).rstrip("/") for origin in origins]

    @property
    def tracing_enabled(self) -> bool:
        return bool(self.LANGFUSE_PUBLIC_KEY and self.LANGFUSE_SECRET_KEY)

    @property
    def llm_model(self) -> str:
        """The model name, defaulting per provider so one setting is enough to switch."""
        if self.LLM_MODEL:
            return self.LLM_MODEL
        return {
            "offline": "offline-extractive",
            "openai": "gpt-4o-mini",
            "anthropic": "claude-haiku-4-5",
            "openai-compatible": "llama3.1:8b",
        }[self.LLM_PROVIDER]

    def _check_secret(self, name: str, value: SecretStr | str | None) -> None:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if raw and raw != DEFAULT_SECRET:
            return
        message = f"{name} is unset or {DEFAULT_SECRET!r}: set a real secret in .env"
        if self.ENVIRONMENT in ("development", "test"):
            if raw == DEFAULT_SECRET:
                warnings.warn(message, stacklevel=1)
            return
        raise ValueError(message)

    @model_validator(mode="after")
    def _enforce_secrets(self) -> SharedSettings:
        self._check_secret("API_TOKEN", self.API_TOKEN)
        if self.LANGFUSE_PUBLIC_KEY:
            self._check_secret("LANGFUSE_SECRET_KEY", self.LANGFUSE_SECRET_KEY)
        if self.LLM_PROVIDER in ("openai", "anthropic"):
            self._check_secret("LLM_API_KEY", self.LLM_API_KEY)
        return self
