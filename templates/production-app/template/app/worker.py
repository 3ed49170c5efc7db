"""Worker process: `python -m app.worker`. Runs queued jobs; SIGTERM finishes the current one.

Needs REDIS_URL (the in-process queue cannot cross processes; without Redis the API runs the
worker in a thread instead). Exposes its own /metrics on WORKER_METRICS_PORT for Prometheus.
"""

from __future__ import annotations

import logging
import signal
import sys
from types import FrameType

from prometheus_client import start_http_server

from app.core.config import get_settings
from app.core.logging import setup_logging
from app.core.migrations import upgrade_if_enabled
from app.core.requests import install_log_filters
from app.core.tracing import get_langfuse, shutdown_tracing
from app.services.container import build_services
from app.services.jobs import Worker

logger = logging.getLogger("app.worker")


def main() -> int:
    settings = get_settings()
    setup_logging(settings.LOG_LEVEL)
    install_log_filters()
    if not settings.REDIS_URL:
        logger.error("REDIS_URL is unset: the API runs jobs in-process, no worker needed")
        return 2
    upgrade_if_enabled(settings)
    get_langfuse()
    services = build_services(settings)
    if settings.WORKER_METRICS_PORT:
        # All interfaces inside a container so Prometheus can scrape it; compose does not
        # publish the port.
        start_http_server(settings.WORKER_METRICS_PORT, addr="0.0.0.0")  # noqa: S104
    worker = Worker(services.assistant, settings.WORKER_POLL_SECONDS, settings.JOB_STALE_SECONDS)

    def _stop(signum: int, _: FrameType | None) -> None:
        logger.info("stopping", extra={"signal": signum})
        worker.stop(timeout=0)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    worker.run()
    services.kv.close()
    shutdown_tracing()
    return 0


if __name__ == "__main__":
    sys.exit(main())
