"""FastAPI application: settings, logging, tracing, migrations, routers, error mapping."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from app.api.main import api_router
from app.api.routes.web import STATIC_DIR
from app.core import body_guard, db
from app.core.config import get_settings
from app.core.logging import setup_logging
from app.core.metrics import GUARDRAIL_BLOCKS, LLM_ERRORS, QUEUE_DEPTH
from app.core.migrations import upgrade_if_enabled
from app.core.requests import RequestMiddleware, install_log_filters
from app.core.tracing import get_langfuse, shutdown_tracing
from app.guardrails import GuardrailBlocked
from app.llm.providers import LLMError, LLMRateLimited, LLMTimeout
from app.services.assistant import NotFound
from app.services.container import build_services
from app.services.jobs import QUEUE, Worker
from app.services.limits import LimitExceeded

logger = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    upgrade_if_enabled(settings)
    get_langfuse()
    services = build_services(settings)
    app.state.services = services
    QUEUE_DEPTH.set_function(lambda: services.kv.queue_length(QUEUE))
    worker = None
    if services.kv.in_process:
        # No Redis, so no separate worker can see the queue: run it here.
        worker = Worker(
            services.assistant, settings.WORKER_POLL_SECONDS, settings.JOB_STALE_SECONDS
        )
        worker.start_thread()
    logger.info("started", extra={"provider": settings.LLM_PROVIDER,
                                  "redis": not services.kv.in_process})  # fmt: skip
    yield
    # Graceful shutdown: uvicorn has stopped accepting and drained requests by now.
    if worker is not None:
        worker.stop(timeout=settings.WORKER_POLL_SECONDS + 30)
    services.kv.close()
    db.reset_engine()
    shutdown_tracing()
    logger.info("stopped")


def create_app() -> FastAPI:
    settings = get_settings()
    setup_logging(settings.LOG_LEVEL)
    install_log_filters()
    app = FastAPI(title=settings.PROJECT_NAME, lifespan=lifespan)
    body_guard.install(app, settings.MAX_BODY_BYTES)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key", "X-Request-ID"],
        )
    app.add_middleware(RequestMiddleware)
    app.include_router(api_router, responses=body_guard.RESPONSES)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    add_error_handlers(app)
    return app


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LimitExceeded)
    async def limited(_: Request, exc: LimitExceeded) -> JSONResponse:
        return JSONResponse(
            {"detail": exc.detail, "reason": exc.reason},
            status_code=429,
            headers={"Retry-After": str(exc.retry_after)},
        )

    @app.exception_handler(GuardrailBlocked)
    async def blocked(_: Request, exc: GuardrailBlocked) -> JSONResponse:
        GUARDRAIL_BLOCKS.labels(exc.reason).inc()
        logger.warning("guardrail blocked", extra={"reason": exc.reason})
        return JSONResponse(
            {"detail": exc.detail, "reason": exc.reason}, status_code=exc.status_code
        )

    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(LLMTimeout)
    async def llm_timeout(_: Request, exc: LLMTimeout) -> JSONResponse:
        LLM_ERRORS.labels("timeout").inc()
        logger.warning("llm timeout", extra={"error": str(exc)})
        return JSONResponse({"detail": "the language model timed out"}, status_code=504)

    @app.exception_handler(LLMRateLimited)
    async def llm_limited(_: Request, exc: LLMRateLimited) -> JSONResponse:
        LLM_ERRORS.labels("rate_limited").inc()
        logger.warning("llm rate limited", extra={"error": str(exc)})
        return JSONResponse(
            {"detail": "the language model is busy; retry shortly"},
            status_code=503,
            headers={"Retry-After": "30"},
        )

    @app.exception_handler(LLMError)
    async def llm_error(_: Request, exc: LLMError) -> JSONResponse:
        LLM_ERRORS.labels("error").inc()
        logger.warning("llm unavailable", extra={"error": str(exc)})
        return JSONResponse({"detail": "the language model is unavailable"}, status_code=503)


app = create_app()
