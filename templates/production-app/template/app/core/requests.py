"""Request ids, access logs and the latency histogram in one pure ASGI middleware.

Pure ASGI rather than BaseHTTPMiddleware: it adds no task per request and streams untouched.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.metrics import REQUEST_LATENCY

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
logger = logging.getLogger("app.access")


class RequestIdFilter(logging.Filter):
    """Stamps every log record with the current request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def install_log_filters() -> None:
    """Request ids on every line; PII redacted from every line (on the handlers, so records
    propagated from any logger pass through them)."""
    from app.guardrails import RedactingFilter

    for handler in logging.getLogger().handlers:
        handler.addFilter(RequestIdFilter())
        handler.addFilter(RedactingFilter())
    # RequestMiddleware logs each request with its id, route template and duration; uvicorn's
    # own access line would be a second, less useful line per request.
    logging.getLogger("uvicorn.access").disabled = True


class RequestMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        start = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"].append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            route: Any = scope.get("route")
            # The route template, not the raw path: ids in paths would explode label cardinality.
            path = getattr(route, "path", "unmatched")
            REQUEST_LATENCY.labels(scope["method"], path, str(status)).observe(elapsed)
            logger.info(
                "request",
                extra={"method": scope["method"], "route": path, "status": status,
                       "ms": round(elapsed * 1000, 2)},
            )  # fmt: skip
            request_id_var.reset(token)
