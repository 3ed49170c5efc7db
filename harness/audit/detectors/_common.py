"""Small helpers detectors share: searching text, building evidence."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from harness.audit.index import RepoIndex
from harness.audit.model import Evidence


def compile_pattern(pattern: str, ignore_case: bool = True) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.MULTILINE if ignore_case else re.MULTILINE)


_META = frozenset(".^$*+?{}[]()|\\")
_QUANTIFIERS = frozenset("*+?{")
_ESCAPED_LITERALS = frozenset(".-_@/\\'\"#=:() ")


def _leading_literal(branch: str) -> str:
    """The literal text every match of a regex branch starts with ('' when there is none)."""
    out: list[str] = []
    position = 0
    while branch.startswith(("\\b", "^"), position):
        position += 2 if branch.startswith("\\b", position) else 1
    while position < len(branch):
        char = branch[position]
        if (
            char == "\\"
            and position + 1 < len(branch)
            and branch[position + 1] in _ESCAPED_LITERALS
        ):
            char, step = branch[position + 1], 2
        elif char in _META:
            break
        else:
            step = 1
        following = branch[position + step : position + step + 1]
        if following and following in _QUANTIFIERS:
            break  # this character may be absent or repeated
        out.append(char)
        position += step
    return "".join(out)


def _top_level_branches(pattern: str) -> list[str] | None:
    branches, depth, start, position = [], 0, 0, 0
    while position < len(pattern):
        char = pattern[position]
        if char == "\\":
            position += 2
            continue
        if char == "[":
            end = pattern.find("]", position + 2)
            if end == -1:
                return None
            position = end
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(pattern[start:position])
            start = position + 1
        position += 1
    return [*branches, pattern[start:]]


@functools.lru_cache(maxsize=256)
def required_literals(pattern: str, ignore_case: bool) -> tuple[str, ...] | None:
    """Literals one of which every match contains (lowercased when case is ignored), or None
    when the pattern has a branch without one: a substring test then skips most files before
    the (much slower) regex runs."""
    branches = _top_level_branches(pattern)
    if not branches:
        return None
    literals = [_leading_literal(b) for b in branches]
    if any(len(literal) < 3 for literal in literals):
        return None
    return tuple(literal.lower() if ignore_case else literal for literal in literals)


def find_all(index: RepoIndex, globs: list[str], regex: re.Pattern[str]) -> Iterator[Evidence]:
    """Every match of `regex` in files matching `globs`, as path:line evidence."""
    ignore_case = bool(regex.flags & re.IGNORECASE)
    literals = required_literals(regex.pattern, ignore_case)
    for rel in index.match(*globs):
        text = index.text(rel)
        if text is None:
            continue
        if literals is not None:
            haystack = text.lower() if ignore_case else text
            if not any(literal in haystack for literal in literals):
                continue
        for match in regex.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            yield Evidence(rel, line, match.group(0)[:80])


def find_first(index: RepoIndex, globs: list[str], regex: re.Pattern[str]) -> Evidence | None:
    return next(find_all(index, globs, regex), None)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
