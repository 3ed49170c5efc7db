"""Liveness (the process answers) and readiness (its store answers)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from app.api.deps import ServiceDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(service: ServiceDep, response: Response) -> dict[str, str]:
    try:
        service.store.ping()
    except Exception as exc:  # any store failure means "not ready", never a 500
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "unavailable", "detail": type(exc).__name__}
    return {"status": "ready"}
