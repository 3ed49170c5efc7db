"""The agent service: builds the graph and its checkpointer, and advances runs.

`process(run_id)` is the one entry point a worker calls. It looks at the run's checkpoint and
does the next right thing: start, continue after a crash, resume after a human decision, or
(re)register the pending approval. Every path is idempotent, so a run survives `kill -9` at any
point: the worker that picks it up next starts from the last checkpoint.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from langfuse import Langfuse
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.types import Command

from app.agent.graph import Limits, build_graph, outcome_of, recursion_limit
from app.agent.providers import build_policy
from app.agent.shop import Shop
from app.agent.store import TERMINAL, Store
from app.agent.tools import refund_window
from app.core.config import Settings
from app.core.costs import Ledger
from app.core.sqlite_wal import enable_wal
from app.core.tracing import get_langfuse

logger = logging.getLogger(__name__)


def ticket_text(ticket: dict[str, Any]) -> str:
    lines = [f"Subject: {ticket.get('subject') or '(none)'}"]
    if ticket.get("customer_email"):
        lines.append(f"From: {ticket['customer_email']}")
    return "\n".join([*lines, "", str(ticket.get("body", ""))])


class AgentService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        self.shop = Shop(settings.shop_db_path)
        self.ledger = Ledger()
        self._pool: Any = None
        self._sqlite: sqlite3.Connection | None = None
        if settings.CHECKPOINTER == "postgres":
            from langgraph.checkpoint.postgres import PostgresSaver
            from psycopg.rows import dict_row
            from psycopg_pool import ConnectionPool

            # One pool for LangGraph's checkpoints and the service's tables.
            self._pool = ConnectionPool(
                str(settings.DATABASE_URL),
                min_size=1,
                max_size=settings.WORKER_THREADS + 4,
                kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
                open=True,
            )
            checkpointer: Any = PostgresSaver(self._pool)
            checkpointer.setup()
            self.store = Store(pool=self._pool)
        else:
            # SqliteSaver serialises access with its own lock, so threads may share it.
            self._sqlite = sqlite3.connect(
                settings.DATA_DIR / "checkpoints.db", check_same_thread=False, timeout=30
            )
            enable_wal(self._sqlite)
            self._sqlite.execute("PRAGMA synchronous=NORMAL")
            checkpointer = SqliteSaver(self._sqlite)
            self.store = Store(sqlite_path=settings.sqlite_path)
        self.policy = build_policy(settings)
        self.limits = Limits(
            max_steps=settings.AGENT_MAX_STEPS,
            max_tokens=settings.AGENT_MAX_TOKENS,
            max_cost_usd=settings.AGENT_MAX_COST_USD,
            loop_limit=settings.AGENT_LOOP_LIMIT,
            tool_timeout=settings.TOOL_TIMEOUT_SECONDS,
            tool_retries=settings.TOOL_MAX_RETRIES,
            refund_limit_usd=settings.REFUND_LIMIT_USD,
            refund_window_days=settings.REFUND_WINDOW_DAYS,
        )
        self.graph = build_graph(self.policy, self.shop, self.limits, checkpointer)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        if self._sqlite is not None:
            self._sqlite.close()
        self.store.close()

    def _config(self, run_id: str) -> dict[str, Any]:
        return {
            "configurable": {"thread_id": run_id},
            "recursion_limit": recursion_limit(self.limits.max_steps),
        }

    def approval_view(self, approval: dict[str, Any]) -> dict[str, Any]:
        """An approval with what a reviewer needs to decide: the customer's ticket and, for an
        order, the order as the shop has it now (customer, item, refund window)."""
        run = self.store.get_run(approval["run_id"]) or {}
        order_id = (approval.get("args") or {}).get("order_id")
        order = self.shop.order(str(order_id)) if order_id else None
        if order is not None:
            order["refund_window"] = refund_window(
                order, self.shop.today(), self.limits.refund_window_days
            )
        return {**approval, "ticket": run.get("ticket"), "order": order}

    def start(self, ticket: dict[str, Any]) -> str:
        return self.store.create_run(ticket)

    def process(self, run_id: str) -> str:
        """Advance a run as far as it goes; return its status afterwards."""
        run = self.store.get_run(run_id)
        if run is None:
            raise KeyError(run_id)
        config = self._config(run_id)
        snapshot = self.graph.get_state(config)
        graph_input: Any
        if snapshot.interrupts:
            payload = snapshot.interrupts[0].value
            approval = self.store.approval_for(run_id, payload["call_id"])
            if approval is None or approval["status"] == "pending":
                return self._pause(run_id, payload)
            graph_input = Command(
                resume={
                    "approved": approval["status"] == "approved",
                    "comment": approval["comment"] or "",
                }
            )
        elif snapshot.next:
            graph_input = None  # a worker died mid-run: continue from the last checkpoint
        elif snapshot.values.get("status") in TERMINAL:
            return self._finish(run_id, snapshot.values)
        else:
            graph_input = {
                "run_id": run_id,
                "ticket": ticket_text(run["ticket"]),
                "steps": 0,
                "input_tokens": 0,
                "output_tokens": 0,
                "cost_usd": 0.0,
                "status": "running",
            }
        progress = dict(snapshot.values)
        langfuse = get_langfuse()
        with langfuse.start_as_current_observation(
            name="support-run",
            as_type="agent",
            # Every segment of a run (start, each resume) lands in one trace.
            trace_context={"trace_id": Langfuse.create_trace_id(seed=run_id)},
            input={"run_id": run_id, "ticket": run["ticket"]},
        ) as span:
            for update in self.graph.stream(graph_input, config, stream_mode="updates"):
                self._record(run_id, update, progress)
            snapshot = self.graph.get_state(config)
            span.update(
                output={
                    "status": snapshot.values.get("status"),
                    "outcome": snapshot.values.get("outcome"),
                }
            )
        if snapshot.interrupts:
            return self._pause(run_id, snapshot.interrupts[0].value)
        return self._finish(run_id, snapshot.values)

    def _record(self, run_id: str, update: dict[str, Any], progress: dict[str, Any]) -> None:
        """Turn a node's update into run events and the run row's live progress."""
        for node, values in update.items():
            if node == "__interrupt__" or not values:
                continue
            if node == "agent" and "steps" in values and values.get("messages"):
                message = values["messages"][-1]
                self.store.add_event(
                    run_id,
                    "step",
                    {
                        "step": values["steps"],
                        "text": message["content"],
                        "tool_calls": [c["name"] for c in message["tool_calls"]],
                        "input_tokens": values["input_tokens"],
                        "cost_usd": values["cost_usd"],
                    },
                )
            for call in values.get("calls", []):
                self.store.add_event(
                    run_id,
                    "tool_call",
                    {
                        k: call.get(k)
                        for k in ("id", "name", "args", "ok", "result", "attempts", "approval")
                    },
                )
            calls = progress.get("calls", []) + values.get("calls", [])
            progress.update(values)
            progress["calls"] = calls
        fields = {
            k: progress[k]
            for k in ("steps", "input_tokens", "output_tokens", "cost_usd", "model")
            if k in progress
        }
        self.store.update_run(
            run_id,
            lease_seconds=self.settings.RUN_LEASE_SECONDS,
            calls=progress.get("calls", []),
            **fields,
        )

    def _pause(self, run_id: str, payload: dict[str, Any]) -> str:
        # Status first, approval row second: a decision can then never miss its run.
        self.store.update_run(run_id, status="awaiting_approval")
        approval_id = self.store.add_approval(
            run_id, payload["call_id"], payload["tool"], payload["args"]
        )
        self.store.add_event(run_id, "approval_requested", {"approval_id": approval_id, **payload})
        logger.info("run paused for approval", extra={"run_id": run_id, "tool": payload["tool"]})
        return "awaiting_approval"

    def _finish(self, run_id: str, values: dict[str, Any]) -> str:
        status = values.get("status") or "failed"
        calls = values.get("calls", [])
        outcome = values.get("outcome") or outcome_of(calls)
        self.store.update_run(
            run_id,
            status=status,
            outcome=outcome,
            detail=values.get("detail"),
            answer=values.get("answer"),
            calls=calls,
            steps=values.get("steps", 0),
            input_tokens=values.get("input_tokens", 0),
            output_tokens=values.get("output_tokens", 0),
            cost_usd=values.get("cost_usd", 0.0),
            model=values.get("model"),
        )
        self.store.add_event(
            run_id,
            "finished",
            {"status": status, "outcome": outcome, "detail": values.get("detail")},
        )
        run = self.store.get_run(run_id) or {}
        # The agent's own time: a human taking 18 s to approve is not agent latency.
        waited = sum(
            (a["decided_at"] or a["created_at"]) - a["created_at"]
            for status in ("approved", "rejected")
            for a in self.store.list_approvals_for(run_id, status)
        )
        self.ledger.record(
            latency_ms=max(0.0, run.get("updated_at", 0) - run.get("created_at", 0) - waited)
            * 1000,
            input_tokens=values.get("input_tokens", 0),
            output_tokens=values.get("output_tokens", 0),
            cost=values.get("cost_usd", 0.0),
        )
        logger.info("run finished", extra={"run_id": run_id, "status": status, "outcome": outcome})
        return status

    def process_safely(self, run_id: str) -> None:
        """What a worker calls: an unexpected error fails the run, never the worker."""
        try:
            self.process(run_id)
        except Exception as exc:
            logger.exception("run crashed", extra={"run_id": run_id})
            self.ledger.record_error()
            self.store.update_run(
                run_id,
                status="failed",
                outcome="error",
                detail=f"internal error: {type(exc).__name__}: {exc}",
            )
            self.store.add_event(run_id, "finished", {"status": "failed", "outcome": "error"})

    def run_to_end(self, ticket: dict[str, Any], decide: Any = None) -> dict[str, Any]:
        """Run a ticket synchronously (eval, tests, CLI). `decide(approval) -> (ok, comment)`."""
        run_id = self.start(ticket)
        status = self.process(run_id)
        while status == "awaiting_approval":
            approval = self.store.list_approvals_for(run_id)[0]
            approved, comment = decide(approval) if decide else (True, "auto-approved")
            self.store.decide(approval["id"], approved, comment)
            status = self.process(run_id)
        run = self.store.get_run(run_id)
        assert run is not None
        return run
