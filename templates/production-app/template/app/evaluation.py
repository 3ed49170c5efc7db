"""Entry point for `harness eval`: answers one dataset row with this project's own pipeline.

Configured in pyproject.toml under [tool.harness.eval]. Runs against a throwaway SQLite file
(never the developer's database) as one eval user without rate limit or budget, so the numbers
measure the assistant, not the limits. Rows: {"user_input": ..., "task": "summarize"|...}.
"""

from __future__ import annotations

import tempfile
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.core import db
from app.core.config import get_settings
from app.core.migrations import upgrade
from app.core.tracing import get_langfuse
from app.services.assistant import Assistant, CurrentUser
from app.services.container import build_services
from app.services.users import create_user

_lock = threading.Lock()


@lru_cache
def _setup_once() -> tuple[Assistant, CurrentUser]:
    get_langfuse()  # the project's client (disabled without keys) before any @observe runs
    scratch = Path(tempfile.mkdtemp(prefix="wa-eval-")) / "eval.db"
    url = f"sqlite:///{scratch}"
    upgrade(url)
    db.use_database(url)
    settings = get_settings().model_copy(
        update={"RATE_LIMIT_PER_MINUTE": 10**9, "CACHE_TTL_SECONDS": 0, "REDIS_URL": None}
    )
    services = build_services(settings)
    user_id, _ = create_user("eval@example.invalid", daily_budget_usd=10**6)
    return services.assistant, CurrentUser(user_id, "eval@example.invalid", 10**6)


def _setup() -> tuple[Assistant, CurrentUser]:
    # harness eval calls the target from several threads; the first call sets up once.
    with _lock:
        return _setup_once()


def target(row: dict[str, Any]) -> dict[str, Any]:
    assistant, user = _setup()
    answer = assistant.answer(user, row.get("task", "summarize"), row["user_input"])
    return {
        "response": answer.reply,
        "retrieved_contexts": [],
        "usage": {"input_tokens": answer.input_tokens, "output_tokens": answer.output_tokens},
        "model": answer.model,
        "cost_usd": answer.cost_usd,
    }
