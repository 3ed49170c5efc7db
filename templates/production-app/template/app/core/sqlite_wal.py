"""Switch a SQLite file to write-ahead logging, safely when several connections open at once."""

from __future__ import annotations

import sqlite3
import time

_ATTEMPTS = 100
_PAUSE_S = 0.05


def enable_wal(connection: sqlite3.Connection) -> None:
    """Put the database in WAL mode (readers never wait for the writer).

    The mode is stored in the file, so only the first connection has to switch it. Switching
    needs an exclusive lock that SQLite does not wait for (the busy timeout does not apply),
    so two connections opened together on a new file can get "database is locked": the
    loser waits briefly and finds the file already switched.
    """
    for attempt in range(_ATTEMPTS):
        try:
            mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() == "wal" or _is_memory(connection):
                return
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if attempt == _ATTEMPTS - 1:
                raise
            time.sleep(_PAUSE_S)


def _is_memory(connection: sqlite3.Connection) -> bool:
    # An in-memory database stays in "memory" mode; asking for WAL is a no-op there.
    return any(
        row[2] == "" for row in connection.execute("PRAGMA database_list") if row[1] == "main"
    )
