"""Thumbs up/down + comment on an answer, stored and attached as a score to its trace."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

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


def _earlier(session: Session, message_id: int, user_id: int) -> Feedback | None:
    """This user's earlier rating of the message, if any."""
    return session.scalar(
        select(Feedback).where(Feedback.message_id == message_id, Feedback.user_id == user_id)
    )


def _save(body: FeedbackIn, user_id: int, comment: str) -> tuple[int, str | None, bool]:
    """(feedback id, the answer's trace id, whether the rating is new)."""
    with session_scope() as session:
        row = session.execute(
            select(Message.trace_id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Message.id == body.message_id,
                Message.role == "assistant",
                Conversation.user_id == user_id,
            )
        ).first()
        if row is None:
            raise NotFound("message not found")
        item = _earlier(session, body.message_id, user_id)
        new = item is None
        if item is None:
            item = Feedback(message_id=body.message_id, user_id=user_id)
            session.add(item)
        item.thumbs_up, item.comment = body.thumbs_up, comment
        session.flush()
        return item.id, row.trace_id, new


@router.post(
    "/feedback",
    status_code=201,
    responses={**ERRORS, 200: {"description": "the earlier rating of this message, updated"}},
)
def feedback(body: FeedbackIn, user: UserDep, response: Response) -> FeedbackOut:
    """One rating per user and message: sending it again updates it (200), never counts twice."""
    comment = redact(body.comment).text
    try:
        feedback_id, trace_id, new = _save(body, user.id, comment)
    except IntegrityError:
        # The same user rated the same answer in a parallel request (a double click, a retry)
        # and the database's unique constraint refused the second row: update that rating.
        feedback_id, trace_id, new = _save(body, user.id, comment)
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
