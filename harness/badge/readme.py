"""Rewrite the badge block of a README between its markers, leaving every other byte alone.

Markers count only as whole lines outside fenced code blocks, so a README that documents the
markers in a code sample is not mistaken for one that holds them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.errors import ReadmeError

START = "<!-- harness:badges:start -->"
END = "<!-- harness:badges:end -->"
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX_H1 = re.compile(r"^ {0,3}#(?:[ \t]|$)")
_SETEXT_H1 = re.compile(r"^ {0,3}=+[ \t]*$")


@dataclass(frozen=True)
class Line:
    index: int
    text: str  # without its line ending
    in_fence: bool


def _chunks(text: str) -> list[str]:
    """Lines with their endings; only LF (and CRLF) end a line, as in git and on GitHub."""
    parts = text.split("\n")
    chunks = [part + "\n" for part in parts[:-1]]
    return [*chunks, parts[-1]] if parts[-1] else chunks


def _ending(chunk: str) -> str:
    return chunk[len(chunk.rstrip("\r\n")) :]


def _lines(chunks: list[str]) -> list[Line]:
    lines: list[Line] = []
    fence: str | None = None
    for index, chunk in enumerate(chunks):
        raw = chunk.removesuffix(_ending(chunk))
        match = _FENCE.match(raw)
        opens_or_closes = match is not None and (
            fence is None or (match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence))
        )
        lines.append(Line(index, raw, in_fence=fence is not None or opens_or_closes))
        if opens_or_closes and match is not None:
            fence = match.group(1) if fence is None else None
    return lines


def newline_of(text: str) -> str:
    """The file's own line ending, so an inserted block matches the lines around it."""
    return "\r\n" if "\r\n" in text else "\n"


def render_block(links: list[str], newline: str) -> str:
    body = " ".join(links)
    return f"{START}{newline}{body}{newline}{END}" if body else f"{START}{newline}{END}"


def rewrite(text: str, links: list[str]) -> str:
    """`text` with its badge block replaced by `links`, or a new block under the title."""
    newline = newline_of(text)
    block = render_block(links, newline)
    if not text:
        return block + newline
    chunks = _chunks(text)
    lines = _lines(chunks)
    span = _marker_span(lines)
    if span is not None:
        first, last = span
        ending = _ending(chunks[last])
        return "".join(chunks[:first]) + block + ending + "".join(chunks[last + 1 :])
    after = _title_end(lines)
    if after is None:
        return block + newline + newline + text
    head = "".join(chunks[: after + 1])
    if not _ending(chunks[after]):
        head += newline
    return head + newline + block + newline + "".join(chunks[after + 1 :])


def _marker_span(lines: list[Line]) -> tuple[int, int] | None:
    starts = [line.index for line in lines if not line.in_fence and line.text.strip() == START]
    ends = [line.index for line in lines if not line.in_fence and line.text.strip() == END]
    hint = f"leave one {START} line followed by one {END} line, or delete both to re-insert them"
    if not starts and not ends:
        return None
    if len(starts) != 1 or len(ends) != 1:
        raise ReadmeError(f"README has {len(starts)} start and {len(ends)} end badge markers", hint)
    if ends[0] < starts[0]:
        raise ReadmeError("README's badge end marker comes before its start marker", hint)
    return starts[0], ends[0]


def _title_end(lines: list[Line]) -> int | None:
    """Index of the last line of the first level-1 heading outside code, if any."""
    for line in lines:
        if line.in_fence:
            continue
        if _ATX_H1.match(line.text.lstrip("\ufeff")):
            return line.index
        is_underline = line.index > 0 and _SETEXT_H1.match(line.text)
        if (
            is_underline
            and lines[line.index - 1].text.strip()
            and not lines[line.index - 1].in_fence
        ):
            return line.index
    return None
