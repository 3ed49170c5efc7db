"""Human-in-the-loop: list pending approvals; approve or reject one (the run then resumes)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from app.api.deps import NOT_FOUND, UNAUTHORIZED, ServiceDep, TokenDep

router = APIRouter(tags=["approvals"])


class DecisionIn(BaseModel):
    decision: Literal["approve", "reject"]
    comment: str = Field(default="", max_length=1000)


@router.get("/approvals", dependencies=[TokenDep], responses=UNAUTHORIZED)
def list_approvals(
    service: ServiceDep, status: Literal["pending", "approved", "rejected"] = "pending"
) -> list[dict[str, Any]]:
    # Each with the customer's ticket and order: a reviewer must see what they are approving.
    return [service.approval_view(a) for a in service.store.list_approvals(status)]


@router.post(
    "/approvals/{approval_id}",
    dependencies=[TokenDep],
    responses={**UNAUTHORIZED, **NOT_FOUND, 409: {"description": "already decided"}},
)
def decide(approval_id: str, body: DecisionIn, service: ServiceDep) -> dict[str, Any]:
    approval = service.store.get_approval(approval_id)
    if approval is None:
        raise HTTPException(404, "approval not found")
    if not service.store.decide(approval_id, body.decision == "approve", body.comment):
        raise HTTPException(409, "approval already decided")
    return {
        "approval_id": approval_id,
        "run_id": approval["run_id"],
        "status": "approved" if body.decision == "approve" else "rejected",
    }
