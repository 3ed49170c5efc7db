"""Split a document into overlapping chunks that follow its structure.

Markdown headings start new sections, so a chunk never straddles two sections, and each chunk
carries its heading path. Inside a section, chunks end on paragraph, sentence or word
boundaries. Every chunk's text is an exact slice of the document: [start, end) are offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
# Preferred break points, best first: paragraph, line, sentence end, any whitespace.
_BREAKS = ("\n\n", "\n", ". ", "? ", "! ", "; ", " ")


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str
    start: int
    end: int
    heading: str


def sections(text: str) -> list[tuple[int, int, str]]:
    """(start, end, heading path) per Markdown section; the whole text if it has no headings."""
    marks = list(_HEADING.finditer(text))
    if not marks:
        return [(0, len(text), "")]
    result: list[tuple[int, int, str]] = []
    if marks[0].start() > 0:
        result.append((0, marks[0].start(), ""))
    path: list[tuple[int, str]] = []
    for i, mark in enumerate(marks):
        level, title = len(mark.group(1)), mark.group(2).strip()
        path = [(lvl, t) for lvl, t in path if lvl < level] + [(level, title)]
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        # The section body starts after its heading line; the heading travels as metadata.
        result.append((mark.end(), end, " > ".join(t for _, t in path)))
    return result


def _cut(text: str, start: int, limit: int) -> int:
    """Best break position in text[start:limit], not before the window's middle."""
    floor = start + (limit - start) // 2
    for sep in _BREAKS:
        pos = text.rfind(sep, floor, limit)
        if pos != -1:
            return pos + len(sep)
    return limit


def _windows(text: str, start: int, end: int, size: int, overlap: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        limit = min(pos + size, end)
        stop = end if limit == end else _cut(text, pos, limit)
        spans.append((pos, stop))
        if stop >= end:
            break
        nxt = max(stop - overlap, pos + 1)
        # Start the overlap on a word boundary so no chunk begins mid-word.
        space = text.find(" ", nxt, stop)
        pos = space + 1 if overlap and space != -1 else stop
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _split_at(spans: list[tuple[int, int, str]], breaks: list[int]) -> list[tuple[int, int, str]]:
    """Cut sections at extra boundaries (PDF page starts) so a chunk stays on one page."""
    result = []
    for start, end, heading in spans:
        cuts = [start, *(b for b in breaks if start < b < end), end]
        result += [(a, b, heading) for a, b in pairwise(cuts)]
    return result


def chunk_text(
    text: str, size: int = 1000, overlap: int = 150, breaks: list[int] | None = None
) -> list[Chunk]:
    chunks: list[Chunk] = []
    for sec_start, sec_end, heading in _split_at(sections(text), breaks or []):
        for raw_start, raw_end in _windows(text, sec_start, sec_end, size, overlap):
            start, end = _trim(text, raw_start, raw_end)
            body = text[start:end]
            if not body:
                continue
            chunks.append(Chunk(len(chunks), body, start, end, heading))
    return chunks
