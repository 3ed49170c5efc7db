"""Liveness (the process answers) and readiness (the embedding model is loaded and the store
answers): a load balancer sends no upload or question before the model is in memory."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from app.api.deps import ServiceDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "loading the model, or the store is down"}})
def readyz(service: ServiceDep, response: Response) -> dict[str, str]:
    embedder = service.retriever.embedder
    if not embedder.ready.is_set():
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        if embedder.load_error:
            return {"status": "unavailable", "detail": embedder.load_error}
        return {"status": "loading", "detail": "the embedding model is loading"}
    try:
        service.store.ping()
    except Exception as exc:  # any store failure means "not ready", never a 500
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "unavailable", "detail": type(exc).__name__}
    return {"status": "ready"}
