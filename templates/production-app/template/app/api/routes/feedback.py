"""Thumbs up/down + comment on an answer, stored and attached as a score to its trace."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from app.api.deps import MAX_ID, UserDep
from app.api.routes.chat import ERRORS
from app.core.db import session_scope
from app.core.metrics import FEEDBACK
from app.core.tracing import get_langfuse
from app.guardrails import redact
from app.models import Conversation, Feedback, Message
from app.services.assistant import NotFound

router = APIRouter(tags=["feedback"])
logger = logging.getLogger(__name__)


class FeedbackIn(BaseModel):
    message_id: int = Field(ge=1, le=MAX_ID)
    thumbs_up: bool
    comment: str = Field(default="", max_length=2000)


class FeedbackOut(BaseModel):
    id: int
    trace_id: str | None
    scored: bool


@router.post(
    "/feedback",
    status_code=201,
    responses={**ERRORS, 200: {"description": "the earlier rating of this message, updated"}},
)
def feedback(body: FeedbackIn, user: UserDep, response: Response) -> FeedbackOut:
    """One rating per user and message: sending it again updates it (200), never counts twice."""
    comment = redact(body.comment).text
    with session_scope() as session:
        row = session.execute(
            select(Message.trace_id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Message.id == body.message_id,
                Message.role == "assistant",
                Conversation.user_id == user.id,
            )
        ).first()
        if row is None:
            raise NotFound("message not found")
        item = session.scalar(
            select(Feedback).where(
                Feedback.message_id == body.message_id, Feedback.user_id == user.id
            )
        )
        new = item is None
        if item is None:
            item = Feedback(message_id=body.message_id, user_id=user.id)
            session.add(item)
        item.thumbs_up, item.comment = body.thumbs_up, comment
        session.flush()
        feedback_id, trace_id = item.id, row.trace_id
    if new:
        FEEDBACK.labels("up" if body.thumbs_up else "down").inc()
    else:
        response.status_code = 200
    if trace_id:
        # A BOOLEAN score on the answer's trace: Langfuse charts it next to latency and cost.
        # One score id per rating, so an update replaces the score instead of adding one.
        get_langfuse().create_score(
            name="user_feedback", value=1.0 if body.thumbs_up else 0.0, trace_id=trace_id,
            data_type="BOOLEAN", comment=comment or None, score_id=f"feedback-{feedback_id}",
            metadata={"message_id": body.message_id, "feedback_id": feedback_id},
        )  # fmt: skip
    logger.info("feedback", extra={"message_id": body.message_id, "up": body.thumbs_up})
    return FeedbackOut(id=feedback_id, trace_id=trace_id, scored=bool(trace_id))
