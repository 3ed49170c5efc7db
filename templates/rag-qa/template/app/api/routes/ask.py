"""Ask a question: a JSON answer with citations, or the same as a server-sent event stream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, field_validator

from app.api.deps import LLM_ERRORS, ServiceDep, SettingsDep
from app.llm.providers import LLMError, LLMTimeout

router = APIRouter(tags=["ask"])


class AskIn(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    top_k: int | None = Field(default=None, ge=1, le=50)

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        # Whitespace alone was answered "I don't know", as if it had been a question.
        if not value.strip():
            raise ValueError("the question is blank")
        return value


class CitationOut(BaseModel):
    number: int
    chunk_id: str
    document_id: str
    title: str
    text: str
    start: int
    end: int
    page: int | None
    score: float


class AskOut(BaseModel):
    answer: str
    citations: list[CitationOut]
    retrieved: list[CitationOut]
    usage: dict[str, int]
    model: str
    cost_usd: float
    latency_ms: float
    grounded: bool
    invalid_citations: list[int]
    trace_id: str | None


@router.post("/ask", responses=LLM_ERRORS)
def ask(body: AskIn, service: ServiceDep, settings: SettingsDep) -> AskOut:
    result = service.ask(body.question, body.top_k or settings.TOP_K)
    return AskOut(**result.to_dict())


def _sse(events: Iterator[dict[str, Any]]) -> Iterator[str]:
    try:
        for event in events:
            yield f"event: {event['event']}\ndata: {json.dumps(event['data'])}\n\n"
    except LLMTimeout as exc:
        # Headers are already sent: report the failure in-band, with the HTTP status it maps to.
        yield f"event: error\ndata: {json.dumps({'status': 504, 'detail': str(exc)})}\n\n"
    except LLMError as exc:
        yield f"event: error\ndata: {json.dumps({'status': 503, 'detail': str(exc)})}\n\n"


@router.post(
    "/ask/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}},
                     "description": "events: retrieved, token..., done (or error)"}},
)  # fmt: skip
def ask_stream(body: AskIn, service: ServiceDep, settings: SettingsDep) -> StreamingResponse:
    events = service.ask_stream(body.question, body.top_k or settings.TOP_K)
    return StreamingResponse(
        _sse(events),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
