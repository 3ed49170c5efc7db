"""`harness eval` target: run one dataset ticket through the real agent, offline by default.

Each row runs in its own throw-away data directory (fresh shop database, fresh checkpoints), so
rows are independent and the eval can run them concurrently. A row's `metadata.approval`
("approve", the default, or "reject") is the human decision for any refund the agent proposes.

Tool calls are reported with their decision arguments only (order id, amount, priority; see
`Tool.decision_args`): free text such as a reply body or an escalation reason is judged by
reading it, not by exact match, so tool-call F1 measures which actions were taken on what.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from app.agent.service import AgentService
from app.agent.tools import TOOLS
from app.core.config import Settings


def reported_calls(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for call in calls:
        tool = TOOLS.get(call["name"])
        if tool is None or call.get("args") is None:
            continue  # refused calls (unknown tool, invalid arguments) took no action
        out.append(
            {
                "name": tool.name,
                "args": {k: call["args"][k] for k in tool.decision_args if k in call["args"]},
            }
        )
    return out


def target(row: dict[str, Any]) -> dict[str, Any]:
    approval = (row.get("metadata") or {}).get("approval", "approve")
    with tempfile.TemporaryDirectory(prefix="eval-") as tmp:
        settings = Settings(DATA_DIR=Path(tmp), RUN_WORKER=False)
        service = AgentService(settings)
        try:
            run = service.run_to_end(
                {"subject": "", "body": row["user_input"]},
                decide=lambda _: (approval == "approve", f"eval: {approval}"),
            )
        finally:
            service.close()
    reply = next(
        (c["args"] for c in reversed(run["calls"]) if c["name"] == "draft_reply" and c["ok"]), None
    )
    return {
        "response": reply["body"] if reply else (run.get("answer") or ""),
        "retrieved_contexts": [],
        "usage": {"input_tokens": run["input_tokens"], "output_tokens": run["output_tokens"]},
        "model": run.get("model") or settings.llm_model,
        "cost_usd": run["cost_usd"],
        "tool_calls": reported_calls(run["calls"]),
        "outcome": run.get("outcome") or run["status"],
    }
