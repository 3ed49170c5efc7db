"""Input screening (prompt injection, PII) and output validation.

Pattern rules, not a classifier: cheap, deterministic, explainable in a 4xx, and testable. They
catch the common copy-paste attacks; a determined attacker needs more (see README "What didn't
work"), which is why the system prompt never carries user text and output is validated too.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from pydantic import BaseModel, Field, ValidationError, field_validator

from app.core.metrics import PII_REDACTIONS

_INJECTION = [
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(previous|prior|above|earlier|all|your)\b"
    r".{0,20}\b(instructions?|rules|prompts?|directions)",
    r"\b(reveal|print|show|repeat|leak)\b.{0,30}\b(system|hidden|initial)\s+(prompt|message|"
    r"instructions?)",
    r"\byou\s+are\s+now\s+(in\s+)?(dan|developer\s+mode|jailbroken|unrestricted)",
    r"\b(jailbreak|do\s+anything\s+now)\b",
    r"<\|?(im_start|system|endoftext)\|?>",
    r"^\s*#{2,}\s*(system|instruction)s?\b",
]
INJECTION_PATTERNS = [re.compile(p, re.IGNORECASE | re.MULTILINE | re.DOTALL) for p in _INJECTION]

# Order matters: cards before phones, so a card number is not half-eaten as a phone number.
PII_PATTERNS: dict[str, re.Pattern[str]] = {
    "EMAIL": re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"),
    "IBAN": re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,3})?\b"),
    "CARD": re.compile(r"\b(?:\d[ -]?){13,19}\b"),
    "SSN": re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),
    "PHONE": re.compile(r"(?<![\w+])\+?\d{1,3}?[ .-]?\(?\d{2,4}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}\b"),
}


def _luhn(number: str) -> bool:
    digits = [int(d) for d in number if d.isdigit()]
    checksum = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        checksum += digit
    return len(digits) >= 13 and checksum % 10 == 0


@dataclass
class Screened:
    text: str
    redactions: dict[str, int] = field(default_factory=dict)


class GuardrailBlocked(Exception):
    """A request refused by a guardrail; the API answers 4xx with `reason`."""

    def __init__(self, reason: str, detail: str, status_code: int = 400) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.status_code = status_code


def find_injection(text: str) -> str | None:
    for pattern in INJECTION_PATTERNS:
        if match := pattern.search(text):
            return match.group(0)[:80]
    return None


def redact(text: str) -> Screened:
    counts: dict[str, int] = {}

    def replace(kind: str) -> object:
        def _sub(match: re.Match[str]) -> str:
            if kind == "CARD" and not _luhn(match.group(0)):
                return match.group(0)
            counts[kind] = counts.get(kind, 0) + 1
            return f"[{kind}]"

        return _sub

    for kind, pattern in PII_PATTERNS.items():
        text = pattern.sub(replace(kind), text)  # type: ignore[arg-type]
    return Screened(text, counts)


def screen_input(text: str, pii_mode: str) -> Screened:
    """Refuse injection attempts; redact (or refuse) PII. Raises GuardrailBlocked."""
    if find_injection(text):
        raise GuardrailBlocked(
            "prompt_injection",
            "the message looks like a prompt-injection attempt and was not processed",
        )
    screened = redact(text)
    for kind, count in screened.redactions.items():
        PII_REDACTIONS.labels(kind).inc(count)
    if screened.redactions and pii_mode == "block":
        kinds = ", ".join(sorted(screened.redactions))
        raise GuardrailBlocked(
            "pii", f"the message contains personal data ({kinds}); remove it and retry", 422
        )
    return screened


class AssistantReply(BaseModel):
    """What the app promises to return; a provider answer that breaks it is not sent on."""

    text: str = Field(min_length=1)
    model: str
    route: str = Field(pattern="^(cheap|strong)$")

    @field_validator("text")
    @classmethod
    def _no_leak(cls, value: str) -> str:
        if "BEGIN SYSTEM PROMPT" in value:
            raise ValueError("reply repeats the system prompt")
        return value


def validate_output(text: str, model: str, route: str, max_chars: int) -> AssistantReply:
    """Schema-check the reply; PII the model produced is redacted like input."""
    if len(text) > max_chars:
        text = text[:max_chars].rstrip() + " [truncated]"
    try:
        return AssistantReply(text=redact(text).text.strip(), model=model, route=route)
    except ValidationError as exc:
        raise GuardrailBlocked(
            "invalid_output", "the model's reply failed validation; try rephrasing", 502
        ) from exc


class RedactingFilter(logging.Filter):
    """Defence in depth: PII never reaches a log line, whatever a caller passes to a logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg).text
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a).text if isinstance(a, str) else a for a in record.args)
        for key, value in list(record.__dict__.items()):
            if key in ("text", "input", "message", "comment") and isinstance(value, str):
                record.__dict__[key] = redact(value).text
        return True
