"""Users and their keys: shared by the admin route and `python -m app.admin`.

Emails are compared and stored lower-case: `Ann@Example.com` and `ann@example.com` are one
user. Revoking or rotating keys and disabling a user take effect at once in the database and
within AUTH_CACHE_SECONDS in every API process (valid keys are cached that long).
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from app.core.db import session_scope
from app.core.security import hash_api_key, new_api_key
from app.models import ApiKey, User


class UserExists(Exception):
    pass


def create_user(email: str, daily_budget_usd: float | None = None) -> tuple[int, str]:
    """Returns (user id, API key). The key is not stored, only its hash."""
    key = new_api_key()
    email = normalize_email(email)
    with session_scope() as session:
        if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
            raise UserExists(email)
        user = User(email=email, daily_budget_usd=daily_budget_usd)
        session.add(user)
        session.flush()
        session.add(ApiKey(user_id=user.id, key_hash=hash_api_key(key), prefix=key[:8]))
        return user.id, key


class NoSuchUser(Exception):
    pass


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _user_id(session: object, email: str) -> int:
    user_id = session.scalar(  # type: ignore[attr-defined]
        select(User.id).where(func.lower(User.email) == normalize_email(email))
    )
    if user_id is None:
        raise NoSuchUser(email)
    return int(user_id)


def revoke_keys(email: str) -> int:
    """Revoke every live key of the user; returns how many."""
    with session_scope() as session:
        user_id = _user_id(session, email)
        done = session.execute(
            update(ApiKey).where(ApiKey.user_id == user_id, ~ApiKey.revoked).values(revoked=True)
        )
        return int(done.rowcount)  # type: ignore[attr-defined]


def rotate_key(email: str) -> str:
    """Revoke the user's keys and return a new one (shown once, like at creation)."""
    key = new_api_key()
    with session_scope() as session:
        user_id = _user_id(session, email)
        session.execute(
            update(ApiKey).where(ApiKey.user_id == user_id, ~ApiKey.revoked).values(revoked=True)
        )
        session.add(ApiKey(user_id=user_id, key_hash=hash_api_key(key), prefix=key[:8]))
    return key


def disable_user(email: str) -> None:
    """The user can no longer authenticate; their ledger and conversations are kept."""
    with session_scope() as session:
        user_id = _user_id(session, email)
        session.execute(update(User).where(User.id == user_id).values(is_active=False))
