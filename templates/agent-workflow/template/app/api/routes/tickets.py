"""POST /tickets: queue a run and return at once; a worker does the work."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from app.api.deps import ServiceDep, TokenDep

router = APIRouter(tags=["tickets"])


class TicketIn(BaseModel):
    subject: str = Field(default="", max_length=200)
    body: str = Field(min_length=3, max_length=8000)
    customer_email: str | None = Field(default=None, max_length=254)


class RunCreated(BaseModel):
    run_id: str
    status: str
    url: str


@router.post("/tickets", status_code=status.HTTP_202_ACCEPTED, dependencies=[TokenDep])
def create_ticket(ticket: TicketIn, service: ServiceDep) -> RunCreated:
    run_id = service.start(ticket.model_dump())
    return RunCreated(run_id=run_id, status="queued", url=f"/runs/{run_id}")
