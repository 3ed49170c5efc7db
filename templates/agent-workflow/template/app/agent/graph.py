"""The agent loop as a LangGraph state graph: agent -> tools -> (approval)* -> agent ... -> end.

LangGraph gives the two things an agent service cannot fake: a checkpoint after every node
(durable state keyed by the run id) and `interrupt()`, which parks a run until a person decides
and resumes it in any process, even after a restart.

Guards live in the nodes: step, token and dollar budgets before each model call; unknown tools
and invalid arguments become error results the model sees; the same call repeated
AGENT_LOOP_LIMIT times stops the run as a loop.
"""

from __future__ import annotations

import json
import operator
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from app.agent.policy_types import LLMError, LLMTimeout, Policy
from app.agent.shop import Shop
from app.agent.tools import Tool, ToolContext, ToolError, ToolResult, execute, validate_call
from app.core.tracing import get_langfuse


class RunState(TypedDict, total=False):
    run_id: str
    ticket: str
    messages: Annotated[list[dict[str, Any]], operator.add]
    # One entry per executed (or refused) tool call: what the API, the eval and the UI show.
    calls: Annotated[list[dict[str, Any]], operator.add]
    awaiting: list[dict[str, Any]]
    steps: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    model: str
    status: str
    outcome: str
    detail: str
    answer: str


@dataclass(frozen=True)
class Limits:
    max_steps: int
    max_tokens: int
    max_cost_usd: float
    loop_limit: int
    tool_timeout: float
    tool_retries: int
    refund_limit_usd: float
    refund_window_days: int = 30


def signature(name: str, args: Any) -> str:
    return json.dumps([name, args], sort_keys=True, default=str)


def outcome_of(calls: list[dict[str, Any]]) -> str:
    """What happened to the ticket, from the side effects that actually executed."""
    ok = {c["name"] for c in calls if c["ok"]}
    if "issue_refund" in ok:
        return "refunded"
    if "escalate" in ok:
        return "escalated"
    if any(c["name"] == "issue_refund" and c.get("approval") == "rejected" for c in calls):
        return "refund_rejected"
    return "resolved" if "draft_reply" in ok else "unresolved"


def _stop(status: str, detail: str) -> dict[str, Any]:
    return {"status": status, "outcome": status, "detail": detail}


