"""Dependencies: settings, services, the API-key user and the admin token."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from app.core.config import Settings, get_settings
from app.core.db import session_scope
from app.core.security import admin_token_ok, hash_api_key
from app.models import ApiKey, User
from app.services.assistant import Assistant, CurrentUser
from app.services.container import Services


async def settings_dep() -> Settings:
    # Dependencies that only read memory are `async`: a sync one costs a thread-pool hop.
    return get_settings()


SettingsDep = Annotated[Settings, Depends(settings_dep)]
# Database ids are 32-bit on every backend: a larger number is a 422, not an overflow (500).
MAX_ID = 2**31 - 1
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
_bearer = HTTPBearer(auto_error=False, description="A user's API key (or the admin token)")
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_assistant(services: ServicesDep) -> Assistant:
    return services.assistant


AssistantDep = Annotated[Assistant, Depends(get_assistant)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


def lookup_user(key_hash: str, default_budget: float) -> CurrentUser | None:
    with session_scope() as session:
        row = session.execute(
            select(User.id, User.email, User.daily_budget_usd)
            .join(ApiKey, ApiKey.user_id == User.id)
            .where(ApiKey.key_hash == key_hash, ~ApiKey.revoked, User.is_active)
        ).first()
    if row is None:
        return None
    budget = row.daily_budget_usd
    return CurrentUser(row.id, row.email, default_budget if budget is None else budget)


class _AuthCache:
    """Valid keys seen in the last AUTH_CACHE_SECONDS: most requests skip the database.

    The price is that a revoked key keeps working for up to that long (0 disables it).
    """

    def __init__(self) -> None:
        self._items: dict[str, tuple[CurrentUser, float]] = {}

    def get(self, key_hash: str) -> CurrentUser | None:
        item = self._items.get(key_hash)
        if item is None or item[1] < time.monotonic():
            return None
        return item[0]

    def put(self, key_hash: str, user: CurrentUser, ttl: float) -> None:
        if len(self._items) > 10_000:
            self._items.clear()
        self._items[key_hash] = (user, time.monotonic() + ttl)

    def clear(self) -> None:
        self._items.clear()


auth_cache = _AuthCache()


async def current_user(
    settings: SettingsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header_key: Annotated[str | None, Depends(_api_key_header)],
) -> CurrentUser:
    """`Authorization: Bearer <key>` or `X-API-Key: <key>`; only the key's hash is looked up."""
    key = bearer.credentials if bearer else header_key
    if not key:
        raise _unauthorized("missing API key")
    key_hash = hash_api_key(key)
    user = auth_cache.get(key_hash) if settings.AUTH_CACHE_SECONDS else None
    if user is None:
        user = await run_in_threadpool(lookup_user, key_hash, settings.DAILY_BUDGET_USD)
        if user is None:
            raise _unauthorized("invalid API key")
        if settings.AUTH_CACHE_SECONDS:
            auth_cache.put(key_hash, user, settings.AUTH_CACHE_SECONDS)
    return user


UserDep = Annotated[CurrentUser, Depends(current_user)]


async def require_admin(
    settings: SettingsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """User management needs `Authorization: Bearer $API_TOKEN` (the admin token).

    Unlike the shared default, an unset API_TOKEN closes these routes rather than opening
    them: creating users hands out spending power.
    """
    if settings.API_TOKEN is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "set API_TOKEN to manage users")
    given = bearer.credentials if bearer else ""
    if not admin_token_ok(given, settings.API_TOKEN.get_secret_value()):
        raise _unauthorized("invalid admin token")


AdminDep = Depends(require_admin)
