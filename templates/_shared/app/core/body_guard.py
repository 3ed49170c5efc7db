"""Request bodies and URLs the app never lets reach a route: too large, or text no store keeps.

An ASGI middleware, so it acts before FastAPI reads anything:

- **413** when `Content-Length` is over the limit (nothing is read), or when a body sent without
  one (chunked) grows past it (reading stops there: nothing larger is buffered or spooled).
- **422** for JSON text holding a NUL character (`\\u0000`: PostgreSQL refuses it in text
  columns) or a lone UTF-16 surrogate (`"\\ud800"`: not Unicode, no encoder writes it), and
  for a URL whose path or query holds a NUL. Such text is refused, never stripped: silently
  changing what a user sent would store something they did not write.

The 422 bodies have FastAPI's validation-error shape, so they match the OpenAPI schema, and
`validation_error_handler` keeps every 422 small: a huge or undecodable input is not echoed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A JSON escape that may decode to NUL or a surrogate (cheap pre-check before parsing).
_SUSPECT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
# An echoed input longer than this is left out of a 422.
MAX_ECHO_CHARS = 200

RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"description": "The request body is larger than the limit"},
}


class BodyTooLarge(HTTPException):
    """Raised from `receive` mid-body. An HTTPException, so FastAPI's body parsing re-raises
    it (any other error there becomes a 400) and its handler answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


def _validation_body(location: list[str | int], message: str, kind: str) -> bytes:
    detail = [{"loc": location, "msg": message, "type": kind}]
    return json.dumps({"detail": detail}).encode()


def bad_text(value: Any) -> str | None:
    """Why JSON-decoded `value` cannot be stored as text, or None when it can."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "text may not contain NUL characters (\\u0000)"
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "text is not valid Unicode (a lone surrogate such as \\ud800)"
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


class BodyGuard:
    """Bodies at most `max_bytes` (`limits` overrides it per path prefix, e.g. uploads)."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, limits: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.limits = sorted((limits or {}).items(), key=lambda item: -len(item[0]))

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.limits:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
            body = _validation_body(["path"], "URLs may not contain NUL characters", "value_error")
            await _send(send, 422, body)
            return
        limit = self.limit_for(scope["path"])
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _send(send, 413, _too_large(limit))
            return
        if headers.get(b"content-type", b"").split(b";")[0].strip().endswith(b"json"):
            await self._json(scope, receive, send, limit)
            return
        await self._streamed(scope, receive, send, limit)

    async def _json(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        # JSON bodies are small (the limit bounds them) and parsed whole anyway: read it all.
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _send(send, 413, _too_large(limit))
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if _SUSPECT.search(body):
            try:
                reason = bad_text(json.loads(body))
            except ValueError:
                reason = None  # not JSON: FastAPI answers its own 422
            if reason:
                await _send(send, 422, _validation_body(["body"], reason, "value_error"))
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        size = 0
        started = False

        async def counted() -> Message:
            nonlocal size
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if started:
                raise
            await _send(send, 413, _too_large(limit))


def _too_large(limit: int) -> bytes:
    return json.dumps({"detail": f"request body larger than {limit} bytes"}).encode()


async def _send(send: Send, status: int, body: bytes) -> None:
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()), (b"connection", b"close")],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": body})


def _short(errors: Iterable[Any]) -> list[Any]:
    """Errors without inputs too long to echo; ASCII-safe whatever they hold."""
    out = []
    for error in errors:
        error = dict(error)
        echoed = error.get("input")
        if echoed is not None and len(repr(echoed)) > MAX_ECHO_CHARS:
            error.pop("input")
        out.append(error)
    return out


async def validation_error_handler(_: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, minus huge echoed inputs; encoded so that no text can break it."""
    assert isinstance(exc, RequestValidationError)
    content = jsonable_encoder({"detail": _short(exc.errors())})
    return _AsciiJSON(content, status_code=422)


class _AsciiJSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        # ensure_ascii escapes a lone surrogate instead of failing to encode it (a 500).
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode()


def install(app: Any, max_bytes: int, limits: Mapping[str, int] | None = None) -> None:
    """The guard and the 422 handler on `app`; add it before CORS so CORS stays outermost."""
    app.add_middleware(BodyGuard, max_bytes=max_bytes, limits=limits)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
