"""What every policy (offline rules or a model) returns, and how its call is traced."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from app.core.costs import cost_usd
from app.core.tracing import get_langfuse


class LLMError(Exception):
    """The provider could not answer (after the SDK's own retries); the run fails cleanly."""


class LLMTimeout(LLMError):
    """The provider did not answer within LLM_TIMEOUT_SECONDS."""


@dataclass
class ToolCallRequest:
    id: str
    name: str
    # As the provider sent it: a JSON string (OpenAI, possibly malformed) or an object.
    arguments: str | dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "arguments": self.arguments}


@dataclass
class Decision:
    text: str
    tool_calls: list[ToolCallRequest] = field(default_factory=list)
    model: str = ""
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def cost_usd(self) -> float:
        return cost_usd(self.model, self.input_tokens, self.output_tokens)


class Policy(Protocol):
    model: str

    def decide(self, ticket: str, messages: list[dict[str, Any]]) -> Decision: ...


def trace_decision(decision: Decision) -> None:
    """Fill the current Langfuse generation with model, usage and cost."""
    get_langfuse().update_current_generation(
        model=decision.model,
        usage_details={"input": decision.input_tokens, "output": decision.output_tokens},
        cost_details={"total": decision.cost_usd},
        output={"text": decision.text, "tool_calls": [c.to_dict() for c in decision.tool_calls]},
    )
