"""The local SQLite "shop" the tools act on: customers, orders, refunds, escalations.

It is seeded from `fixtures.json` on first use, so a fresh clone has data to work with. Order
dates there are relative (`placed_days_ago`) and become dates at seed time: fixed dates went stale,
and an order meant to be a week old fell outside the refund window a month later. The shop has a
clock (`today`) so the refund window can be tested on both sides of its last day. Refunds carry a
UNIQUE idempotency key (run id + tool call id): a tool call replayed after a crash or a resume can
never pay twice.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from app.core.sqlite_wal import enable_wal

FIXTURES = Path(__file__).with_name("fixtures.json")

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE, tier TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES customers(id),
    item TEXT NOT NULL, total_usd REAL NOT NULL, status TEXT NOT NULL, placed_on TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS refunds (
    id INTEGER PRIMARY KEY AUTOINCREMENT, idempotency_key TEXT NOT NULL UNIQUE,
    order_id TEXT NOT NULL REFERENCES orders(id), amount_usd REAL NOT NULL, reason TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS escalations (
    id INTEGER PRIMARY KEY AUTOINCREMENT, idempotency_key TEXT NOT NULL UNIQUE,
    reason TEXT NOT NULL, priority TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
"""


class Shop:
    """Thread-safe access to the shop database (one short connection per call)."""

    def __init__(self, path: Path, today: Callable[[], date] = date.today) -> None:
        self.path = path
        # The shop's clock: what "today" is for order ages and the refund window.
        self.today = today
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._seed()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10)
        conn.row_factory = sqlite3.Row
        return conn

    def _seed(self) -> None:
        data = json.loads(FIXTURES.read_text())
        today = self.today()
        orders = [
            {**order, "placed_on": (today - timedelta(days=order["placed_days_ago"])).isoformat()}
            for order in data["orders"]
        ]
        with self._lock, closing(self._connect()) as conn, conn:
            enable_wal(conn)
            conn.executescript(SCHEMA)
            conn.executemany(
                "INSERT OR IGNORE INTO customers VALUES (:id, :name, :email, :tier)",
                data["customers"],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO orders VALUES "
                "(:id, :customer_id, :item, :total_usd, :status, :placed_on)",
                orders,
            )

    def order(self, order_id: str) -> dict[str, Any] | None:
        with closing(self._connect()) as conn:
            row = conn.execute(
                "SELECT o.*, c.name AS customer_name, c.email AS customer_email, c.tier, "
                "COALESCE((SELECT SUM(amount_usd) FROM refunds r WHERE r.order_id = o.id), 0) "
                "AS refunded_usd FROM orders o JOIN customers c ON c.id = o.customer_id "
                "WHERE o.id = ?",
                (order_id,),
            ).fetchone()
        return dict(row) if row else None

    def customer(self, email: str) -> dict[str, Any] | None:
        with closing(self._connect()) as conn:
            row = conn.execute(
                "SELECT * FROM customers WHERE lower(email) = lower(?)", (email,)
            ).fetchone()
            if row is None:
                return None
            orders = conn.execute(
                "SELECT id, item, total_usd, status, placed_on FROM orders "
                "WHERE customer_id = ? ORDER BY placed_on DESC",
                (row["id"],),
            ).fetchall()
        return {**dict(row), "orders": [dict(o) for o in orders]}

    def refund(self, key: str, order_id: str, amount: float, reason: str) -> dict[str, Any]:
        """Record a refund once per idempotency key; a replay returns the first one."""
        with self._lock, closing(self._connect()) as conn, conn:
            conn.execute(
                "INSERT OR IGNORE INTO refunds (idempotency_key, order_id, amount_usd, reason) "
                "VALUES (?, ?, ?, ?)",
                (key, order_id, amount, reason),
            )
            row = conn.execute(
                "SELECT id, order_id, amount_usd FROM refunds WHERE idempotency_key = ?", (key,)
            ).fetchone()
        return dict(row)

    def escalate(self, key: str, reason: str, priority: str) -> dict[str, Any]:
        with self._lock, closing(self._connect()) as conn, conn:
            conn.execute(
                "INSERT OR IGNORE INTO escalations (idempotency_key, reason, priority) "
                "VALUES (?, ?, ?)",
                (key, reason, priority),
            )
            row = conn.execute(
                "SELECT id, priority FROM escalations WHERE idempotency_key = ?", (key,)
            ).fetchone()
        return dict(row)

    def count(self, table: str) -> int:
        if table not in ("refunds", "escalations"):
            raise ValueError(table)
        with closing(self._connect()) as conn:
            return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608
