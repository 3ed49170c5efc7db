"""Prometheus scrape endpoint and a JSON cost summary from the ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import case, func, select

from app.api.deps import SettingsDep, UserDep
from app.core.db import session_scope
from app.core.security import admin_token_ok
from app.models import Usage

router = APIRouter(tags=["observability"])


async def metrics_auth(
    settings: SettingsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(HTTPBearer(auto_error=False))],
) -> None:
    if settings.METRICS_TOKEN is None:
        if settings.METRICS_PUBLIC or settings.ENVIRONMENT in ("development", "test"):
            return
        # Never open by accident in production: label values name models and routes.
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "metrics are closed: set METRICS_TOKEN (or METRICS_PUBLIC=true behind a proxy "
            "that keeps /metrics private)",
        )
    given = bearer.credentials if bearer else ""
    if not admin_token_ok(given, settings.METRICS_TOKEN.get_secret_value()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid metrics token")


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}, 401: {}, 403: {}},
    dependencies=[Depends(metrics_auth)],
)
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


class UsageSummary(BaseModel):
    days: int
    requests: int
    cached: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    by_model: dict[str, float]


@router.get("/usage", responses={401: {}})
def usage(user: UserDep, days: Annotated[int, Query(ge=1, le=90)] = 1) -> UsageSummary:
    """The caller's own spend over the last `days` days, straight from the ledger."""
    since = datetime.now(UTC) - timedelta(days=days)
    with session_scope() as session:
        rows = session.execute(
            select(
                Usage.model,
                func.count(),
                func.sum(case((Usage.cached, 1), else_=0)),
                func.sum(Usage.input_tokens),
                func.sum(Usage.output_tokens),
                func.sum(Usage.cost_usd),
            )
            .where(Usage.user_id == user.id, Usage.created_at >= since)
            .group_by(Usage.model)
        ).all()
    return UsageSummary(
        days=days,
        requests=sum(r[1] for r in rows),
        cached=sum(int(r[2] or 0) for r in rows),
        input_tokens=sum(int(r[3] or 0) for r in rows),
        output_tokens=sum(int(r[4] or 0) for r in rows),
        cost_usd=round(sum(float(r[5] or 0) for r in rows), 8),
        by_model={r[0]: round(float(r[5] or 0), 8) for r in rows},
    )
