"""Background workers: threads that claim queued runs and advance them.

The API process starts them itself (RUN_WORKER=true, the default), or `python -m app.worker`
runs them as their own process (compose's `worker` service) with the API started with
RUN_WORKER=false. The queue is the runs table, so both layouts behave the same.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import tempfile
import threading
import uuid
from pathlib import Path

from app.agent.service import AgentService
from app.core.config import get_settings
from app.core.logging import setup_logging

logger = logging.getLogger(__name__)


class Worker:
    def __init__(self, service: AgentService, threads: int, poll_seconds: float) -> None:
        self.service = service
        self.threads = threads
        self.poll_seconds = poll_seconds
        self.name = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for number in range(self.threads):
            thread = threading.Thread(target=self._loop, name=f"worker-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)
        logger.info("worker started", extra={"worker": self.name, "threads": self.threads})

    def _loop(self) -> None:
        lease = self.service.settings.RUN_LEASE_SECONDS
        while not self._stop.is_set():
            try:
                run_id = self.service.store.claim(self.name, lease)
            except Exception:
                logger.exception("claim failed")
                run_id = None
            if run_id is None:
                self._stop.wait(self.poll_seconds)
                continue
            self.service.process_safely(run_id)

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the runs in hand (bounded by `timeout`); unfinished ones resume elsewhere."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    def wait(self, heartbeat: Path | None = None) -> None:
        """Block until stopped, touching `heartbeat` every few seconds (container health)."""
        while not self._stop.wait(5.0):
            if heartbeat is not None:
                heartbeat.touch()


def main() -> None:
    settings = get_settings()
    setup_logging(settings.LOG_LEVEL)
    service = AgentService(settings)
    worker = Worker(service, settings.WORKER_THREADS, settings.WORKER_POLL_SECONDS)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker._stop.set())
    worker.start()
    worker.wait(Path(tempfile.gettempdir()) / "worker-heartbeat")
    worker.stop()
    service.close()


if __name__ == "__main__":
    main()
