"""Long jobs: POST enqueues (202), GET polls, GET .../events streams the state (SSE)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from app.api.deps import AssistantDep, UserDep
from app.api.routes.chat import ERRORS
from app.llm.prompts import Task
from app.models import Job
from app.services.jobs import enqueue, get_job

router = APIRouter(tags=["jobs"])
MAX_JOB_CHARS = 100_000
JobId = Annotated[str, Path(max_length=36)]


class JobRequest(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_JOB_CHARS)
    task: Task = "summarize"


class JobOut(BaseModel):
    id: str
    status: str
    task: str
    result: str | None = None
    error: str | None = None
    message_id: int | None = None
    created_at: datetime
    finished_at: datetime | None = None


def _out(job: Job) -> JobOut:
    return JobOut(
        id=job.id, status=job.status, task=job.task, result=job.result, error=job.error,
        message_id=job.message_id, created_at=job.created_at, finished_at=job.finished_at,
    )  # fmt: skip


@router.post("/jobs", status_code=202, responses=ERRORS)
def create_job(body: JobRequest, user: UserDep, assistant: AssistantDep) -> JobOut:
    return _out(enqueue(assistant, user, body.task, body.text))


@router.get("/jobs/{job_id}", responses=ERRORS)
def read_job(job_id: JobId, user: UserDep) -> JobOut:
    return _out(get_job(user.id, job_id))


@router.get(
    "/jobs/{job_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **ERRORS},
)
async def job_events(job_id: JobId, user: UserDep, request: Request) -> StreamingResponse:
    job = await run_in_threadpool(get_job, user.id, job_id)

    async def events() -> AsyncIterator[str]:
        current, last = job, ""
        for _ in range(600):  # at most ~2.5 minutes, then the client reconnects
            payload = _out(current).model_dump_json()
            if payload != last:
                yield f"event: job\ndata: {payload}\n\n"
                last = payload
            if current.status in ("done", "failed") or await request.is_disconnected():
                return
            await asyncio.sleep(0.25)
            current = await run_in_threadpool(get_job, user.id, job_id)
        yield f"event: timeout\ndata: {json.dumps({'id': job_id})}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")
