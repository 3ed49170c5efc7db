"""Langfuse tracing. With no keys the client is created disabled, so traced code runs unchanged."""

from __future__ import annotations

import logging
from functools import lru_cache

from langfuse import Langfuse

from app.core.config import get_settings

logger = logging.getLogger(__name__)


@lru_cache
def get_langfuse() -> Langfuse:
    settings = get_settings()
    secret = settings.LANGFUSE_SECRET_KEY
    enabled = settings.tracing_enabled
    # Without keys, a placeholder key with tracing off gives a client that records nothing and
    # sends nothing, and that `@observe` finds as the process's one client (no warnings).
    client = Langfuse(
        public_key=settings.LANGFUSE_PUBLIC_KEY if enabled else "tracing-disabled",
        secret_key=secret.get_secret_value() if secret and enabled else "tracing-disabled",
        base_url=settings.LANGFUSE_HOST,
        timeout=settings.LANGFUSE_TIMEOUT_SECONDS,
        environment=settings.ENVIRONMENT,
        tracing_enabled=enabled,
    )
    logger.info("tracing configured", extra={"tracing_enabled": enabled})
    return client


def shutdown_tracing() -> None:
    """Flush buffered spans on shutdown; bounded by LANGFUSE_TIMEOUT_SECONDS."""
    if get_langfuse.cache_info().currsize:
        get_langfuse().flush()
