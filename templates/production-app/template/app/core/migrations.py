"""Alembic from code: start-up upgrades and the tests' upgrade/downgrade round-trip."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from alembic import command
from app.core.config import Settings
from app.core.db import sqlalchemy_url

PROJECT = Path(__file__).resolve().parents[2]


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT / "alembic"))
    # `%` is ConfigParser interpolation syntax; URL-encoded passwords contain it.
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url).replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


# Any constant: every process of this app asks PostgreSQL for the same advisory lock.
MIGRATION_LOCK = 727_001


def upgrade(database_url: str, revision: str = "head") -> None:
    """Upgrade the schema. On PostgreSQL, under an advisory lock: API replicas, uvicorn workers
    and the worker process may all start at once, and only one may run a migration."""
    config = alembic_config(database_url)
    if database_url.startswith("sqlite:///"):
        path = database_url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        command.upgrade(config, revision)
        return
    engine = create_engine(sqlalchemy_url(database_url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            lock = text("SELECT pg_advisory_lock(:key)")
            connection.execute(lock, {"key": MIGRATION_LOCK})
            connection.commit()  # the lock is the session's; the transaction can end
            try:
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
            finally:
                unlock = text("SELECT pg_advisory_unlock(:key)")
                connection.execute(unlock, {"key": MIGRATION_LOCK})
                connection.commit()
    finally:
        engine.dispose()


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


def upgrade_if_enabled(settings: Settings) -> None:
    if settings.DB_AUTO_MIGRATE:
        upgrade(settings.DATABASE_URL)
