"""FastAPI application: settings, logging, tracing, the agent service and its workers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from app.agent.service import AgentService
from app.api.main import api_router
from app.api.routes.web import STATIC_DIR
from app.core import body_guard
from app.core.config import get_settings
from app.core.logging import setup_logging
from app.core.tracing import get_langfuse, shutdown_tracing
from app.worker import Worker

logger = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    get_langfuse()
    service = AgentService(settings)
    app.state.service = service
    worker = Worker(service, settings.WORKER_THREADS, settings.WORKER_POLL_SECONDS)
    if settings.RUN_WORKER:
        worker.start()
    logger.info(
        "started", extra={"provider": settings.LLM_PROVIDER, "checkpointer": settings.CHECKPOINTER}
    )
    yield
    worker.stop()
    service.close()
    shutdown_tracing()


def create_app() -> FastAPI:
    settings = get_settings()
    setup_logging(settings.LOG_LEVEL)
    app = FastAPI(title=settings.PROJECT_NAME, lifespan=lifespan)
    body_guard.install(app, settings.MAX_BODY_BYTES)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.include_router(api_router, responses=body_guard.RESPONSES)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


app = create_app()
