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
    """The root README, whatever the case of its name (readme.md, Readme.md)."""
    found = index.match(*READMES)
    if found:
        return found[0]
    names = {f"/{f.lower()}": f for f in index.files if "/" not in f}
    return next((names[n.lower()] for n in READMES if n.lower() in names), None)


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


# Words a results section uses for what it measured; a figure must sit next to one of them.
METRIC_WORDS = (
    r"accuracy|precision|recall|f1|ndcg|mrr|map@?\d*|hit(?:@|\s*rate|_at_)\s*\d*|"
    r"faithfulness|relevanc[ey]|relevancy|correctness|groundedness|hallucination|"
    r"exact[ -]match|bleu|rouge[-\w]*|bertscore|latency|p50|p95|p99|throughput|"
    r"success rate|pass rate|win rate|score|error rate|cost|tokens?|context (?:precision|recall)|"
    r"answer (?:relevancy|similarity|correctness)|auc|perplexity|wer"
)
_FIGURE = r"[-+]?(?:\d+[.,]\d+|\d+)\s*(?:%|ms|s\b|x\b|/\d+)?"
_METRIC_FIGURE = re.compile(
    rf"(?:\b(?:{METRIC_WORDS})\b[^\n\d]{{0,40}}{_FIGURE})|(?:{_FIGURE}[^\n\d]{{0,12}}\b(?:{METRIC_WORDS})\b)",
    re.IGNORECASE,
)
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_NUMBER_CELL = re.compile(r"^\s*[-+]?[$€£]?\d+(?:[.,]\d+)?\s*(?:%|ms|s|x|/\d+)?\s*$")


class SectionBodyParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    headings: list[str] = Field(min_length=1, description="regexes; any heading may match")
    describe: str = ""


def _sections(
    lines: list[str], patterns: list[re.Pattern[str]]
) -> list[tuple[int, str, list[str]]]:
    """Every section whose heading matches: (heading line, title, body lines up to the next
    heading of the same or a higher level)."""
    found = []
    all_headings = headings(lines)
    levels = [len(lines[n - 1]) - len(lines[n - 1].lstrip("#")) for n, _ in all_headings]
    for position, (number, title) in enumerate(all_headings):
        if not any(p.search(title) for p in patterns):
            continue
        end = len(lines)
        for later, (next_number, _) in enumerate(all_headings[position + 1 :], position + 1):
            if levels[later] <= levels[position]:
                end = next_number - 1
                break
        found.append((number, title, lines[number:end]))
    return found


def measured_figures(body: list[str]) -> int | None:
    """The 0-based line of a measured figure in a section: a table with a numeric cell, or a
    number next to a metric name; None when the section only talks."""
    rows = [n for n, line in enumerate(body) if _TABLE_ROW.match(line)]
    has_rule = any(_TABLE_RULE.match(body[n]) for n in rows)
    for n in rows if has_rule else ():
        cells = body[n].strip().strip("|").split("|")
        if not _TABLE_RULE.match(body[n]) and any(_NUMBER_CELL.match(c) for c in cells):
            return n
    for n, line in enumerate(body):
        if _METRIC_FIGURE.search(line):
            return n
    return None


TODO_OPEN = re.compile(r"^\s*<!--\s*harness:todo\s+([\w-]+)\s*-->\s*$")
TODO_CLOSE = re.compile(r"^\s*<!--\s*/harness:todo\s*-->\s*$")
_CODE_FENCE = re.compile(r"^\s*(```|~~~)")


def unfenced(lines: list[str]) -> list[bool]:
    """For each line, whether it is outside code fences."""
    flags, fenced = [], False
    for line in lines:
        if _CODE_FENCE.match(line):
            fenced = not fenced
            flags.append(False)
            continue
        flags.append(not fenced)
    return flags


def todo_lines(lines: list[str]) -> set[int]:
    """0-based lines inside `harness:todo` prompts, markers included: the template's guidance
    and example, not the owner's words."""
    inside: set[int] = set()
    opened: int | None = None
    for number, (line, plain) in enumerate(zip(lines, unfenced(lines), strict=True)):
        if plain and TODO_OPEN.match(line):
            opened = number
        if opened is not None:
            inside.add(number)
        if plain and TODO_CLOSE.match(line):
            opened = None
    return inside


@detector("readme_results", SectionBodyParams)
def readme_results(index: RepoIndex, params: SectionBodyParams) -> Outcome:
    """Passes when a README results/eval section holds measured figures: a table with numbers or
    a number next to a metric name (a heading alone, or prose, is not a result)."""
    path = readme(index)
    if path is None:
        return Outcome.failed("no README")
    # A prompt's example figures are the template's, not results: they are read as blank.
    prompts = todo_lines(index.lines(path))
    lines = ["" if n in prompts else line for n, line in enumerate(index.lines(path))]
    sections = _sections(lines, [re.compile(h, re.IGNORECASE) for h in params.headings])
    for number, title, body in sections:
        at = measured_figures(body)
        if at is not None:
            line = number + 1 + at
            return Outcome.passed(f"section '{title}' reports figures", Evidence(path, line))
    if sections:
        number, title, _ = sections[0]
        return Outcome.failed(
            f"section '{title}' has no measured figures (a table or numbers next to metric names)",
            Evidence(path, number),
        )
    return Outcome.failed(
        f"README has no section on {params.describe or 'results'}", Evidence(path, 1)
    )


