"""Users and their API keys. Creating users is an admin action (API_TOKEN)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from app.api.deps import AdminDep, UserDep
from app.services import users

router = APIRouter(tags=["users"])


class UserCreate(BaseModel):
    email: str = Field(pattern=r"^[^@\s]{1,64}@[^@\s]{1,255}$", max_length=320)
    daily_budget_usd: float | None = Field(default=None, ge=0, le=10_000)


class UserCreated(BaseModel):
    id: int
    email: str
    api_key: str = Field(description="Shown once; only its hash is stored")


class Me(BaseModel):
    id: int
    email: str
    daily_budget_usd: float


@router.post(
    "/users",
    status_code=201,
    dependencies=[AdminDep],
    responses={401: {}, 403: {}, 409: {"description": "email taken"}},
)
def create_user(body: UserCreate) -> UserCreated:
    try:
        user_id, key = users.create_user(body.email, body.daily_budget_usd)
    except users.UserExists:
        raise HTTPException(status.HTTP_409_CONFLICT, "a user with this email exists") from None
    return UserCreated(id=user_id, email=users.normalize_email(body.email), api_key=key)


@router.get("/me", responses={401: {}})
def me(user: UserDep) -> Me:
    return Me(id=user.id, email=user.email, daily_budget_usd=user.daily_budget_usd)
