"""Settings of this service: the shared base plus the agent's budgets, tools and storage."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, PostgresDsn, SecretStr, model_validator

from app.core.settings_base import SharedSettings


class Settings(SharedSettings):
    PROJECT_NAME: str = "support-agent"

    # Storage: run state is checkpointed by LangGraph; the run/approval/event tables live next
    # to it (SQLite file in DATA_DIR, or the same PostgreSQL database).
    DATA_DIR: Path = Path("data")
    CHECKPOINTER: Literal["sqlite", "postgres"] = "sqlite"
    DATABASE_URL: PostgresDsn | None = None
    POSTGRES_PASSWORD: SecretStr | None = None

    # Worker: runs execute in background threads, never inside a request. The API process runs
    # them itself unless RUN_WORKER=false (compose runs a separate `worker` service instead).
    RUN_WORKER: bool = True
    WORKER_THREADS: int = Field(default=4, ge=1, le=64)
    WORKER_POLL_SECONDS: float = Field(default=0.2, gt=0)
    # A claimed run whose worker stops heart-beating for this long is picked up by another.
    RUN_LEASE_SECONDS: float = Field(default=60.0, gt=0)

    # Budgets per run: whichever is hit first stops the run with status budget_exceeded.
    AGENT_MAX_STEPS: int = Field(default=8, ge=1, le=100)
    AGENT_MAX_TOKENS: int = Field(default=20_000, ge=1)
    AGENT_MAX_COST_USD: float = Field(default=0.05, gt=0)
    # The same tool with the same arguments this many times is a loop.
    AGENT_LOOP_LIMIT: int = Field(default=3, ge=2)

    # Tools
    TOOL_TIMEOUT_SECONDS: float = Field(default=5.0, gt=0)
    TOOL_MAX_RETRIES: int = Field(default=2, ge=0, le=10)
    # Refunds above this are escalated to a human rather than proposed by the agent.
    REFUND_LIMIT_USD: float = Field(default=200.0, gt=0)
    # Orders placed more than this many days ago are not refunded (the agent says why instead).
    REFUND_WINDOW_DAYS: int = Field(default=30, ge=1, le=3650)

    @property
    def llm_model(self) -> str:
        if self.LLM_PROVIDER == "offline" and not self.LLM_MODEL:
            return "offline-policy"
        return super().llm_model

    @property
    def sqlite_path(self) -> Path:
        return self.DATA_DIR / "agent.db"

    @property
    def shop_db_path(self) -> Path:
        return self.DATA_DIR / "shop.db"

    @model_validator(mode="after")
    def _check_storage(self) -> Settings:
        if self.CHECKPOINTER == "postgres":
            if self.DATABASE_URL is None:
                raise ValueError("CHECKPOINTER=postgres needs DATABASE_URL")
            self._check_secret("POSTGRES_PASSWORD", self.POSTGRES_PASSWORD)
        if self.LLM_PROVIDER == "openai-compatible" and not self.LLM_BASE_URL:
            raise ValueError("LLM_PROVIDER=openai-compatible needs LLM_BASE_URL")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
