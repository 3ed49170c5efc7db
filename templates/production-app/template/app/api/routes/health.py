"""Liveness (the process answers) and readiness (database and Redis reachable)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.api.deps import ServicesDep
from app.core import db

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "a dependency is unreachable"}})
def readyz(services: ServicesDep) -> JSONResponse:
    checks = {
        "database": "ok" if db.ping() else "unreachable",
        "redis": ("in-process" if services.kv.in_process else "ok")
        if services.kv.ping()
        else "unreachable",
    }
    ready = all(value != "unreachable" for value in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
    )
