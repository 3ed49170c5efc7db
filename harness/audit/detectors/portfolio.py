"""Detectors over a portfolio README's ownership: prompts still unanswered, figures no report backs.

A generated README marks each portfolio section the owner must write with
`<!-- harness:todo NAME -->` ... `<!-- /harness:todo -->` around guidance and an example; the
measured figures live in the block `harness readme` fills from the project's reports. These
checks read both back: a section still holding the prompt is a to-do, and a figure is backed
only when a report committed to the repository holds it.
"""

from __future__ import annotations

import math
import posixpath
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from harness.audit.detectors.docs import (
    _METRIC_FIGURE,
    TODO_OPEN,
    _sections,
    readme,
    todo_lines,
    unfenced,
)
from harness.audit.index import RepoIndex
from harness.audit.model import Evidence, Outcome
from harness.audit.registry import detector
from harness.badge import results
from harness.errors import ReadmeError

# The visible first line of every prompt (templates/_shared/partials/todo.md): still there
# when an owner deleted the comment markers but not the guidance.
TODO_PHRASE = "**To do: write this section yourself.**"
# The prompt's example heading: left behind when the owner wrote above it and kept the example.
EXAMPLE_PHRASE = "*Example of a good entry:*"
ANSWERS_FILE = ".copier-answers.yml"
MAX_REPORTS = 20  # committed eval reports read to back figures quoted outside the block
# A JSON text can only hold the string "harness-eval" verbatim or with an ASCII letter or hyphen
# written as a \u00XX escape: a file with neither is not a report, and is not decoded for nothing.
_ESCAPED_ASCII = re.compile(r"\\u00(?:[4-7][0-9a-fA-F]|2[dD])")
COST_REPORT = ("<!-- cost-report:start -->", "<!-- cost-report:end -->")
# A figure stated as a bound (a gate, a budget) is a setting, not a result.
_BOUND = re.compile(
    r"[<>≥≤]|\b(?:below|above|under|over|at least|at most|threshold|gate|requires?|limit)\b",
    re.IGNORECASE,
)
# A quoted figure: not the digits of a name (hit@5, p95, nDCG@10), nor of a longer number.
_NUMBER = re.compile(r"(?<![\w.@,])(\d+(?:\.\d+)?)(%?)(?!\w|@|[.,]\d)")


def _ledger_lines(lines: list[str]) -> set[int]:
    """0-based lines of a production-app cost table, written by `python -m app.cost_report`
    from the cost ledger (a database, not a report file): the app's own measurement."""
    starts = [n for n, line in enumerate(lines) if line.strip() == COST_REPORT[0]]
    ends = [n for n, line in enumerate(lines) if line.strip() == COST_REPORT[1]]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        return set()
    return set(range(starts[0], ends[0] + 1))


def _orphan_prompt(lines: list[str], number: int) -> bool:
    """A prompt's first line, or its example heading when no first line sits just above it
    (one leftover prompt is one finding, not two)."""
    line = lines[number]
    if TODO_PHRASE in line:
        return True
    return EXAMPLE_PHRASE in line and not any(
        TODO_PHRASE in p for p in lines[max(0, number - 8) : number]
    )


class OwnTextParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


@detector("portfolio_own_text", OwnTextParams)
def portfolio_own_text(index: RepoIndex, params: OwnTextParams) -> Outcome:
    """Fails while a portfolio section still holds the template's prompt (a `harness:todo`
    marker, or the prompt's first line left behind); passes once every prompt is answered, or
    when the README never held one."""
    path = readme(index)
    if path is None:
        return Outcome.not_applicable("no README")
    lines = index.lines(path)
    plain = unfenced(lines)
    found: list[Evidence] = []
    inside = todo_lines(lines)
    for number, line in enumerate(lines):
        if not plain[number]:
            continue
        match = TODO_OPEN.match(line)
        if match:
            found.append(Evidence(path, number + 1, f"to do: {match.group(1)}"))
        elif number not in inside and _orphan_prompt(lines, number):
            found.append(Evidence(path, number + 1, "the template's prompt, markers removed"))
    if found:
        names = ", ".join(
            ev.note.removeprefix("to do: ") if ev.note.startswith("to do: ") else f"line {ev.line}"
            for ev in found
        )
        return Outcome.failed(
            f"{len(found)} portfolio section(s) still hold the template's prompt: {names}",
            *found,
        )
    if index.has(ANSWERS_FILE):
        return Outcome.passed(
            "every portfolio prompt was replaced by the owner's text", Evidence(path)
        )
    return Outcome.passed("the README holds no template prompt", Evidence(path))


class BackedParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    headings: list[str] = Field(
        min_length=1, description="regexes of the sections whose figures need a report"
    )


def _report_path(readme_path: str, source: str) -> str | None:
    """The repo-relative path a block's source names, None when it leaves the repository."""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(readme_path), source))
    return (
        None
        if joined.startswith("../") or joined in ("..", ".") or source.startswith("/")
        else joined
    )


def _values(data: Any) -> list[float]:
    """Every finite number in a report's figures (metrics, latency, cost; stages of a load test)."""
    if isinstance(data, dict):
        keep = ("metrics", "latency_ms", "cost", "tokens")
        parts = [data[k] for k in keep if k in data] if "kind" in data else list(data.values())
        return [v for part in parts for v in _values(part)]
    if isinstance(data, list):
        return [v for item in data for v in _values(item)]
    if isinstance(data, int | float) and not isinstance(data, bool) and math.isfinite(data):
        return [float(data)]
    return []


