"""The offline policy: deterministic rules that pick tools from the ticket text. Not a model.

It exists so the whole flow (tools, approvals, budgets, the eval) runs on a fresh clone with no
key, and it says so in every answer. It reads the same transcript a model would and emits the
same tool calls, so everything downstream of the policy is exercised unchanged.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from langfuse import observe

from app.agent.policy_types import Decision, ToolCallRequest, trace_decision

LABEL = "[offline rule-based policy, no LLM]"
_ORDER = re.compile(r"(?:order|#)\s*(?:number|no\.?|id)?\s*#?\s*(\d{4,8})\b", re.IGNORECASE)
_NUMBER = re.compile(r"\b(\d{4,8})\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}")

# (category, trigger phrases) in priority order: the first match decides.
CATEGORIES: list[tuple[str, tuple[str, ...]]] = [
    ("legal", ("lawyer", "legal action", "sue ", "court", "attorney")),
    ("chargeback", ("chargeback", "dispute the charge", "fraud")),
    ("safety", ("fire", "smoke", "burn", "injur", "electric shock", "unsafe")),
    ("duplicate charge", ("charged twice", "double charge", "duplicate charge", "billed twice")),
    ("damaged item", ("damaged", "broken", "cracked", "shattered", "arrived dented")),
    ("defective item", ("defective", "stopped working", "doesn't work", "does not work")),
    ("wrong item", ("wrong item", "wrong size", "wrong colour", "wrong color", "not what i")),
    ("refund request", ("refund", "money back")),
    ("shipping", ("where is", "tracking", "not arrived", "hasn't arrived", "late", "delivery")),
    ("account", ("password", "log in", "login", "sign in", "locked out", "account")),
    ("warranty", ("warranty", "guarantee")),
    ("returns", ("return", "send it back", "exchange")),
    ("cancel", ("cancel", "change my order")),
]
ESCALATE = {"legal": "urgent", "chargeback": "high", "safety": "urgent"}
REFUND = {"duplicate charge", "damaged item", "defective item", "wrong item", "refund request"}
KB_QUERY = {
    "shipping": "shipping tracking",
    "account": "password reset login",
    "warranty": "warranty claim",
    "returns": "return label",
    "cancel": "cancel order processing",
    "general": "contact hours",
}


@dataclass
class Ticket:
    category: str
    order_id: str | None
    email: str | None


def classify(text: str) -> Ticket:
    lowered = f" {text.lower()} "
    category = next(
        (name for name, cues in CATEGORIES if any(cue in lowered for cue in cues)), "general"
    )
    match = _ORDER.search(text) or _NUMBER.search(text)
    email = _EMAIL.search(text)
    return Ticket(category, match.group(1) if match else None, email.group(0) if email else None)


def _results(messages: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Tool results so far, by tool name (parsed JSON, with is_error)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for message in messages:
        if message["role"] == "tool":
            try:
                content = json.loads(message["content"])
            except ValueError:
                content = {"error": message["content"]}
            content["is_error"] = message.get("is_error", False)
            out.setdefault(message["name"], []).append(content)
    return out


class OfflinePolicy:
    model = "offline-policy"

    def __init__(self, refund_limit_usd: float) -> None:
        self.refund_limit_usd = refund_limit_usd

    @observe(as_type="generation", name="policy.offline")
    def decide(self, ticket: str, messages: list[dict[str, Any]]) -> Decision:
        decision = self._decide(ticket, messages)
        trace_decision(decision)
        return decision

    def _decide(self, ticket: str, messages: list[dict[str, Any]]) -> Decision:
        info = classify(ticket)
        done = _results(messages)
        step = sum(1 for m in messages if m["role"] == "assistant")

        def call(name: str, **args: Any) -> Decision:
            return Decision(
                f"{LABEL} {info.category}: calling {name}",
                [ToolCallRequest(f"call_{step}_{name}", name, args)],
                self.model,
            )

        if "draft_reply" in done:
            return Decision(f"{LABEL} {info.category}: reply drafted, done.", [], self.model)
        if info.category in ESCALATE:
            if "escalate" not in done:
                return call("escalate", reason=info.category, priority=ESCALATE[info.category])
            return call("draft_reply", **_reply(info, "escalated"))
        if info.category in REFUND:
            return self._refund(info, done, call)
        if info.order_id and "lookup_order" not in done and info.category in ("shipping", "cancel"):
            return call("lookup_order", order_id=info.order_id)
        if "search_kb" not in done:
            return call("search_kb", query=KB_QUERY.get(info.category, KB_QUERY["general"]))
        return call("draft_reply", **_reply(info, "answered", done))

    def _refund(self, info: Ticket, done: dict[str, list[dict[str, Any]]], call: Any) -> Decision:
        if "issue_refund" in done:
            result = done["issue_refund"][-1]
            if not result["is_error"]:
                return call("draft_reply", **_reply(info, "refunded"))
            if "comment" in result:  # a person rejected it
                return call("draft_reply", **_reply(info, "refund_rejected"))
            # The tool refused (e.g. the window closed while the refund waited for approval).
            return call("draft_reply", **_reply(info, "refund_refused", error=result["error"]))
        if "escalate" in done:
            return call("draft_reply", **_reply(info, "escalated"))
        if not info.order_id:
            if info.email and "lookup_customer" not in done:
                return call("lookup_customer", email=info.email)
            return call("draft_reply", **_reply(info, "need_order_number"))
        if "lookup_order" not in done:
            return call("lookup_order", order_id=info.order_id)
        found = done["lookup_order"][-1]
        if found["is_error"]:
            return call("draft_reply", **_reply(info, "order_not_found"))
        order = found["order"]
        remaining = round(order["total_usd"] - order["refunded_usd"], 2)
        if order["status"] != "delivered" or remaining <= 0:
            return call("draft_reply", **_reply(info, "not_eligible", order=order))
        # A lookup checkpointed before the window existed has none: the refund tool still checks.
        if not order.get("refund_window", {"open": True})["open"]:
            return call("draft_reply", **_reply(info, "outside_window", order=order))
        if remaining > self.refund_limit_usd:
            return call("escalate", reason="refund above limit", priority="high")
        return call(
            "issue_refund", order_id=order["id"], amount_usd=remaining, reason=info.category
        )


REPLIES = {
    "escalated": "I have passed your ticket to a team lead, who will contact you shortly.",
    "refunded": "Your refund has been issued; it reaches your original payment method "
    "within 5 business days.",
    "refund_rejected": "We could not approve an automatic refund; a colleague will review "
    "your order and get back to you.",
    "need_order_number": "Could you send us your order number so we can look into it?",
    "order_not_found": "We could not find that order number; could you double-check it?",
}


def _reply(
    info: Ticket, case: str, done: Any = None, order: Any = None, error: str = ""
) -> dict[str, str]:
    if case == "outside_window" and order:
        window = order["refund_window"]
        body = (
            f"Your order {order['id']} ({order['item']}) was placed on {order['placed_on']}, "
            f"{window['days_since_order']} days ago. That is outside our {window['days']}-day "
            f"refund window, which closed on {window['ends_on']}, so we cannot refund it. "
            "If the item is faulty it may still be covered by its warranty: reply to this "
            "message and we will help with a warranty claim."
        )
    elif case == "refund_refused":
        body = f"We could not issue the refund: {error}. A colleague can answer any questions."
    elif case == "not_eligible" and order and order["refunded_usd"] >= order["total_usd"]:
        # "It can be refunded once delivered" told customers already refunded to wait.
        body = (
            f"Your order {order['id']} has already been refunded in full "
            f"(${order['refunded_usd']:.2f}); it reaches your original payment method within "
            "5 business days."
        )
    elif case == "not_eligible" and order:
        window = order.get("refund_window")
        within = f"within {window['days']} days of the order" if window else "in its window"
        body = (
            f"Your order {order['id']} is {order['status']}; it can be refunded once it "
            f"has been delivered, {within}."
        )
    elif case == "answered" and done:
        articles = done["search_kb"][-1].get("articles", [])
        body = articles[0]["text"] if articles else "A colleague will follow up shortly."
    else:
        body = REPLIES.get(case, "A colleague will follow up shortly.")
    # "refund request" is a category too: never "your refund request request".
    topic = info.category if info.category.endswith("request") else f"{info.category} request"
    return {"subject": f"Re: your {topic}", "body": f"Hello,\n\n{body}"}
