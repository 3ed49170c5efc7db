"""The agent's tools: typed, validated arguments, a timeout and bounded retries per call.

Each tool is a pydantic argument model plus a function. The model's JSON schema is what the
provider sees (native tool calling); the same model validates what comes back, and a validation
error is returned to the model as the tool's result so it can correct itself.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.agent.shop import Shop

KB_PATH = Path(__file__).with_name("kb.json")
_WORD = re.compile(r"[a-z0-9]+")


class ToolError(Exception):
    """A tool failed in a way the model should hear about (not a crash of the run)."""


class TransientToolError(ToolError):
    """A failure worth retrying (a busy database, a flaky downstream service)."""


class _Args(BaseModel):
    # Unknown fields are an error: a model inventing arguments should be told, not ignored.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SearchKBArgs(_Args):
    query: str = Field(min_length=2, max_length=200, description="What to look up")
    top_k: int = Field(default=2, ge=1, le=5, description="How many articles to return")


class LookupOrderArgs(_Args):
    order_id: str = Field(pattern=r"^\d{4,8}$", description="The order number, digits only")


class LookupCustomerArgs(_Args):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-zA-Z]{2,}$", max_length=254)


class DraftReplyArgs(_Args):
    subject: str = Field(min_length=1, max_length=150)
    body: str = Field(min_length=1, max_length=4000)


class IssueRefundArgs(_Args):
    order_id: str = Field(pattern=r"^\d{4,8}$")
    amount_usd: float = Field(gt=0, le=10_000, description="Amount to refund in USD")
    reason: str = Field(min_length=3, max_length=300)


class EscalateArgs(_Args):
    reason: str = Field(min_length=3, max_length=300)
    priority: Literal["low", "normal", "high", "urgent"] = "normal"


@dataclass(frozen=True)
class ToolContext:
    """What a tool may touch. `key` makes side effects idempotent per tool call."""

    shop: Shop
    run_id: str
    call_id: str
    refund_limit_usd: float
    refund_window_days: int = 30

    @property
    def key(self) -> str:
        return f"{self.run_id}:{self.call_id}"

    def window(self, order: dict[str, Any]) -> dict[str, Any]:
        return refund_window(order, self.shop.today(), self.refund_window_days)


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    args_model: type[_Args]
    fn: Callable[[Any, ToolContext], dict[str, Any]]
    # Side-effecting tools pause the run for a human decision before they execute.
    requires_approval: bool = False
    # Raises ToolError when the call can never succeed (an order outside the refund window):
    # checked before a person is asked, so nobody approves what the tool would refuse anyway.
    precheck: Callable[[Any, ToolContext], None] | None = None
    # The arguments that identify the decision (free text such as a reply body excluded): what
    # the eval's tool-call F1 compares, since no two models word a reason the same way.
    decision_args: tuple[str, ...] = ()

    def json_schema(self) -> dict[str, Any]:
        schema = self.args_model.model_json_schema()
        schema.pop("title", None)
        return schema


def _load_kb() -> list[dict[str, str]]:
    articles: list[dict[str, str]] = json.loads(KB_PATH.read_text())
    return articles


def search_kb(args: SearchKBArgs, ctx: ToolContext) -> dict[str, Any]:
    """Keyword overlap over the bundled help-centre articles (small, exact and dependency-free)."""
    terms = set(_WORD.findall(args.query.lower()))
    scored = []
    for article in _load_kb():
        words = _WORD.findall(f"{article['title']} {article['title']} {article['text']}".lower())
        score = sum(words.count(term) for term in terms)
        if score:
            scored.append((score, article))
    scored.sort(key=lambda item: -item[0])
    return {"articles": [a for _, a in scored[: args.top_k]]}


def refund_window(order: dict[str, Any], today: date, days: int) -> dict[str, Any]:
    """Whether an order may still be refunded: placed at most `days` days before `today`.

    The window counts whole days; an order placed exactly that many days ago is on its last day.
    """
    placed = date.fromisoformat(order["placed_on"])
    ends_on = placed + timedelta(days=days)
    return {
        "days": days,
        "days_since_order": (today - placed).days,
        "ends_on": ends_on.isoformat(),
        "open": today <= ends_on,
    }


def lookup_order(args: LookupOrderArgs, ctx: ToolContext) -> dict[str, Any]:
    order = ctx.shop.order(args.order_id)
    if order is None:
        raise ToolError(f"no order {args.order_id}")
    # The model (and the offline policy) sees the window, so it need not do date arithmetic.
    return {"order": {**order, "refund_window": ctx.window(order)}}


def lookup_customer(args: LookupCustomerArgs, ctx: ToolContext) -> dict[str, Any]:
    customer = ctx.shop.customer(args.email)
    if customer is None:
        raise ToolError(f"no customer with email {args.email}")
    orders = [{**o, "refund_window": ctx.window(o)} for o in customer["orders"]]
    return {"customer": {**customer, "orders": orders}}


def draft_reply(args: DraftReplyArgs, ctx: ToolContext) -> dict[str, Any]:
    # A draft is stored on the run for a person to send; nothing leaves the system here.
    return {"draft": {"subject": args.subject, "body": args.body}}


def check_refund(args: IssueRefundArgs, ctx: ToolContext) -> None:
    """Refuse a refund the shop's policy does not allow, saying why."""
    order = ctx.shop.order(args.order_id)
    if order is None:
        raise ToolError(f"no order {args.order_id}")
    if order["status"] != "delivered":
        raise ToolError(f"order {args.order_id} is {order['status']}, not delivered")
    window = ctx.window(order)
    if not window["open"]:
        raise ToolError(
            f"order {args.order_id} was placed on {order['placed_on']}, "
            f"{window['days_since_order']} days ago: outside the {window['days']}-day "
            f"refund window (it closed on {window['ends_on']})"
        )
    remaining = round(order["total_usd"] - order["refunded_usd"], 2)
    if args.amount_usd > remaining + 1e-9:
        raise ToolError(f"amount exceeds what is left to refund ({remaining} USD)")