def _backed(line: str, values: list[float]) -> bool:
    """Every figure of the line equals a report value at the precision it is quoted."""
    figures = _NUMBER.findall(line)
    if not figures:
        return True
    for text, percent in figures:
        digits = len(text.partition(".")[2])
        quoted = float(text) / (100 if percent else 1)
        tolerance = 0.5 * 10**-digits / (100 if percent else 1) + 1e-12
        if not any(abs(value - quoted) <= tolerance for value in values):
            return False
    return True


def _block_findings(
    index: RepoIndex, path: str, block: results.Block
) -> tuple[list[Evidence], list[float], bool]:
    """Problems with the results block, the values of the reports it names, and whether it
    quotes anything at all."""
    at = block.start + 1
    sources = block.sources()
    named = {"eval": sources.eval_path, "load": sources.load_path}
    reports: dict[str, Any] = {}
    problems: list[Evidence] = []
    for kind, source in named.items():
        if source is None:
            continue
        rel = _report_path(path, source)
        data = index.json(rel) if rel is not None and index.has(rel) else None
        if data is None:
            problems.append(
                Evidence(path, at, f"figures from `{source}`, which is not in the repository")
            )
            continue
        reports[kind] = data
    values = [v for data in reports.values() for v in _values(data)]
    if not any(named.values()):
        body = [line for line in block.body if not line.lstrip().startswith("<!--")]
        figures = [n for n, line in enumerate(body) if _figure(line)]
        if figures:
            problems.append(Evidence(path, at, "figures in the results block name no report"))
        return problems, values, bool(figures)
    if problems:
        return problems, values, True
    eval_report = reports.get("eval")
    load_report = reports.get("load")
    expected = results.render_body(
        eval_report if isinstance(eval_report, dict) else None,
        load_report if isinstance(load_report, list) else None,
        sources,
    )
    for number, (got, want) in enumerate(zip(block.body, expected, strict=False)):
        if got.rstrip() != want.rstrip():
            line = block.start + 2 + number
            problems.append(Evidence(path, line, f"differs from the report: expected {want!r}"))
            break
    else:
        if len(block.body) != len(expected):
            problems.append(Evidence(path, at, "the block and its reports differ in length"))
    return problems, values, True


def _committed_eval_values(index: RepoIndex) -> list[float]:
    """Figures of the `harness eval` reports committed under evals/ (or named *report*.json):
    what a figure quoted outside the block may be checked against."""
    candidates = [
        f
        for f in index.files
        if f.endswith(".json") and (f.startswith("evals/") or "report" in f.rsplit("/", 1)[-1])
    ]
    values: list[float] = []
    for rel in candidates[:MAX_REPORTS]:
        if not _may_be_eval_report(index.text(rel) or ""):
            continue
        data = index.json(rel)
        if isinstance(data, dict) and data.get("kind") == "harness-eval":
            values += _values(data)
    return values


def _may_be_eval_report(text: str) -> bool:
    return "harness-eval" in text or _ESCAPED_ASCII.search(text) is not None


def _figure(line: str) -> bool:
    """A number next to a metric name (a table row `| hit@5 | 0.91 |` included); a table of
    exit codes or options is not a result."""
    return bool(_METRIC_FIGURE.search(line))


@detector("readme_results_backed", BackedParams)
def readme_results_backed(index: RepoIndex, params: BackedParams) -> Outcome:
    """Fails when the README quotes results no report in the repository backs: a results block
    whose figures differ from (or whose report is missing from) the repository, or a figure next
    to a metric name in a results section, outside the block and the to-do prompts, that no
    committed report holds (the block's reports, and `harness eval` reports under evals/ or
    named *report*.json). N/A when the README quotes no results yet."""
    path = readme(index)
    if path is None:
        return Outcome.not_applicable("no README")
    text = index.text(path) or ""
    try:
        block = results.find_block(text)
    except ReadmeError as exc:
        return Outcome.unknown(exc.one_line(), Evidence(path))
    lines = index.lines(path)
    problems: list[Evidence] = []
    values: list[float] = []
    quoted = False
    skip: set[int] = todo_lines(lines) | _ledger_lines(lines)
    if block is not None:
        problems, values, quoted = _block_findings(index, path, block)
        skip |= set(range(block.start, block.end + 1))
    values += _committed_eval_values(index)
    plain = unfenced(lines)
    patterns = [re.compile(h, re.IGNORECASE) for h in params.headings]
    for heading, _title, body in _sections(lines, patterns):
        for offset, line in enumerate(body):
            number = heading + offset  # 0-based index of body[offset]
            if number in skip or not plain[number] or _BOUND.search(line):
                continue
            if not _figure(line) or not _NUMBER.search(line):
                continue
            quoted = True
            if not _backed(line, values):
                problems.append(Evidence(path, number + 1, "a figure no report here holds"))
    if problems:
        return Outcome.failed(
            f"{len(problems)} result(s) in the README that no report in the repository backs",
            *problems,
        )
    if not quoted:
        return Outcome.not_applicable("the README quotes no measured results yet")
    return Outcome.passed("every quoted result matches a report in the repository", Evidence(path))
