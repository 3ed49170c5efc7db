"""Small helpers detectors share: searching text, building evidence."""

from __future__ import annotations

import re
from collections.abc import Iterator

from harness.audit.index import RepoIndex
from harness.audit.model import Evidence


def compile_pattern(pattern: str, ignore_case: bool = True) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.MULTILINE if ignore_case else re.MULTILINE)


def find_all(index: RepoIndex, globs: list[str], regex: re.Pattern[str]) -> Iterator[Evidence]:
    """Every match of `regex` in files matching `globs`, as path:line evidence."""
    for rel in index.match(*globs):
        text = index.text(rel)
        if text is None:
            continue
        for match in regex.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            yield Evidence(rel, line, match.group(0)[:80])


def find_first(index: RepoIndex, globs: list[str], regex: re.Pattern[str]) -> Evidence | None:
    return next(find_all(index, globs, regex), None)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
