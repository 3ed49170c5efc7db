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


# Where a cited claim starts: after a sentence end, a colon (the offline label) or a marker.
_CLAIM_START = re.compile(r"(?<=[.!?:;])\s+")
# Sentence ends in a chunk, as the offline provider splits them, or a blank line.
_CHUNK_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n\s*\n")
_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    ("a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is",
     "it", "its", "of", "on", "or", "that", "the", "this", "to", "was", "were", "will", "with")
)  # fmt: skip


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS}


def claims(answer: str) -> dict[int, list[str]]:
    """For each cited number, the answer text it is cited for: the sentence (or the part of
    it after the previous marker) just before the marker; `[1][2]` cites one claim twice."""
    found: dict[int, list[str]] = {}
    previous_end, previous_claim = 0, ""
    for match in _MARKER.finditer(answer):
        stretch = answer[previous_end : match.start()]
        claim = _CLAIM_START.split(stretch.strip())[-1].strip() if stretch.strip() else ""
        if not _words(claim):  # "... [1] [2]" or "Claim. [1]": the claim before the marker
            claim = previous_claim
        for part in match.group(1).split(","):
            found.setdefault(int(part), []).append(claim)
        previous_end, previous_claim = match.end(), claim
    return found


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a chunk, surrounding whitespace left out."""
    spans: list[tuple[int, int]] = []
    start = 0
    for boundary in [*_CHUNK_BREAK.finditer(text), None]:
        end = boundary.start() if boundary else len(text)
        piece = text[start:end]
        if piece.strip():
            left = start + len(piece) - len(piece.lstrip())
            spans.append((left, start + len(piece.rstrip())))
        start = boundary.end() if boundary else end
    return spans


def highlights(claim_texts: Sequence[str], chunk: str) -> list[tuple[int, int]]:
    """The chunk's sentences that say what the answer cites them for, in chunk order.

    A sentence matches a claim when it holds at least half of the claim's content words (two
    at least): an extractive answer quotes it whole, a model's answer usually reuses its
    words. A claim no sentence supports highlights nothing rather than a guess."""
    spans = sentence_spans(chunk)
    picked: set[tuple[int, int]] = set()
    for claim in claim_texts:
        wanted = _words(claim)
        if not wanted:
            continue
        best, best_key = None, (0.0, 0.0)
        for span in spans:
            have = _words(chunk[span[0] : span[1]])
            shared = len(wanted & have)
            # Most of the claim covered first; then the sentence with least else in it.
            key = (shared / len(wanted), shared / max(len(have), 1))
            if shared >= min(2, len(wanted)) and key > best_key:
                best, best_key = span, key
        if best is not None and best_key[0] >= 0.5:
            picked.add(best)
    return sorted(picked)
