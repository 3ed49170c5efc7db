"""Ask a question: a JSON answer with citations, or the same as a server-sent event stream."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
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
    highlights: list[tuple[int, int]] = Field(
        default_factory=list, description="(start, end) offsets in `text` of the sentences cited"
    )


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


_DONE = object()


async def _in_one_thread(chunks: Iterator[str]) -> AsyncIterator[str]:
    """Drive the whole generator in one thread. Starlette would run each `next()` in another
    worker thread, so the trace context opened for the answer was detached in a different
    context than it was attached in ("Failed to detach context", at ERROR, every answer)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue()
    stop = threading.Event()

    def pump() -> None:
        try:
            for chunk in chunks:
                loop.call_soon_threadsafe(queue.put_nowait, chunk)
                if stop.is_set():  # the client went away: stop generating
                    break
        except BaseException as exc:  # re-raised on the event loop side
            loop.call_soon_threadsafe(queue.put_nowait, exc)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
            loop.call_soon_threadsafe(queue.put_nowait, _DONE)

    threading.Thread(target=pump, name="ask-stream", daemon=True).start()
    try:
        while (item := await queue.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield str(item)
    finally:
        stop.set()


@router.post(
    "/ask/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}},
                     "description": "events: retrieved, token..., done (or error)"}},
)  # fmt: skip
def ask_stream(body: AskIn, service: ServiceDep, settings: SettingsDep) -> StreamingResponse:
    events = service.ask_stream(body.question, body.top_k or settings.TOP_K)
    return StreamingResponse(
        _in_one_thread(_sse(events)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
