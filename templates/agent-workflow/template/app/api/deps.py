"""Dependencies: settings, the service singleton (built once at start-up) and auth."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.agent.service import AgentService
from app.core.config import Settings, get_settings

SettingsDep = Annotated[Settings, Depends(get_settings)]
_bearer = HTTPBearer(auto_error=False)


def get_service(request: Request) -> AgentService:
    service: AgentService = request.app.state.service
    return service


ServiceDep = Annotated[AgentService, Depends(get_service)]


def require_token(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Every route that reads or changes runs (tickets hold customers' names, emails and
    orders) needs `Authorization: Bearer $API_TOKEN` once API_TOKEN is set, which it must be
    outside development and test."""
    if settings.API_TOKEN is None:
        return
    expected = settings.API_TOKEN.get_secret_value()
    given = credentials.credentials if credentials else ""
    if not secrets.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid or missing API token")


TokenDep = Depends(require_token)

# Documented answers besides 200/422, so the OpenAPI schema says what the routes return.
UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing or wrong API token (needed whenever API_TOKEN is set)"}
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such id"}}
