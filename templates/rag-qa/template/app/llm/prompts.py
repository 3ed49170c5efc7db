"""Prompt that grounds the model in numbered sources and asks for [n] citations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SYSTEM_PROMPT = (
    "You answer questions using only the numbered sources provided by the user. "
    "Cite every claim with the number of its source in square brackets, like [1] or [2][3]. "
    "If the sources do not contain the answer, say exactly: "
    '"I don\'t know based on the provided documents." Do not use outside knowledge.'
)

NO_ANSWER = "I don't know based on the provided documents."


@dataclass(frozen=True)
class Source:
    number: int
    chunk_id: str
    document_id: str
    title: str
    text: str


def user_prompt(question: str, sources: Sequence[Source]) -> str:
    blocks = [f"[{s.number}] {s.title}\n{s.text}" for s in sources]
    return "Sources:\n\n" + "\n\n".join(blocks) + f"\n\nQuestion: {question}\nAnswer:"