_FENCE = re.compile(r"^\s*(```|~~~)\s*([\w+-]*)")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]+\)|<img\s|<svg\b|<picture\b", re.IGNORECASE)
# Box-drawing and arrow strokes of an ASCII/Unicode diagram.
_DIAGRAM_STROKE = re.compile(r"-->|->|<-|=>|──|│|┌|└|▶|►|→|←|↓|↑|\+-{2,}|\|\s*$|^\s*v\s*$|^\s*\|\s")
DIAGRAM_LANGUAGES = ("mermaid", "plantuml", "puml", "dot", "graphviz", "d2")


def architecture_figure(body: list[str]) -> tuple[int, str] | None:
    """Where a section shows its architecture: (0-based line, kind)."""
    position = 0
    while position < len(body):
        line = body[position]
        fence = _FENCE.match(line)
        if fence:
            language = fence.group(2).lower()
            end = next(
                (
                    n
                    for n in range(position + 1, len(body))
                    if body[n].strip().startswith(fence.group(1))
                ),
                len(body),
            )
            block = body[position + 1 : end]
            if language in DIAGRAM_LANGUAGES:
                return position, f"a {language} diagram"
            if sum(1 for b in block if _DIAGRAM_STROKE.search(b)) >= 2:
                return position, "an ASCII diagram"
            position = end + 1
            continue
        if _IMAGE.search(line):
            return position, "an image"
        position += 1
    rows = [n for n, line in enumerate(body) if _TABLE_ROW.match(line)]
    if any(_TABLE_RULE.match(body[n]) for n in rows) and len(rows) >= 4:
        return rows[0], "a component table"
    return None


@detector("readme_architecture", SectionBodyParams)
def readme_architecture(index: RepoIndex, params: SectionBodyParams) -> Outcome:
    """Passes when a README architecture section shows the design: a Mermaid (or other diagram
    language) block, an image, an ASCII diagram in a fenced block, or a component table."""
    path = readme(index)
    if path is None:
        return Outcome.failed("no README")
    lines = index.lines(path)
    sections = _sections(lines, [re.compile(h, re.IGNORECASE) for h in params.headings])
    for number, title, body in sections:
        found = architecture_figure(body)
        if found is not None:
            at, kind = found
            return Outcome.passed(f"section '{title}' has {kind}", Evidence(path, number + 1 + at))
    anywhere = _diagram_anywhere(lines)
    if anywhere is not None:
        line, kind = anywhere
        return Outcome.passed(f"README shows {kind}", Evidence(path, line))
    if sections:
        number, title, _ = sections[0]
        return Outcome.failed(
            f"section '{title}' lacks {params.describe or 'a diagram'}", Evidence(path, number)
        )
    return Outcome.failed(
        f"README has no section on {params.describe or 'architecture'}", Evidence(path, 1)
    )


_DIAGRAM_IMAGE = re.compile(
    r"(?:!\[([^\]]*)\]\(([^)]+)\)|<img\s[^>]*src=[\"']([^\"']+)[\"'][^>]*>)", re.IGNORECASE
)
_DIAGRAM_WORDS = re.compile(
    r"architect|diagram|flow|overview|graph|pipeline|design|system|components?|workflow|how.it.works",
    re.IGNORECASE,
)


def _diagram_anywhere(lines: list[str]) -> tuple[int, str] | None:
    """A diagram outside an architecture section: a Mermaid block, or an image whose alt text or
    file name says it is a diagram (an overview figure often opens a README)."""
    for number, line in enumerate(lines, start=1):
        fence = _FENCE.match(line)
        if fence and fence.group(2).lower() in DIAGRAM_LANGUAGES:
            return number, f"a {fence.group(2).lower()} diagram"
        for match in _DIAGRAM_IMAGE.finditer(line):
            described = " ".join(g for g in match.groups() if g)
            if _is_diagram(described, match.group(2) or match.group(3) or ""):
                return number, "a diagram image"
    return None


_BADGE_SOURCE = re.compile(r"badge|shields\.io", re.IGNORECASE)
_SCREENSHOT_WORDS = re.compile(r"screen|studio|\bui\b|_ui\b|demo|preview", re.IGNORECASE)
_STRONG_DIAGRAM_WORDS = re.compile(r"architect|diagram|flow|overview|pipeline", re.IGNORECASE)


def _is_diagram(described: str, source: str) -> bool:
    """A CI badge (`workflows/ci.yml/badge.svg`) or a screenshot of a UI ("Graph view in
    LangGraph studio UI") is not a diagram, even when a diagram word appears in it."""
    if _BADGE_SOURCE.search(source) or not _DIAGRAM_WORDS.search(described):
        return False
    return not _SCREENSHOT_WORDS.search(described) or bool(_STRONG_DIAGRAM_WORDS.search(described))
