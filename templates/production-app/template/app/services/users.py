"""Creating users and keys: shared by the admin route and `python -m app.admin`."""

from __future__ import annotations

from sqlalchemy import select

from app.core.db import session_scope
from app.core.security import hash_api_key, new_api_key
from app.models import ApiKey, User


class UserExists(Exception):
    pass


def create_user(email: str, daily_budget_usd: float | None = None) -> tuple[int, str]:
    """Returns (user id, API key). The key is not stored, only its hash."""
    key = new_api_key()
    with session_scope() as session:
        if session.scalar(select(User.id).where(User.email == email)) is not None:
            raise UserExists(email)
        user = User(email=email, daily_budget_usd=daily_budget_usd)
        session.add(user)
        session.flush()
        session.add(ApiKey(user_id=user.id, key_hash=hash_api_key(key), prefix=key[:8]))
        return user.id, key
