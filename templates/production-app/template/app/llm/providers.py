"""LLM providers behind one interface: offline (extractive), OpenAI, Anthropic, OpenAI-compatible.

Every SDK call passes an explicit timeout, every client sets max_retries (the SDKs back off on
429 and 5xx), and every call is a Langfuse generation with model, route, tokens and cost.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Protocol

from langfuse import observe

from app.core.config import Settings
from app.core.costs import cost_usd
from app.core.tracing import get_langfuse
from app.llm.prompts import SYSTEM_PROMPT


class LLMError(Exception):
    """The provider could not answer; the API maps it to 503."""


class LLMTimeout(LLMError):
    """The provider did not answer in time; the API maps it to 504."""


class LLMRateLimited(LLMError):
    """The provider kept answering 429 after the SDK's retries; 503 with Retry-After."""


@dataclass
class Completion:
    text: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def cost_usd(self) -> float:
        return cost_usd(self.model, self.input_tokens, self.output_tokens)


Messages = list[dict[str, str]]


class Provider(Protocol):
    name: str

    def complete(self, messages: Messages, model: str, route: str) -> Completion: ...


def _trace_generation(completion: Completion, route: str) -> None:
    get_langfuse().update_current_generation(
        model=completion.model,
        usage_details={"input": completion.input_tokens, "output": completion.output_tokens},
        cost_details={"total": completion.cost_usd},
        output=completion.text,
        metadata={"route": route},
    )


