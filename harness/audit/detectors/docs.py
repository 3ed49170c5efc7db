"""Detectors over the README: the sections a reviewer of a portfolio project looks for."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from harness.audit.index import RepoIndex
from harness.audit.model import Evidence, Outcome
from harness.audit.registry import detector

READMES = ("/README.md", "/README.rst", "/README.markdown", "/README.txt", "/README")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def readme(index: RepoIndex) -> str | None:
    found = index.match(*READMES)
    return found[0] if found else None


def headings(lines: list[str]) -> list[tuple[int, str]]:
    """Markdown ATX headings (outside code fences) with their line numbers."""
    found = []
    fenced = False
    for number, line in enumerate(lines, start=1):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        match = _HEADING.match(line)
        if match and not fenced:
            found.append((number, match.group(2).lower()))
    return found


class SectionParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    headings: list[str] = Field(min_length=1, description="regexes; any heading may match")
    require: str = Field(default="", description="regex that must match in the section's body")
    describe: str = ""


@detector("readme_section", SectionParams)
def readme_section(index: RepoIndex, params: SectionParams) -> Outcome:
    """Passes when the README has a heading matching `headings` (and `require` in its body)."""
    path = readme(index)
    if path is None:
        return Outcome.failed("no README")
    lines = index.lines(path)
    patterns = [re.compile(h, re.IGNORECASE) for h in params.headings]
    all_headings = headings(lines)
    for position, (number, title) in enumerate(all_headings):
        if any(p.search(title) for p in patterns):
            end = all_headings[position + 1][0] if position + 1 < len(all_headings) else None
            body = "\n".join(lines[number:end])
            if params.require and not re.search(params.require, body, re.IGNORECASE):
                what = params.describe or f"/{params.require}/"
                return Outcome.failed(f"section '{title}' lacks {what}", Evidence(path, number))
            return Outcome.passed(f"section '{title}'", Evidence(path, number))
    wanted = params.describe or " / ".join(params.headings)
    return Outcome.failed(f"README has no section on {wanted}", Evidence(path, 1))


class ReadmeMentionParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pattern: str
    describe: str = ""


@detector("readme_mentions", ReadmeMentionParams)
def readme_mentions(index: RepoIndex, params: ReadmeMentionParams) -> Outcome:
    """Passes when the README's text matches `pattern` anywhere (e.g. a screenshot or demo link)."""
    path = readme(index)
    if path is None:
        return Outcome.failed("no README")
    match = re.search(params.pattern, index.text(path) or "", re.IGNORECASE | re.MULTILINE)
    if match is None:
        return Outcome.failed(f"README has no {params.describe or params.pattern}", Evidence(path))
    line = (index.text(path) or "").count("\n", 0, match.start()) + 1
    return Outcome.passed(f"README has {params.describe or 'a match'}", Evidence(path, line))
