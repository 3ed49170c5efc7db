"""Running totals since start-up: requests, tokens, cost, latency percentiles."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.api.deps import ServiceDep

router = APIRouter(tags=["stats"])


@router.get("/stats")
def stats(service: ServiceDep) -> dict[str, Any]:
    snapshot = service.ledger.snapshot()
    snapshot["model"] = service.provider.model
    snapshot["documents"] = len(service.store.list_documents())
    return snapshot