_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[a-zA-Z']{3,}")
_STOP = set(
    [
        "the",
        "and",
        "for",
        "that",
        "with",
        "this",
        "from",
        "are",
        "was",
        "were",
        "have",
        "has",
        "had",
        "not",
        "but",
        "you",
        "your",
        "our",
        "their",
        "its",
        "they",
        "them",
        "she",
        "his",
        "her",
        "him",
        "who",
        "what",
        "when",
        "where",
        "which",
        "will",
        "would",
        "could",
        "should",
        "can",
        "into",
        "about",
        "than",
        "then",
        "there",
        "these",
        "those",
        "also",
        "just",
        "very",
        "been",
        "being",
        "more",
        "most",
        "such",
    ]
)


def estimate_tokens(text: str) -> int:
    """~4 characters a token: the offline provider reports usage in the same unit as models."""
    return max(1, len(text) // 4)


class OfflineProvider:
    """No language model: picks the user's own most central sentences, labelled as such.

    Deterministic and honest — it never invents text — so the app, its tests, the eval and the
    load test run with no key. The strong route keeps more sentences than the cheap one.
    """

    name = "offline"
    label = "Offline mode (no LLM), extractive:"

    @observe(as_type="generation", name="llm.offline")
    def complete(self, messages: Messages, model: str, route: str) -> Completion:
        text = messages[-1]["content"]
        body = text.split("<text>\n", 1)[-1].rsplit("\n</text>", 1)[0]
        bullets = "key points" in text.split("\n", 1)[0]
        answer = self._extract(body, 3 if route == "strong" else 2, bullets)
        prompt = SYSTEM_PROMPT + "".join(m["content"] for m in messages)
        completion = Completion(answer, model, estimate_tokens(prompt), estimate_tokens(answer))
        _trace_generation(completion, route)
        return completion

    def _extract(self, text: str, keep: int, bullets: bool) -> str:
        sentences = [s.strip() for s in _SENTENCES.split(text) if len(s.split()) >= 3]
        if not sentences:
            return f"{self.label} {' '.join(text.split())[:300]}"
        freq = Counter(w for w in _WORD.findall(text.lower()) if w not in _STOP)

        def score(sentence: str) -> float:
            words = [w for w in _WORD.findall(sentence.lower()) if w not in _STOP]
            return sum(freq[w] for w in words) / (len(words) + 1) if words else 0.0

        ranked = sorted(range(len(sentences)), key=lambda i: (-score(sentences[i]), i))
        picked = [sentences[i] for i in sorted(ranked[:keep])]
        if bullets:
            return self.label + "\n" + "\n".join(f"- {s}" for s in picked)
        return f"{self.label} " + " ".join(picked)


class OpenAIProvider:
    """OpenAI, or any OpenAI-compatible server (Ollama, vLLM, LM Studio) via LLM_BASE_URL."""

    name = "openai"

    def __init__(self, settings: Settings) -> None:
        import openai

        self._errors = openai
        key = settings.LLM_API_KEY.get_secret_value() if settings.LLM_API_KEY else "not-needed"
        self.timeout = settings.LLM_TIMEOUT_SECONDS
        self.max_tokens = settings.LLM_MAX_OUTPUT_TOKENS
        self.temperature = settings.LLM_TEMPERATURE
        self.client = openai.OpenAI(
            api_key=key,
            base_url=settings.LLM_BASE_URL,
            timeout=settings.LLM_TIMEOUT_SECONDS,
            max_retries=settings.LLM_MAX_RETRIES,
        )

    @observe(as_type="generation", name="llm.openai")
    def complete(self, messages: Messages, model: str, route: str) -> Completion:
        system = {"role": "system", "content": SYSTEM_PROMPT}
        with _ErrorMap(self._errors, "openai"):
            response = self.client.chat.completions.create(
                model=model,
                messages=[system, *messages],  # type: ignore[list-item]
                max_tokens=self.max_tokens,
                temperature=self.temperature,
                timeout=self.timeout,
            )
        usage = response.usage
        completion = Completion(
            response.choices[0].message.content or "",
            response.model or model,
            usage.prompt_tokens if usage else 0,
            usage.completion_tokens if usage else 0,
        )
        _trace_generation(completion, route)
        return completion


class AnthropicProvider:
    name = "anthropic"

    def __init__(self, settings: Settings) -> None:
        import anthropic

        self._errors = anthropic
        key = settings.LLM_API_KEY.get_secret_value() if settings.LLM_API_KEY else None
        self.timeout = settings.LLM_TIMEOUT_SECONDS
        self.max_tokens = settings.LLM_MAX_OUTPUT_TOKENS
        self.client = anthropic.Anthropic(
            api_key=key,
            base_url=settings.LLM_BASE_URL,
            timeout=settings.LLM_TIMEOUT_SECONDS,
            max_retries=settings.LLM_MAX_RETRIES,
        )

    @observe(as_type="generation", name="llm.anthropic")
    def complete(self, messages: Messages, model: str, route: str) -> Completion:
        with _ErrorMap(self._errors, "anthropic"):
            response = self.client.messages.create(
                model=model,
                system=SYSTEM_PROMPT,
                messages=messages,  # type: ignore[arg-type]
                max_tokens=self.max_tokens,
                timeout=self.timeout,
            )
        text = "".join(block.text for block in response.content if block.type == "text")
        completion = Completion(
            text, response.model, response.usage.input_tokens, response.usage.output_tokens
        )
        _trace_generation(completion, route)
        return completion


class _ErrorMap:
    """Turn SDK exceptions (after the SDK's own retries) into LLMTimeout / LLMRateLimited /
    LLMError; both SDKs name these classes the same."""

    def __init__(self, sdk: Any, name: str) -> None:
        self.sdk = sdk
        self.base = sdk.OpenAIError if name == "openai" else sdk.AnthropicError

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        if exc is None:
            return False
        if isinstance(exc, self.sdk.APITimeoutError):
            raise LLMTimeout(f"LLM provider timed out: {exc}") from exc
        if isinstance(exc, self.sdk.RateLimitError):
            raise LLMRateLimited(f"LLM provider rate-limited: {exc}") from exc
        if isinstance(exc, self.base):
            raise LLMError(f"LLM provider failed: {type(exc).__name__}: {exc}") from exc
        return False


def build_provider(settings: Settings) -> Provider:
    if settings.LLM_PROVIDER == "offline":
        return OfflineProvider()
    if settings.LLM_PROVIDER == "anthropic":
        return AnthropicProvider(settings)
    if settings.LLM_PROVIDER == "openai-compatible" and not settings.LLM_BASE_URL:
        raise ValueError("LLM_PROVIDER=openai-compatible needs LLM_BASE_URL")
    return OpenAIProvider(settings)
