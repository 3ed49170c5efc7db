"""Long requests run by a worker: the API enqueues a job id, the client polls or streams.

The queue (Redis list, or in-process) carries only ids; the jobs table holds state, so the API
and any number of workers agree on it, and a restarted worker loses nothing it had not begun.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.core.db import session_scope
from app.core.metrics import JOBS
from app.guardrails import GuardrailBlocked
from app.llm.providers import LLMError
from app.models import Job, User
from app.services.assistant import Assistant, CurrentUser, NotFound

logger = logging.getLogger(__name__)
QUEUE = "jobs"


def enqueue(assistant: Assistant, user: CurrentUser, task: str, text: str) -> Job:
    redacted = assistant.admit(user, text)
    job = Job(id=uuid.uuid4().hex, user_id=user.id, task=task, input=redacted)
    with session_scope() as session:
        session.add(job)
    assistant.kv.push(QUEUE, job.id)
    return job


def get_job(user_id: int, job_id: str) -> Job:
    with session_scope() as session:
        job = session.get(Job, job_id)
        if job is None or job.user_id != user_id:
            raise NotFound("job not found")
        return job


def run_job(assistant: Assistant, job_id: str) -> None:
    with session_scope() as session:
        job = session.get(Job, job_id)
        if job is None or job.status != "queued":
            return
        job.status = "running"
        user = session.get(User, job.user_id)
        assert user is not None
        budget = user.daily_budget_usd
        current = CurrentUser(
            user.id, user.email,
            budget if budget is not None else assistant.settings.DAILY_BUDGET_USD,
        )  # fmt: skip
        task, text = job.task, job.input
    status, result, error, message_id = "done", None, None, None
    try:
        answer = assistant.answer_screened(current, task, text, None)
        result, message_id = answer.reply, answer.message_id
    except (LLMError, GuardrailBlocked, NotFound) as exc:
        status, error = "failed", str(exc)
    except Exception as exc:  # a job must end in a state the client can see
        logger.exception("job crashed", extra={"job_id": job_id})
        status, error = "failed", f"internal error: {type(exc).__name__}"
    with session_scope() as session:
        job = session.get(Job, job_id)
        if job is not None:
            job.status, job.result, job.error = status, result, error
            job.message_id = message_id
            job.finished_at = datetime.now(UTC)
    JOBS.labels(status).inc()
    logger.info("job finished", extra={"job_id": job_id, "status": status})


def requeue_stale(assistant: Assistant, older_than_seconds: float) -> int:
    """Put back jobs a crashed worker left `running` (the queue had already handed them out).

    Runs when a worker starts. A job older than the threshold that is still `running` is taken
    as abandoned; keep the threshold well above the longest real job, or it would run twice.
    """
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
    with session_scope() as session:
        stale = session.scalars(
            select(Job).where(Job.status == "running", Job.created_at < cutoff)
        ).all()
        for job in stale:
            job.status = "queued"
        ids = [job.id for job in stale]
    for job_id in ids:
        assistant.kv.push(QUEUE, job_id)
    if ids:
        logger.warning("requeued stale jobs", extra={"count": len(ids)})
    return len(ids)


class Worker:
    """Pops job ids until stopped; `stop()` lets the current job finish (graceful shutdown)."""

    def __init__(
        self, assistant: Assistant, poll_seconds: float, stale_seconds: float = 900
    ) -> None:
        self.assistant = assistant
        self.poll_seconds = poll_seconds
        self.stale_seconds = stale_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        logger.info("worker started")
        try:
            requeue_stale(self.assistant, self.stale_seconds)
        except Exception:
            logger.exception("could not requeue stale jobs")
        while not self._stop.is_set():
            try:
                job_id = self.assistant.kv.pop(QUEUE, self.poll_seconds)
                if job_id is not None:
                    run_job(self.assistant, job_id)
            except Exception:
                # Redis or the database away for a moment must not kill the worker: back off.
                logger.exception("worker loop error; retrying")
                self._stop.wait(self.poll_seconds)
        logger.info("worker stopped")

    def start_thread(self) -> None:
        self._thread = threading.Thread(target=self.run, name="worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self.assistant.kv.in_process:
            self.assistant.kv.close()  # wakes a pop() waiting on the in-process queue
        if self._thread is not None:
            self._thread.join(timeout)
