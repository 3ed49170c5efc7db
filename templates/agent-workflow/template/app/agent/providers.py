"""Model-backed policies using native tool calling through the official SDKs.

The transcript is kept provider-neutral in the run state (role user / assistant with tool_calls /
tool) and translated here, so a run checkpointed under one provider could continue under another.
Every call passes an explicit timeout, every client sets max_retries (the SDKs back off on 429 and
5xx), and every call is a Langfuse generation with model, usage and cost.
"""

from __future__ import annotations

import json
from typing import Any

from langfuse import observe

from app.agent.offline import OfflinePolicy
from app.agent.policy_types import Decision, LLMError, LLMTimeout, Policy, ToolCallRequest
from app.agent.policy_types import trace_decision as _trace
from app.agent.prompts import SYSTEM_PROMPT, ticket_message
from app.agent.tools import tool_specs
from app.core.config import Settings


def _arguments_text(arguments: str | dict[str, Any]) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


def _arguments_object(arguments: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(arguments, dict):
        return arguments
    try:
        value = json.loads(arguments)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class OpenAIPolicy:
    """OpenAI, or any OpenAI-compatible server (Ollama, vLLM, LM Studio) via LLM_BASE_URL."""

    def __init__(self, settings: Settings) -> None:
        import openai

        self._sdk = openai
        key = settings.LLM_API_KEY.get_secret_value() if settings.LLM_API_KEY else "not-needed"
        self.model = settings.llm_model
        self.timeout = settings.LLM_TIMEOUT_SECONDS
        self.max_tokens = settings.LLM_MAX_OUTPUT_TOKENS
        self.temperature = settings.LLM_TEMPERATURE
        self.client = openai.OpenAI(
            api_key=key,
            base_url=settings.LLM_BASE_URL,
            timeout=settings.LLM_TIMEOUT_SECONDS,
            max_retries=settings.LLM_MAX_RETRIES,
        )
        self.tools = [
            {
                "type": "function",
                "function": {
                    "name": t.name,
                    "description": t.description,
                    "parameters": t.json_schema(),
                },
            }
            for t in tool_specs()
        ]

    def _messages(self, ticket: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": ticket_message(ticket)},
        ]
        for m in messages:
            if m["role"] == "assistant":
                entry: dict[str, Any] = {"role": "assistant", "content": m.get("content") or None}
                if m.get("tool_calls"):
                    entry["tool_calls"] = [
                        {
                            "id": c["id"],
                            "type": "function",
                            "function": {
                                "name": c["name"],
                                "arguments": _arguments_text(c["arguments"]),
                            },
                        }
                        for c in m["tool_calls"]
                    ]
                out.append(entry)
            elif m["role"] == "tool":
                out.append(
                    {"role": "tool", "tool_call_id": m["tool_call_id"], "content": m["content"]}
                )
        return out

    @observe(as_type="generation", name="policy.openai")
    def decide(self, ticket: str, messages: list[dict[str, Any]]) -> Decision:
        try:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=self._messages(ticket, messages),  # type: ignore[arg-type]
                tools=self.tools,  # type: ignore[arg-type]
                max_tokens=self.max_tokens,
                temperature=self.temperature,
                timeout=self.timeout,
            )
        except self._sdk.APITimeoutError as exc:
            raise LLMTimeout(f"provider timed out: {exc}") from exc
        except self._sdk.OpenAIError as exc:
            raise LLMError(f"provider failed: {type(exc).__name__}: {exc}") from exc
        if not response.choices:
            raise LLMError("provider returned no choices")
        message = response.choices[0].message
        calls = [
            ToolCallRequest(c.id, c.function.name, c.function.arguments or "")
            for c in message.tool_calls or []
            if c.type == "function"
        ]
        usage = response.usage
        decision = Decision(
            message.content or "",
            calls,
            response.model or self.model,
            usage.prompt_tokens if usage else 0,
            usage.completion_tokens if usage else 0,
        )
        _trace(decision)
        return decision


class AnthropicPolicy:
    def __init__(self, settings: Settings) -> None:
        import anthropic

        self._sdk = anthropic
        key = settings.LLM_API_KEY.get_secret_value() if settings.LLM_API_KEY else None
        self.model = settings.llm_model
        self.timeout = settings.LLM_TIMEOUT_SECONDS
        self.max_tokens = settings.LLM_MAX_OUTPUT_TOKENS
        self.client = anthropic.Anthropic(
            api_key=key,
            base_url=settings.LLM_BASE_URL,
            timeout=settings.LLM_TIMEOUT_SECONDS,
            max_retries=settings.LLM_MAX_RETRIES,
        )
        self.tools = [
            {"name": t.name, "description": t.description, "input_schema": t.json_schema()}
            for t in tool_specs()
        ]

    def _messages(self, ticket: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = [{"role": "user", "content": ticket_message(ticket)}]
        for m in messages:
            if m["role"] == "assistant":
                blocks: list[dict[str, Any]] = []
                if m.get("content"):
                    blocks.append({"type": "text", "text": m["content"]})
                blocks += [
                    {
                        "type": "tool_use",
                        "id": c["id"],
                        "name": c["name"],
                        "input": _arguments_object(c["arguments"]),
                    }
                    for c in m.get("tool_calls") or []
                ]
                out.append({"role": "assistant", "content": blocks})
            elif m["role"] == "tool":
                block = {
                    "type": "tool_result",
                    "tool_use_id": m["tool_call_id"],
                    "content": m["content"],
                    "is_error": bool(m.get("is_error")),
                }
                # All results of one assistant turn go back in a single user message.
                if out[-1]["role"] == "user" and isinstance(out[-1]["content"], list):
                    out[-1]["content"].append(block)
                else:
                    out.append({"role": "user", "content": [block]})
        return out

    @observe(as_type="generation", name="policy.anthropic")
    def decide(self, ticket: str, messages: list[dict[str, Any]]) -> Decision:
        try:
            response = self.client.messages.create(
                model=self.model,
                system=SYSTEM_PROMPT,
                messages=self._messages(ticket, messages),  # type: ignore[arg-type]
                tools=self.tools,  # type: ignore[arg-type]
                max_tokens=self.max_tokens,
                timeout=self.timeout,
            )
        except self._sdk.APITimeoutError as exc:
            raise LLMTimeout(f"provider timed out: {exc}") from exc
        except self._sdk.AnthropicError as exc:
            raise LLMError(f"provider failed: {type(exc).__name__}: {exc}") from exc
        text = "".join(b.text for b in response.content if b.type == "text")
        calls = [
            ToolCallRequest(b.id, b.name, b.input if isinstance(b.input, dict) else {})
            for b in response.content
            if b.type == "tool_use"
        ]
        decision = Decision(
            text, calls, response.model, response.usage.input_tokens, response.usage.output_tokens
        )
        _trace(decision)
        return decision


def build_policy(settings: Settings) -> Policy:
    if settings.LLM_PROVIDER == "offline":
        return OfflinePolicy(settings.REFUND_LIMIT_USD)
    if settings.LLM_PROVIDER == "anthropic":
        return AnthropicPolicy(settings)
    return OpenAIPolicy(settings)
