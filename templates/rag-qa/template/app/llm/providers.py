"""LLM providers behind one interface: offline (extractive), OpenAI, Anthropic, OpenAI-compatible.

Every SDK call passes an explicit timeout, every client sets max_retries (the SDKs back off on
429 and 5xx), and every call is a Langfuse generation with model, token usage and cost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from langfuse import observe

from app.core.config import Settings
from app.core.costs import cost_usd
from app.core.tracing import get_langfuse
from app.llm.prompts import NO_ANSWER, SYSTEM_PROMPT, Source, user_prompt


class LLMError(Exception):
    """The provider could not answer; the API maps it to 503."""


class LLMTimeout(LLMError):
    """The provider did not answer in time; the API maps it to 504."""


@dataclass
class Completion:
    text: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def cost_usd(self) -> float:
        return cost_usd(self.model, self.input_tokens, self.output_tokens)


class Provider(Protocol):
    model: str

    def generate(self, question: str, sources: Sequence[Source]) -> Completion: ...

    def stream(self, question: str, sources: Sequence[Source], out: Completion) -> Iterator[str]:
        """Yield text deltas; fill `out` (text, usage) when the stream ends."""
        ...


def _trace_generation(completion: Completion, sources: Sequence[Source]) -> None:
    get_langfuse().update_current_generation(
        model=completion.model,
        usage_details={"input": completion.input_tokens, "output": completion.output_tokens},
        cost_details={"total": completion.cost_usd},
        output=completion.text,
        metadata={"source_chunk_ids": [s.chunk_id for s in sources]},
    )


# Sentence ends, or blank lines; single newlines are just wrapped lines.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n\s*\n")


class OfflineProvider:
    """No language model: quotes the source sentences closest to the question.

    Sentences are ranked by embedding similarity to the question (the retrieval model, already
    loaded), so the answer is honest by construction: labelled extractive, only source text.
    """

    model = "offline-extractive"
    label = "Extractive answer (offline mode, no LLM):"

    def __init__(self, embed: Callable[[list[str]], Any], max_sentences: int = 2) -> None:
        self.embed = embed
        self.max_sentences = max_sentences

    @observe(as_type="generation", name="llm.offline")
    def generate(self, question: str, sources: Sequence[Source]) -> Completion:
        completion = Completion(self._answer(question, sources), self.model)
        _trace_generation(completion, sources)
        return completion

    def stream(self, question: str, sources: Sequence[Source], out: Completion) -> Iterator[str]:
        result = self.generate(question, sources)
        out.text, out.model = result.text, result.model
        yield from re.findall(r"\S+\s*", result.text)

    def _answer(self, question: str, sources: Sequence[Source]) -> str:
        candidates = [
            (rank, pos, " ".join(raw.split()))
            for rank, source in enumerate(sources)
            for pos, raw in enumerate(_SENTENCE_END.split(source.text))
            if len(raw.split()) >= 3
        ]
        # Overlapping chunks repeat sentences: keep each once, from its best-ranked source.
        seen: set[str] = set()
        candidates = [c for c in candidates if not (c[2] in seen or seen.add(c[2]))][:80]
        if not candidates:
            return NO_ANSWER
        vectors = self.embed([question] + [c[2] for c in candidates])
        similarity = vectors[1:] @ vectors[0]
        # Retrieval already ordered the sources: a small penalty per rank breaks near-ties.
        scored = sorted(
            ((float(sim) - 0.02 * c[0], c) for sim, c in zip(similarity, candidates, strict=True)),
            key=lambda item: -item[0],
        )
        best_score = scored[0][0]
        picked = [c for score, c in scored[: self.max_sentences] if score >= best_score - 0.1]
        picked.sort(key=lambda c: (c[0], c[1]))
        parts = [f"{sentence} [{sources[rank].number}]" for rank, _, sentence in picked]
        return f"{self.label} " + " ".join(parts)


def _messages(question: str, sources: Sequence[Source]) -> list[dict[str, str]]:
    return [{"role": "user", "content": user_prompt(question, sources)}]


class OpenAIProvider:
    """OpenAI, or any OpenAI-compatible server (Ollama, vLLM, LM Studio) via LLM_BASE_URL."""

    def __init__(self, settings: Settings) -> None:
        import openai

        self._errors = openai
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

    def _request(self, question: str, sources: Sequence[Source]) -> dict[str, Any]:
        system = {"role": "system", "content": SYSTEM_PROMPT}
        return {
            "model": self.model,
            "messages": [system, *_messages(question, sources)],
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
        }

    @observe(as_type="generation", name="llm.openai")
    def generate(self, question: str, sources: Sequence[Source]) -> Completion:
        with self._mapped_errors():
            response = self.client.chat.completions.create(
                **self._request(question, sources), timeout=self.timeout
            )
        usage = response.usage
        completion = Completion(
            response.choices[0].message.content or "",
            response.model or self.model,
            usage.prompt_tokens if usage else 0,
            usage.completion_tokens if usage else 0,
        )
        _trace_generation(completion, sources)
        return completion

    @observe(as_type="generation", name="llm.openai.stream")
    def stream(self, question: str, sources: Sequence[Source], out: Completion) -> Iterator[str]:
        out.model = self.model
        with self._mapped_errors():
            events = self.client.chat.completions.create(
                **self._request(question, sources),
                stream=True,
                stream_options={"include_usage": True},
                timeout=self.timeout,
            )
            for event in events:
                if event.usage:
                    out.input_tokens = event.usage.prompt_tokens
                    out.output_tokens = event.usage.completion_tokens
                if event.choices and event.choices[0].delta.content:
                    delta = event.choices[0].delta.content
                    out.text += delta
                    yield delta
        _trace_generation(out, sources)

    def _mapped_errors(self) -> _ErrorMap:
        return _ErrorMap(self._errors.APITimeoutError, self._errors.OpenAIError)


class AnthropicProvider:
    def __init__(self, settings: Settings) -> None:
        import anthropic

        self._errors = anthropic
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

    def _request(self, question: str, sources: Sequence[Source]) -> dict[str, Any]:
        return {
            "model": self.model,
            "system": SYSTEM_PROMPT,
            "messages": _messages(question, sources),
            "max_tokens": self.max_tokens,
            # anthropic 2.x's messages.create no longer takes `temperature`.
        }

    @observe(as_type="generation", name="llm.anthropic")
    def generate(self, question: str, sources: Sequence[Source]) -> Completion:
        with self._mapped_errors():
            response = self.client.messages.create(
                **self._request(question, sources), timeout=self.timeout
            )
        text = "".join(block.text for block in response.content if block.type == "text")
        completion = Completion(
            text, response.model, response.usage.input_tokens, response.usage.output_tokens
        )
        _trace_generation(completion, sources)
        return completion

    @observe(as_type="generation", name="llm.anthropic.stream")
    def stream(self, question: str, sources: Sequence[Source], out: Completion) -> Iterator[str]:
        out.model = self.model
        with (
            self._mapped_errors(),
            self.client.messages.stream(
                **self._request(question, sources), timeout=self.timeout
            ) as events,
        ):
            for delta in events.text_stream:
                out.text += delta
                yield delta
            final = events.get_final_message()
            out.input_tokens = final.usage.input_tokens
            out.output_tokens = final.usage.output_tokens
        _trace_generation(out, sources)

    def _mapped_errors(self) -> _ErrorMap:
        return _ErrorMap(self._errors.APITimeoutError, self._errors.AnthropicError)


class _ErrorMap:
    """Turn SDK exceptions (after the SDK's own retries) into LLMTimeout / LLMError."""

    def __init__(self, timeout_error: type[Exception], base_error: type[Exception]) -> None:
        self.timeout_error = timeout_error
        self.base_error = base_error

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        if exc is None:
            return False
        if isinstance(exc, self.timeout_error):
            raise LLMTimeout(f"LLM provider timed out: {exc}") from exc
        if isinstance(exc, self.base_error):
            raise LLMError(f"LLM provider failed: {type(exc).__name__}: {exc}") from exc
        return False


def build_provider(settings: Settings, embed: Callable[[list[str]], Any]) -> Provider:
    if settings.LLM_PROVIDER == "offline":
        return OfflineProvider(embed)
    if settings.LLM_PROVIDER == "anthropic":
        return AnthropicProvider(settings)
    if settings.LLM_PROVIDER == "openai-compatible" and not settings.LLM_BASE_URL:
        raise ValueError("LLM_PROVIDER=openai-compatible needs LLM_BASE_URL")
    return OpenAIProvider(settings)
