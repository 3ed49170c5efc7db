"""Runs, approvals and run events: the service's own tables, next to LangGraph's checkpoints.

The same SQL runs on SQLite (default, a file in DATA_DIR) and PostgreSQL (CHECKPOINTER=postgres,
sharing the checkpointer's connection pool). The runs table doubles as the work queue: a worker
claims a run with a conditional UPDATE, so any number of worker processes can share it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.core.sqlite_wal import enable_wal

TERMINAL = ("completed", "failed", "budget_exceeded", "loop_detected")
CLAIMABLE = ("queued", "resuming")

_TABLES = """
CREATE TABLE IF NOT EXISTS agent_runs (
    id TEXT PRIMARY KEY, ticket TEXT NOT NULL, status TEXT NOT NULL, outcome TEXT,
    detail TEXT, answer TEXT, model TEXT, steps INTEGER NOT NULL DEFAULT 0,
    input_tokens INTEGER NOT NULL DEFAULT 0, output_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0, calls TEXT NOT NULL DEFAULT '[]',
    worker TEXT, lease_until DOUBLE PRECISION NOT NULL DEFAULT 0,
    created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS agent_runs_status ON agent_runs (status, created_at);
CREATE TABLE IF NOT EXISTS agent_approvals (
    id TEXT PRIMARY KEY, run_id TEXT NOT NULL, call_id TEXT NOT NULL, tool TEXT NOT NULL,
    args TEXT NOT NULL, status TEXT NOT NULL, comment TEXT,
    created_at DOUBLE PRECISION NOT NULL, decided_at DOUBLE PRECISION
);
CREATE INDEX IF NOT EXISTS agent_approvals_status ON agent_approvals (status, created_at);
"""
_EVENTS = {
    "sqlite": "CREATE TABLE IF NOT EXISTS agent_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
    "run_id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, "
    "created_at DOUBLE PRECISION NOT NULL)",
    "postgres": "CREATE TABLE IF NOT EXISTS agent_events (seq BIGSERIAL PRIMARY KEY, "
    "run_id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, "
    "created_at DOUBLE PRECISION NOT NULL)",
}
_EVENTS_INDEX = "CREATE INDEX IF NOT EXISTS agent_events_run ON agent_events (run_id, seq)"
_RUN_FIELDS = (
    "outcome",
    "detail",
    "answer",
    "model",
    "steps",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "calls",
    "status",
    "lease_until",
)


class Store:
    """Small data-access layer; `?` placeholders are rewritten for psycopg."""

    def __init__(self, *, sqlite_path: Path | None = None, pool: Any = None) -> None:
        self.kind = "postgres" if pool is not None else "sqlite"
        self.pool = pool
        self.sqlite_path = sqlite_path
        self._lock = threading.Lock()
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        with self._conn() as conn:
            if self.kind == "sqlite":
                enable_wal(conn)
            for statement in [*_TABLES.split(";"), _EVENTS[self.kind], _EVENTS_INDEX]:
                if statement.strip():
                    conn.execute(statement)

    @contextmanager
    def _conn(self) -> Iterator[Any]:
        if self.pool is not None:
            with self.pool.connection() as conn:
                yield conn
            return
        # One connection per thread, kept open: opening and closing per statement made SQLite
        # checkpoint the WAL on every close (~7 ms each, measured).
        conn = getattr(self._local, "conn", None)
        if conn is None:
            assert self.sqlite_path is not None
            conn = sqlite3.connect(
                self.sqlite_path, timeout=30, isolation_level=None, check_same_thread=False
            )
            conn.row_factory = sqlite3.Row
            # WAL + NORMAL: durable across process crashes (kill -9), not across power loss.
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            self._opened.append(conn)
        yield conn

    def close(self) -> None:
        for conn in self._opened:
            conn.close()
        self._opened.clear()

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.kind == "postgres" else sql

    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        with self._conn() as conn:
            return int(conn.execute(self._sql(sql), params).rowcount)

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self._conn() as conn:
            return [dict(r) for r in conn.execute(self._sql(sql), params).fetchall()]

    # --- runs --------------------------------------------------------------------------------
    def create_run(self, ticket: dict[str, Any]) -> str:
        run_id = uuid.uuid4().hex
        now = time.time()
        self._exec(
            "INSERT INTO agent_runs (id, ticket, status, created_at, updated_at) "
            "VALUES (?, ?, 'queued', ?, ?)",
            (run_id, json.dumps(ticket), now, now),
        )
        self.add_event(run_id, "queued", {})
        return run_id

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM agent_runs WHERE id = ?", (run_id,))
        if not rows:
            return None
        run = rows[0]
        run["ticket"] = json.loads(run["ticket"])
        run["calls"] = json.loads(run["calls"])
        return run

    def list_runs(self, limit: int = 50) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT id, status, outcome, steps, cost_usd, created_at FROM agent_runs "
            "ORDER BY created_at DESC LIMIT ?",
            (limit,),
        )

    def update_run(self, run_id: str, lease_seconds: float | None = None, **fields: Any) -> None:
        """Set fields (and, for the worker holding the run, extend its lease) in one write."""
        unknown = set(fields) - set(_RUN_FIELDS)
        if unknown:
            raise ValueError(f"unknown run fields {unknown}")
        if lease_seconds is not None:
            fields["lease_until"] = time.time() + lease_seconds
        if "calls" in fields:
            fields["calls"] = json.dumps(fields["calls"], default=str)
        assignments = ", ".join(f"{name} = ?" for name in fields)
        self._exec(
            f"UPDATE agent_runs SET {assignments}, updated_at = ? WHERE id = ?",  # noqa: S608
            (*fields.values(), time.time(), run_id),
        )

    def claim(self, worker: str, lease_seconds: float) -> str | None:
        """Take the oldest runnable run, or one whose worker died (lease expired)."""
        now = time.time()
        candidates = self._rows(
            "SELECT id FROM agent_runs WHERE status IN ('queued', 'resuming') "
            "OR (status = 'running' AND lease_until < ?) ORDER BY created_at LIMIT 8",
            (now,),
        )
        for candidate in candidates:
            claimed = self._exec(
                "UPDATE agent_runs SET status = 'running', worker = ?, lease_until = ? "
                "WHERE id = ? AND (status IN ('queued', 'resuming') "
                "OR (status = 'running' AND lease_until < ?))",
                (worker, now + lease_seconds, candidate["id"], now),
            )
            if claimed == 1:
                return str(candidate["id"])
        return None

    # --- approvals ---------------------------------------------------------------------------
    def add_approval(self, run_id: str, call_id: str, tool: str, args: dict[str, Any]) -> str:
        """Idempotent: the id is derived from the run and the tool call it guards."""
        approval_id = uuid.uuid5(uuid.NAMESPACE_URL, f"run:{run_id}/call:{call_id}").hex
        self._exec(
            "INSERT INTO agent_approvals (id, run_id, call_id, tool, args, status, created_at) "
            "VALUES (?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (id) DO NOTHING",
            (approval_id, run_id, call_id, tool, json.dumps(args), time.time()),
        )
        return approval_id

    def get_approval(self, approval_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM agent_approvals WHERE id = ?", (approval_id,))
        return _approval(rows[0]) if rows else None

    def approval_for(self, run_id: str, call_id: str) -> dict[str, Any] | None:
        rows = self._rows(
            "SELECT * FROM agent_approvals WHERE run_id = ? AND call_id = ?", (run_id, call_id)
        )
        return _approval(rows[0]) if rows else None

    def list_approvals(self, status: str = "pending") -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT * FROM agent_approvals WHERE status = ? ORDER BY created_at", (status,)
        )
        return [_approval(r) for r in rows]

    def list_approvals_for(self, run_id: str, status: str = "pending") -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT * FROM agent_approvals WHERE run_id = ? AND status = ? ORDER BY created_at",
            (run_id, status),
        )
        return [_approval(r) for r in rows]

    def decide(self, approval_id: str, approved: bool, comment: str) -> bool:
        """Record the decision once and queue the run to resume; False if already decided."""
        with self._lock:
            approval = self.get_approval(approval_id)
            if approval is None or approval["status"] != "pending":
                return False
            changed = self._exec(
                "UPDATE agent_approvals SET status = ?, comment = ?, decided_at = ? "
                "WHERE id = ? AND status = 'pending'",
                ("approved" if approved else "rejected", comment, time.time(), approval_id),
            )
            if changed != 1:
                return False
            self._exec(
                "UPDATE agent_runs SET status = 'resuming', updated_at = ? "
                "WHERE id = ? AND status = 'awaiting_approval'",
                (time.time(), approval["run_id"]),
            )
        return True

    # --- events ------------------------------------------------------------------------------
    def add_event(self, run_id: str, type_: str, data: dict[str, Any]) -> None:
        self._exec(
            "INSERT INTO agent_events (run_id, type, data, created_at) VALUES (?, ?, ?, ?)",
            (run_id, type_, json.dumps(data, default=str), time.time()),
        )

    def events(self, run_id: str, after: int = 0) -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT seq, type, data, created_at FROM agent_events "
            "WHERE run_id = ? AND seq > ? ORDER BY seq",
            (run_id, after),
        )
        return [{**r, "data": json.loads(r["data"])} for r in rows]

    def ping(self) -> None:
        self._rows("SELECT 1 AS ok")


def _approval(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "args": json.loads(row["args"])}