def build_graph(policy: Policy, shop: Shop, limits: Limits, checkpointer: Any) -> Any:
    langfuse = get_langfuse()

    def over_budget(state: RunState) -> str | None:
        tokens = state.get("input_tokens", 0) + state.get("output_tokens", 0)
        if state.get("steps", 0) >= limits.max_steps:
            return f"max_steps budget of {limits.max_steps} steps reached"
        if tokens >= limits.max_tokens:
            return f"max_tokens budget of {limits.max_tokens} tokens reached ({tokens})"
        if state.get("cost_usd", 0.0) >= limits.max_cost_usd:
            return f"max_cost budget of ${limits.max_cost_usd} reached"
        return None

    def agent(state: RunState) -> dict[str, Any]:
        exceeded = over_budget(state)
        if exceeded:
            return _stop("budget_exceeded", exceeded)
        step = state.get("steps", 0) + 1
        with langfuse.start_as_current_observation(name=f"step {step}", as_type="chain"):
            try:
                decision = policy.decide(state["ticket"], state.get("messages", []))
            except LLMTimeout as exc:
                return {**_stop("failed", str(exc)), "outcome": "provider_timeout"}
            except LLMError as exc:
                return {**_stop("failed", str(exc)), "outcome": "provider_error"}
        update: dict[str, Any] = {
            "steps": step,
            "model": decision.model,
            "input_tokens": state.get("input_tokens", 0) + decision.input_tokens,
            "output_tokens": state.get("output_tokens", 0) + decision.output_tokens,
            "cost_usd": round(state.get("cost_usd", 0.0) + decision.cost_usd, 8),
            "messages": [
                {
                    "role": "assistant",
                    "content": decision.text,
                    "tool_calls": [c.to_dict() for c in decision.tool_calls],
                }
            ],
        }
        # A call that crossed the token or dollar budget does not get its tools executed.
        spent = over_budget({**update, "steps": 0})  # type: ignore[typeddict-item]
        if spent and decision.tool_calls:
            return {**update, **_stop("budget_exceeded", spent)}
        if not decision.tool_calls:
            calls = state.get("calls", [])
            return {
                **update,
                "status": "completed",
                "outcome": outcome_of(calls),
                "answer": decision.text,
            }
        return {**update, "status": "running"}

    def tools(state: RunState) -> dict[str, Any]:
        requested = state["messages"][-1]["tool_calls"]
        seen = [signature(c["name"], c["args"]) for c in state.get("calls", [])]
        messages: list[dict[str, Any]] = []
        calls: list[dict[str, Any]] = []
        awaiting: list[dict[str, Any]] = []
        for request in requested:
            checked = validate_call(request["name"], request["arguments"])
            if isinstance(checked, ToolResult):
                messages.append(_tool_message(request, checked))
                calls.append(_call_entry(request["id"], request["name"], None, checked))
                continue
            tool, args = checked
            dumped = args.model_dump(mode="json")
            seen.append(signature(tool.name, dumped))
            if seen.count(seen[-1]) >= limits.loop_limit:
                detail = f"tool-call loop: {tool.name} called {limits.loop_limit}x with same args"
                return {**_stop("loop_detected", detail), "messages": messages, "calls": calls}
            if tool.requires_approval and tool.precheck is not None:
                try:
                    tool.precheck(args, _context(state["run_id"], request["id"]))
                except ToolError as exc:
                    # Refused before a person is asked: the model hears why and tells the customer.
                    refused = ToolResult(False, {"error": str(exc)})
                    messages.append(_tool_message(request, refused))
                    calls.append(_call_entry(request["id"], tool.name, dumped, refused))
                    continue
            if tool.requires_approval:
                awaiting.append({"id": request["id"], "name": tool.name, "args": dumped})
                continue
            result = _run_tool(request["id"], tool, args, state["run_id"])
            messages.append(_tool_message(request, result))
            calls.append(_call_entry(request["id"], tool.name, dumped, result))
        return {"messages": messages, "calls": calls, "awaiting": awaiting}

    def approval(state: RunState) -> dict[str, Any]:
        # Everything above interrupt() re-runs on resume: keep it free of side effects.
        pending = state["awaiting"][0]
        decision = interrupt(
            {
                "run_id": state["run_id"],
                "call_id": pending["id"],
                "tool": pending["name"],
                "args": pending["args"],
            }
        )
        approved = bool(decision.get("approved"))
        comment = str(decision.get("comment") or "")
        request = {"id": pending["id"], "name": pending["name"]}
        if approved:
            checked = validate_call(pending["name"], pending["args"])
            assert not isinstance(checked, ToolResult)  # validated before the pause
            result = _run_tool(pending["id"], checked[0], checked[1], state["run_id"])
        else:
            result = ToolResult(
                False, {"error": "rejected by a human reviewer", "comment": comment}
            )
        entry = _call_entry(pending["id"], pending["name"], pending["args"], result)
        entry["approval"] = "approved" if approved else "rejected"
        entry["comment"] = comment
        return {
            "messages": [_tool_message(request, result)],
            "calls": [entry],
            "awaiting": state["awaiting"][1:],
        }

    def _context(run_id: str, call_id: str) -> ToolContext:
        return ToolContext(
            shop, run_id, call_id, limits.refund_limit_usd, limits.refund_window_days
        )

    def _run_tool(call_id: str, tool: Tool, args: Any, run_id: str) -> ToolResult:
        ctx = _context(run_id, call_id)
        with langfuse.start_as_current_observation(
            name=f"tool {tool.name}", as_type="tool", input=args.model_dump(mode="json")
        ) as span:
            result = execute(
                tool, args, ctx, timeout=limits.tool_timeout, max_retries=limits.tool_retries
            )
            span.update(
                output=result.content,
                level="DEFAULT" if result.ok else "WARNING",
                metadata={"attempts": result.attempts},
            )
        return result

    def after_agent(state: RunState) -> Literal["tools", "__end__"]:
        return "tools" if state.get("status") == "running" else END

    def after_tools(state: RunState) -> Literal["agent", "approval", "__end__"]:
        if state.get("status") != "running":
            return END
        return "approval" if state.get("awaiting") else "agent"

    builder = StateGraph(RunState)
    builder.add_node("agent", agent)
    builder.add_node("tools", tools)
    builder.add_node("approval", approval)
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", after_agent)
    builder.add_conditional_edges("tools", after_tools)
    builder.add_conditional_edges("approval", after_tools)
    return builder.compile(checkpointer=checkpointer)


def _tool_message(request: dict[str, Any], result: ToolResult) -> dict[str, Any]:
    return {
        "role": "tool",
        "tool_call_id": request["id"],
        "name": request["name"],
        "content": result.as_text(),
        "is_error": not result.ok,
    }


def _call_entry(call_id: str, name: str, args: Any, result: ToolResult) -> dict[str, Any]:
    return {
        "id": call_id,
        "name": name,
        "args": args,
        "ok": result.ok,
        "result": result.content,
        "attempts": result.attempts,
    }


def recursion_limit(max_steps: int) -> int:
    """LangGraph's own step cap, as a backstop above the agent's budget (3 nodes per step)."""
    return max_steps * 3 + 10
