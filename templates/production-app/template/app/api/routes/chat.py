"""Chat and one-shot writing tasks, with the conversation history kept in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from app.api.deps import MAX_ID, AssistantDep, IdPath, UserDep
from app.core.config import get_settings
from app.core.db import session_scope
from app.llm.prompts import Task
from app.models import Conversation, Message
from app.services.assistant import NotFound

router = APIRouter(tags=["chat"])

# 4xx the pipeline can answer; documented so clients (and schemathesis) know them.
ERRORS: dict[int | str, dict[str, str]] = {
    400: {"description": "blocked by a guardrail (prompt injection)"},
    401: {"description": "missing or invalid API key"},
    404: {"description": "conversation not found"},
    422: {"description": "invalid body, or personal data with PII_MODE=block"},
    429: {"description": "rate limit or daily budget exceeded (see Retry-After)"},
}


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, max_length=get_settings().MAX_INPUT_CHARS)
    task: Task = "chat"
    conversation_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class ChatResponse(BaseModel):
    conversation_id: int
    message_id: int
    reply: str
    model: str
    route: str
    route_reason: str
    cached: bool
    input_tokens: int
    output_tokens: int
    cost_usd: float
    latency_ms: float
    trace_id: str | None


class MessageOut(BaseModel):
    id: int
    role: str
    content: str
    model: str | None
    route: str | None
    created_at: datetime


class ConversationOut(BaseModel):
    id: int
    title: str
    created_at: datetime


@router.post("/chat", responses=ERRORS)
def chat(body: ChatRequest, user: UserDep, assistant: AssistantDep) -> ChatResponse:
    answer = assistant.answer(user, body.task, body.message, body.conversation_id)
    return ChatResponse(**answer.as_dict())


@router.get("/conversations", responses={401: ERRORS[401]})
def list_conversations(
    user: UserDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[ConversationOut]:
    with session_scope() as session:
        rows = session.scalars(
            select(Conversation)
            .where(Conversation.user_id == user.id)
            .order_by(Conversation.id.desc())
            .limit(limit)
        ).all()
        return [ConversationOut(id=c.id, title=c.title, created_at=c.created_at) for c in rows]


@router.get("/conversations/{conversation_id}/messages", responses=ERRORS)
def conversation_messages(conversation_id: IdPath, user: UserDep) -> list[MessageOut]:
    with session_scope() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None or conversation.user_id != user.id:
            raise NotFound("conversation not found")
        rows = session.scalars(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
        ).all()
        return [
            MessageOut(id=m.id, role=m.role, content=m.content, model=m.model, route=m.route,
                       created_at=m.created_at)
            for m in rows
        ]  # fmt: skip
