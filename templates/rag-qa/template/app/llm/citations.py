"""Parse [n] markers from an answer and keep only those that point at retrieved sources."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.llm.prompts import Source

_MARKER = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")


def cited_numbers(answer: str) -> list[int]:
    """Source numbers in order of first appearance; `[1, 2]` counts as two."""
    numbers: list[int] = []
    for match in _MARKER.finditer(answer):
        for part in match.group(1).split(","):
            number = int(part)
            if number not in numbers:
                numbers.append(number)
    return numbers


def validate(answer: str, sources: Sequence[Source]) -> tuple[list[Source], list[int]]:
    """(cited sources that exist, invalid numbers the model made up)."""
    by_number = {s.number: s for s in sources}
    numbers = cited_numbers(answer)
    valid = [by_number[n] for n in numbers if n in by_number]
    invalid = [n for n in numbers if n not in by_number]
    return valid, invalid