def issue_refund(args: IssueRefundArgs, ctx: ToolContext) -> dict[str, Any]:
    # Checked again at execution: a person may approve after the window has closed.
    check_refund(args, ctx)
    refund = ctx.shop.refund(ctx.key, args.order_id, args.amount_usd, args.reason)
    return {"refund": refund}


def escalate(args: EscalateArgs, ctx: ToolContext) -> dict[str, Any]:
    return {"escalation": ctx.shop.escalate(ctx.key, args.reason, args.priority)}


TOOLS: dict[str, Tool] = {
    tool.name: tool
    for tool in (
        Tool("search_kb", "Search the help-centre articles.", SearchKBArgs, search_kb),
        Tool(
            "lookup_order",
            "Look up an order by its number.",
            LookupOrderArgs,
            lookup_order,
            decision_args=("order_id",),
        ),
        Tool(
            "lookup_customer",
            "Look up a customer and their orders by email.",
            LookupCustomerArgs,
            lookup_customer,
            decision_args=("email",),
        ),
        Tool(
            "draft_reply",
            "Draft the reply to the customer (a person sends it). Call it last.",
            DraftReplyArgs,
            draft_reply,
        ),
        Tool(
            "issue_refund",
            "Refund a delivered order inside the refund window. A human approves it before it "
            "executes.",
            IssueRefundArgs,
            issue_refund,
            requires_approval=True,
            precheck=check_refund,
            decision_args=("order_id", "amount_usd"),
        ),
        Tool(
            "escalate",
            "Hand the ticket to a human team lead (legal, safety, large refunds, abuse).",
            EscalateArgs,
            escalate,
            decision_args=("priority",),
        ),
    )
}


@dataclass
class ToolResult:
    ok: bool
    content: dict[str, Any]
    attempts: int = 1

    def as_text(self) -> str:
        return json.dumps(self.content, default=str)


def parse_arguments(raw: str | dict[str, Any] | None) -> dict[str, Any]:
    """Providers send a JSON string (OpenAI) or an object (Anthropic); both end up a dict."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, dict):
        return raw
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("tool arguments must be a JSON object")
    return value


def validate_call(name: str, raw: str | dict[str, Any] | None) -> tuple[Tool, _Args] | ToolResult:
    """The tool and its parsed arguments, or an error result to send back to the model."""
    tool = TOOLS.get(name)
    if tool is None:
        return ToolResult(False, {"error": f"unknown tool {name!r}", "tools": sorted(TOOLS)})
    try:
        return tool, tool.args_model.model_validate(parse_arguments(raw))
    except (ValueError, ValidationError) as exc:
        errors = (
            [
                {"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
                for e in exc.errors(include_url=False, include_input=False)
            ]
            if isinstance(exc, ValidationError)
            else [{"field": "", "problem": f"invalid JSON: {exc}"}]
        )
        return ToolResult(False, {"error": f"invalid arguments for {name}", "details": errors})


# Tools run in a pool so a stuck call can be abandoned after TOOL_TIMEOUT_SECONDS; the thread
# itself cannot be killed, which is why every tool here is short and bounded.
_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="tool")


def execute(
    tool: Tool, args: _Args, ctx: ToolContext, *, timeout: float, max_retries: int
) -> ToolResult:
    """Run a tool with a timeout; retry transient failures and timeouts with backoff.

    Retrying a side-effecting tool is safe because its effect is keyed by `ctx.key`.
    """
    attempt = 0
    while True:
        attempt += 1
        future = _POOL.submit(tool.fn, args, ctx)
        try:
            return ToolResult(True, future.result(timeout=timeout), attempt)
        except (TransientToolError, FutureTimeout) as exc:
            reason = "timed out" if isinstance(exc, FutureTimeout) else str(exc)
            if attempt > max_retries:
                message = f"{tool.name} failed after {attempt} attempts: {reason}"
                return ToolResult(False, {"error": message}, attempt)
            time.sleep(min(0.05 * 2**attempt, 1.0))
        except ToolError as exc:
            return ToolResult(False, {"error": str(exc)}, attempt)


def tool_specs() -> list[Tool]:
    return list(TOOLS.values())
