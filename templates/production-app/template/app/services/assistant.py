"""The request pipeline: limits -> screening -> routing -> cache -> provider -> validation ->
ledger. Every step shows in the trace, the ledger row and the Prometheus series."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import asdict, dataclass
from typing import Any

from langfuse import observe, propagate_attributes
from sqlalchemy import select

from app.core.config import Settings
from app.core.db import session_scope
from app.core.kv import KV
from app.core.metrics import CACHE_HITS, CACHE_MISSES, LLM_COST, LLM_REQUESTS, LLM_TOKENS
from app.core.tracing import get_langfuse
from app.guardrails import screen_input, validate_output
from app.llm.prompts import user_message
from app.llm.providers import Completion, Provider
from app.llm.router import Decision, route
from app.models import Conversation, Message, Usage
from app.services.limits import Limits

logger = logging.getLogger(__name__)


class NotFound(Exception):
    """A conversation or job that does not exist or belongs to someone else (404)."""


@dataclass
class CurrentUser:
    id: int
    email: str
    daily_budget_usd: float


@dataclass
class Answer:
    conversation_id: int
    message_id: int
    reply: str
    model: str
    route: str
    route_reason: str
    cached: bool
    input_tokens: int
    output_tokens: int
    cost_usd: float
    latency_ms: float
    trace_id: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def normalise(text: str) -> str:
    """Cache-key form: case and whitespace differences do not make a new entry."""
    return " ".join(text.lower().split())


class Assistant:
    def __init__(self, settings: Settings, kv: KV, provider: Provider) -> None:
        self.settings = settings
        self.kv = kv
        self.provider = provider
        self.limits = Limits(kv, settings.RATE_LIMIT_PER_MINUTE)

    def admit(self, user: CurrentUser, text: str) -> str:
        """Rate limit, budget and input screening; returns the redacted text."""
        self.limits.check_rate(user.id)
        self.limits.check_budget(user.id, user.daily_budget_usd)
        screened = screen_input(text, self.settings.PII_MODE)
        if screened.redactions:
            logger.info("pii redacted", extra={"kinds": screened.redactions, "text": screened.text})
        return screened.text

    def answer(
        self, user: CurrentUser, task: str, text: str, conversation_id: int | None = None
    ) -> Answer:
        redacted = self.admit(user, text)
        return self.answer_screened(user, task, redacted, conversation_id)

    def answer_screened(
        self, user: CurrentUser, task: str, text: str, conversation_id: int | None
    ) -> Answer:
        start = time.perf_counter()
        history = self._history(user, conversation_id)
        decision = route(
            task,
            text,
            cheap_model=self.settings.llm_model,
            strong_model=self.settings.strong_model,
            long_input_chars=self.settings.ROUTER_LONG_INPUT_CHARS,
        )
        if self.settings.tracing_enabled:
            session = str(conversation_id) if conversation_id else None
            with propagate_attributes(
                user_id=str(user.id), session_id=session, tags=[decision.route]
            ):
                completion, cached, trace_id = self._generate(task, text, history, decision)
        else:  # propagation costs ~0.1 ms a request for spans nobody records
            completion, cached, trace_id = self._generate(task, text, history, decision)
        reply = validate_output(
            completion.text, completion.model, decision.route, self.settings.MAX_OUTPUT_CHARS
        )
        cost = 0.0 if cached else completion.cost_usd
        latency_ms = (time.perf_counter() - start) * 1000
        conv_id, message_id = self._store(
            user, conversation_id, task, text, reply.text, completion, decision, cached, cost,
            latency_ms, trace_id,
        )  # fmt: skip
        self.limits.add_spend(user.id, cost)
        LLM_REQUESTS.labels(completion.model, decision.route).inc()
        if not cached:
            LLM_TOKENS.labels(completion.model, "input").inc(completion.input_tokens)
            LLM_TOKENS.labels(completion.model, "output").inc(completion.output_tokens)
            LLM_COST.labels(completion.model).inc(cost)
        return Answer(
            conv_id, message_id, reply.text, completion.model, decision.route, decision.reason,
            cached, completion.input_tokens, completion.output_tokens, cost,
            round(latency_ms, 2), trace_id,
        )  # fmt: skip

    # The trace root. Input is captured after redaction only (capture_input=False + update).
    @observe(name="assistant.answer", capture_input=False)
    def _generate(
        self, task: str, text: str, history: list[dict[str, str]], decision: Decision
    ) -> tuple[Completion, bool, str | None]:
        langfuse = get_langfuse()
        messages = [*history, {"role": "user", "content": user_message(task, text)}]
        key = self._cache_key(task, messages, decision.model)
        hit = self.kv.get(key) if self.settings.CACHE_TTL_SECONDS else None
        if hit is not None:
            CACHE_HITS.inc()
            completion = Completion(**json.loads(hit))
        else:
            CACHE_MISSES.inc()
            completion = self.provider.complete(messages, decision.model, decision.route)
            if self.settings.CACHE_TTL_SECONDS:
                self.kv.set(key, json.dumps(asdict(completion)), self.settings.CACHE_TTL_SECONDS)
        langfuse.update_current_span(
            input={"task": task, "text": text},
            output=completion.text,
            metadata={"route": decision.route, "route_reason": decision.reason,
                      "model": decision.model, "cache_hit": hit is not None,
                      "cost_usd": 0.0 if hit is not None else completion.cost_usd},
        )  # fmt: skip
        return completion, hit is not None, langfuse.get_current_trace_id()

    def _cache_key(self, task: str, messages: list[dict[str, str]], model: str) -> str:
        canonical = json.dumps(
            [model, task, [(m["role"], normalise(m["content"])) for m in messages]]
        )
        return "cache:" + hashlib.sha256(canonical.encode()).hexdigest()

    def _history(self, user: CurrentUser, conversation_id: int | None) -> list[dict[str, str]]:
        if conversation_id is None or self.settings.HISTORY_TURNS == 0:
            if conversation_id is not None:
                self._conversation(user, conversation_id)
            return []
        with session_scope() as session:
            self._conversation(user, conversation_id, session)
            rows = session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation_id)
                .order_by(Message.id.desc())
                .limit(self.settings.HISTORY_TURNS * 2)
            ).all()
        return [{"role": m.role, "content": m.content} for m in reversed(rows)]

    def _conversation(self, user: CurrentUser, conversation_id: int, session: Any = None) -> None:
        if session is None:
            with session_scope() as own:
                return self._conversation(user, conversation_id, own)
        conversation = session.get(Conversation, conversation_id)
        if conversation is None or conversation.user_id != user.id:
            raise NotFound("conversation not found")
        return None

    def _store(
        self, user: CurrentUser, conversation_id: int | None, task: str, text: str, reply: str,
        completion: Completion, decision: Decision, cached: bool, cost: float, latency_ms: float,
        trace_id: str | None,
    ) -> tuple[int, int]:  # fmt: skip
        with session_scope() as session:
            if conversation_id is None:
                conversation = Conversation(user_id=user.id, title=text[:80])
                session.add(conversation)
                session.flush()
                conversation_id = conversation.id
            session.add(Message(conversation_id=conversation_id, role="user", content=text))
            message = Message(
                conversation_id=conversation_id, role="assistant", content=reply,
                model=completion.model, route=decision.route, trace_id=trace_id,
            )  # fmt: skip
            session.add(message)
            session.add(
                Usage(
                    user_id=user.id,
                    model=completion.model,
                    route=decision.route,
                    input_tokens=completion.input_tokens,
                    output_tokens=completion.output_tokens,
                    cost_usd=cost,
                    cached=cached,
                    latency_ms=latency_ms,
                )
            )
            session.flush()
            return conversation_id, message.id
