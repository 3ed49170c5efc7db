"""Settings of this service: the shared base plus database, Redis, limits, routing, guardrails."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from app.core.settings_base import SharedSettings


class Settings(SharedSettings):
    PROJECT_NAME: str = "writing-assistant"

    # SQLite needs no server; compose and the tests use PostgreSQL through the same code.
    DATABASE_URL: str = "sqlite:///data/app.db"
    DB_POOL_SIZE: int = Field(default=10, gt=0)
    # Run `alembic upgrade head` at start-up. Compose turns it off and runs a one-shot
    # `migrate` service instead, so several replicas never race on a migration.
    DB_AUTO_MIGRATE: bool = True
    # Unset: an in-process queue, cache and counters (one process only; the API runs the worker).
    REDIS_URL: str | None = None
    # Every Redis key starts with this, so several apps (or test runs) can share one server.
    REDIS_PREFIX: str = "wa:"

    # Bearer token Prometheus must send for /metrics. Unset, /metrics is open in development
    # and test only; elsewhere it is refused (403) unless METRICS_PUBLIC=true says a proxy
    # keeps /metrics off the internet (compose's Caddy does; a PaaS usually does not).
    METRICS_TOKEN: SecretStr | None = None
    METRICS_PUBLIC: bool = False
    # Seconds a validated API key is remembered in-process (a revoked key works that long).
    AUTH_CACHE_SECONDS: int = Field(default=30, ge=0)
    # Per-user limits. A user row may override the daily budget.
    RATE_LIMIT_PER_MINUTE: int = Field(default=30, gt=0)
    DAILY_BUDGET_USD: float = Field(default=0.50, ge=0)
    MAX_INPUT_CHARS: int = Field(default=8000, gt=0)
    # Conversation turns sent back to the model with each message.
    HISTORY_TURNS: int = Field(default=6, ge=0, le=50)

    # Routing: see app/llm/router.py for the rule. LLM_MODEL (shared) is the cheap model.
    LLM_STRONG_MODEL: str = ""
    ROUTER_LONG_INPUT_CHARS: int = Field(default=1500, gt=0)

    # Response cache keyed by normalised input; 0 disables it.
    CACHE_TTL_SECONDS: int = Field(default=3600, ge=0)

    # Guardrails: PII is redacted before the provider call and in logs, or refused outright.
    PII_MODE: Literal["redact", "block"] = "redact"
    MAX_OUTPUT_CHARS: int = Field(default=6000, gt=0)

    # The worker polls the queue this often when idle (seconds); bounds shutdown latency too.
    WORKER_POLL_SECONDS: float = Field(default=1.0, gt=0)
    WORKER_METRICS_PORT: int = Field(default=9100, ge=0, le=65535)
    # A job still `running` this long after it was created is taken as abandoned by a crashed
    # worker and queued again when a worker starts. Keep it above the longest real job.
    JOB_STALE_SECONDS: int = Field(default=900, gt=0)

    @property
    def strong_model(self) -> str:
        if self.LLM_STRONG_MODEL:
            return self.LLM_STRONG_MODEL
        return {
            "offline": "offline-extractive",
            "openai": "gpt-4o",
            "anthropic": "claude-sonnet-4-5",
            "openai-compatible": self.llm_model,
        }[self.LLM_PROVIDER]

    @property
    def is_sqlite(self) -> bool:
        return self.DATABASE_URL.startswith("sqlite")

    @model_validator(mode="after")
    def _check_database(self) -> Settings:
        if self.is_sqlite:
            return self
        # The password inside DATABASE_URL is what counts (PaaS platforms hand out a full URL);
        # POSTGRES_PASSWORD only builds that URL in compose.
        from sqlalchemy.engine import make_url

        try:
            password = make_url(self.DATABASE_URL).password
        except Exception as exc:  # sqlalchemy raises ArgumentError, ValueError, ...
            raise ValueError(f"DATABASE_URL is not a database URL: {exc}") from exc
        self._check_secret("DATABASE_URL password", password)
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
