"""Structured logging: one JSON object per line, so log shippers need no parsing rules."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else came from `extra=` and is worth keeping.
_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        payload.update({k: v for k, v in record.__dict__.items() if k not in _RESERVED})
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


# The app's own loggers, the server's and the migrations'; every other library speaks only at
# WARNING and above unless LOG_LEVEL=DEBUG.
OWN_LOGGERS = ("app", "uvicorn", "alembic", "__main__")


class OwnOrWarning(logging.Filter):
    """Keeps third-party chatter out of the JSON log. Lowering their loggers' levels at start-up
    would not hold: some (bm25s) set their own logger to DEBUG when first imported, later."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.minimum = logging.DEBUG if level <= logging.DEBUG else logging.WARNING

    def filter(self, record: logging.LogRecord) -> bool:
        name = record.name
        own = any(name == prefix or name.startswith(prefix + ".") for prefix in OWN_LOGGERS)
        return own or record.levelno >= self.minimum


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    # A logger that set itself to DEBUG still cannot reach the output below LOG_LEVEL.
    handler.setLevel(level)
    handler.addFilter(OwnOrWarning(logging.getLevelName(level)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn installs its own handlers; route them through ours.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
