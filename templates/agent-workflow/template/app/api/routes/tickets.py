"""POST /tickets: queue a run and return at once; a worker does the work."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, Field, field_validator

from app.api.deps import UNAUTHORIZED, ServiceDep, TokenDep

router = APIRouter(tags=["tickets"])


class TicketIn(BaseModel):
    subject: str = Field(default="", max_length=200)
    body: str = Field(min_length=3, max_length=8000)
    customer_email: str | None = Field(
        default=None, max_length=254, pattern=r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
    )

    @field_validator("body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        # Whitespace alone passed min_length and became a run about nothing.
        if len(value.strip()) < 3:
            raise ValueError("the ticket body is blank")
        return value


class RunCreated(BaseModel):
    run_id: str
    status: str
    url: str


@router.post(
    "/tickets",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[TokenDep],
    responses=UNAUTHORIZED,
)
def create_ticket(ticket: TicketIn, service: ServiceDep) -> RunCreated:
    run_id = service.start(ticket.model_dump())
    return RunCreated(run_id=run_id, status="queued", url=f"/runs/{run_id}")
