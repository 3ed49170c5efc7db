"""Runs: status, steps, tool calls and cost; a live event stream (SSE); service totals."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse
from langfuse import Langfuse

from app.agent.store import TERMINAL
from app.api.deps import NOT_FOUND, UNAUTHORIZED, ServiceDep, TokenDep

router = APIRouter(tags=["runs"])
# An open stream is a held connection: close it eventually even if nobody decides.
STREAM_MAX_SECONDS = 30 * 60


@router.get("/runs", dependencies=[TokenDep], responses=UNAUTHORIZED)
def list_runs(service: ServiceDep, limit: int = 50) -> list[dict[str, Any]]:
    return service.store.list_runs(min(max(limit, 1), 200))


@router.get("/runs/{run_id}", dependencies=[TokenDep], responses={**UNAUTHORIZED, **NOT_FOUND})
def get_run(run_id: str, service: ServiceDep) -> dict[str, Any]:
    run = service.store.get_run(run_id)
    if run is None:
        raise HTTPException(404, "run not found")
    run.pop("worker", None)
    run.pop("lease_until", None)
    run["approvals"] = [
        a
        for status in ("pending", "approved", "rejected")
        for a in service.store.list_approvals_for(run_id, status)
    ]
    run["events"] = service.store.events(run_id)
    # The Langfuse trace of every segment of this run (start and each resume).
    run["trace_id"] = Langfuse.create_trace_id(seed=run_id)
    return run


@router.get(
    "/runs/{run_id}/events",
    dependencies=[TokenDep],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **UNAUTHORIZED, **NOT_FOUND},
)
async def stream_events(run_id: str, request: Request, service: ServiceDep) -> StreamingResponse:
    if await asyncio.to_thread(service.store.get_run, run_id) is None:
        raise HTTPException(404, "run not found")

    async def events() -> AsyncIterator[str]:
        seq, started, idle = 0, time.monotonic(), 0.0
        while time.monotonic() - started < STREAM_MAX_SECONDS:
            if await request.is_disconnected():
                return
            batch = await asyncio.to_thread(service.store.events, run_id, seq)
            for event in batch:
                seq = event["seq"]
                yield f"id: {seq}\nevent: {event['type']}\ndata: {json.dumps(event['data'])}\n\n"
                if event["type"] == "finished":
                    return
            if not batch:
                run = await asyncio.to_thread(service.store.get_run, run_id)
                if run and run["status"] in TERMINAL and seq:
                    return
                idle += 0.25
                if idle >= 15:  # a comment line keeps proxies from closing an idle stream
                    idle = 0.0
                    yield ": keep-alive\n\n"
                await asyncio.sleep(0.25)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


@router.get("/stats", dependencies=[TokenDep], responses=UNAUTHORIZED)
def stats(service: ServiceDep) -> dict[str, Any]:
    """Totals of runs finished by this process (tokens, cost, latency percentiles)."""
    return service.ledger.snapshot()
