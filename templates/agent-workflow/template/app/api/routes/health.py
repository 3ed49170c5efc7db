"""Liveness (the process answers) and readiness (its database answers)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.api.deps import ServiceDep, SettingsDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=None, responses={503: {"description": "not ready"}})
def readyz(service: ServiceDep, settings: SettingsDep) -> dict[str, str] | JSONResponse:
    try:
        service.store.ping()
    except Exception as exc:
        return JSONResponse({"status": "unavailable", "error": type(exc).__name__}, 503)
    return {
        "status": "ready",
        "provider": settings.LLM_PROVIDER,
        "model": settings.llm_model,
        "checkpointer": settings.CHECKPOINTER,
    }
