"""FastAPI application: settings, logging, tracing, routers, error mapping."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from app.api.main import api_router
from app.api.routes.web import STATIC_DIR
from app.core import body_guard
from app.core.config import get_settings
from app.core.logging import setup_logging
from app.core.tracing import get_langfuse, shutdown_tracing
from app.llm.providers import LLMError, LLMTimeout
from app.services import build_service

logger = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    get_langfuse()
    app.state.service = build_service(settings)
    # Load the embedding model in the background: /healthz answers at once, /readyz once it is in.
    warm = threading.Thread(
        target=app.state.service.retriever.embedder.warm, name="embedder-warm", daemon=True
    )
    warm.start()
    logger.info(
        "started", extra={"provider": settings.LLM_PROVIDER, "store": settings.VECTOR_STORE}
    )
    yield
    app.state.service.store.close()
    shutdown_tracing()


def create_app() -> FastAPI:
    settings = get_settings()
    setup_logging(settings.LOG_LEVEL)
    app = FastAPI(title=settings.PROJECT_NAME, lifespan=lifespan)
    # Uploads may be larger than JSON bodies: the file plus its multipart envelope.
    upload_limit = settings.MAX_UPLOAD_BYTES + 64_000
    body_guard.install(app, settings.MAX_BODY_BYTES, {"/documents": upload_limit})
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.include_router(api_router, responses=body_guard.RESPONSES)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.exception_handler(LLMTimeout)
    async def llm_timeout(_: Request, exc: LLMTimeout) -> JSONResponse:
        logger.warning("llm timeout", extra={"error": str(exc)})
        return JSONResponse({"detail": "the language model timed out"}, status_code=504)

    @app.exception_handler(LLMError)
    async def llm_error(_: Request, exc: LLMError) -> JSONResponse:
        logger.warning("llm unavailable", extra={"error": str(exc)})
        return JSONResponse({"detail": "the language model is unavailable"}, status_code=503)

    return app


app = create_app()
