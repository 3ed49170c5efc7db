"""The README's measured-results block: figures rendered from the project's own reports.

The block sits between `<!-- harness:results:start -->` and `<!-- harness:results:end -->` lines
(outside code fences). Its text is a pure function of the reports it names, so `harness readme`
is idempotent and the audit can re-render it to check that every figure still matches a report
in the repository. Nothing here reads files: callers pass the reports' parsed JSON.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from harness.badge.readme import _chunks, _lines, newline_of
from harness.errors import ReadmeError

START = "<!-- harness:results:start -->"
END = "<!-- harness:results:end -->"
NOTE = (
    "<!-- Written by `harness readme` from the reports named below; edit outside the markers. -->"
)
# Lines naming the report a table was rendered from; the audit reads them back.
_SOURCE = re.compile(r"^(Eval|Load test) report: `([^`]+)`")


@dataclass(frozen=True)
class Sources:
    """Where the reports came from, as the block names them (paths relative to the README)."""

    eval_path: str | None = None
    load_path: str | None = None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _fixed(value: Any, digits: int = 3) -> str:
    number = _number(value)
    return "—" if number is None else f"{number:.{digits}f}"


def _ms(value: Any) -> str:
    number = _number(value)
    return "—" if number is None else f"{number:.1f} ms"


def _usd(value: Any) -> str:
    number = _number(value)
    if number is None:
        return "—"
    return "$0" if number == 0 else f"${number:.6g}"


def _cell(text: Any) -> str:
    """A report's string in a table cell: pipes and newlines would break the row."""
    return str(text).replace("|", "\\|").replace("\n", " ").replace("`", "'")


def _section(report: dict[str, Any], key: str) -> dict[str, Any]:
    """A report's sub-object, or {} when a hand-made or older report lacks it."""
    value = report.get(key)
    return value if isinstance(value, dict) else {}


def eval_lines(report: dict[str, Any], source: str) -> list[str]:
    """The eval part of the block: metrics with coverage, latency and $ per query."""
    dataset = _section(report, "dataset")
    commit = report.get("commit")
    made = f"commit `{commit[:12]}`" if isinstance(commit, str) and commit else "no commit"
    when = _cell(report.get("generated_at") or "unknown date")
    where = f"`{_cell(dataset['path'])}`" if dataset.get("path") else "the dataset"
    size = dataset.get("n")
    lines = [
        f"Eval report: `{source}` ({made}, {when}); {where}"
        + (f", {size} samples." if isinstance(size, int) else "."),
        "",
        "| metric | mean | 95% CI | coverage |",
        "|---|--:|--:|--:|",
    ]
    metrics = _section(report, "metrics")
    for name, summary in metrics.items():
        if not isinstance(summary, dict):
            continue
        ci = summary.get("ci95")
        interval = (
            f"[{_fixed(ci[0])}, {_fixed(ci[1])}]" if isinstance(ci, list) and len(ci) == 2 else "—"
        )
        measured, total = summary.get("measured"), summary.get("n")
        coverage = f"{measured}/{total}" if isinstance(measured, int) else "—"
        mean = _fixed(summary.get("mean")) if _number(summary.get("mean")) is not None else "—"
        lines.append(f"| {_cell(name)} | {mean} | {interval} | {coverage} |")
    latency = _section(report, "latency_ms")
    cost = _section(report, "cost")
    priced, unpriced = cost.get("priced"), cost.get("unpriced")
    pricing = f" ({priced} priced, {unpriced} unpriced)" if isinstance(unpriced, int) else ""
    lines += [
        "",
        "| latency p50 | latency p95 | latency max | $ per query |",
        "|--:|--:|--:|--:|",
        f"| {_ms(latency.get('p50'))} | {_ms(latency.get('p95'))} | {_ms(latency.get('max'))} "
        f"| {_usd(cost.get('per_query_usd'))}{pricing} |",
    ]
    return lines


def load_lines(stages: list[Any], source: str) -> list[str]:
    """The load-test part: one row per stage of `loadtest/load.py --json FILE`."""
    lines = [
        f"Load test report: `{source}`.",
        "",
        "| stage | offered req/s | achieved req/s | ok | errors | p50 | p95 | p99 |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for number, stage in enumerate((s for s in stages if isinstance(s, dict)), start=1):
        lines.append(
            f"| {number} | {_cell(stage.get('rate', '—'))} | {_fixed(stage.get('achieved_rps'), 1)}"
            f" | {_cell(stage.get('ok', '—'))} | {_cell(stage.get('errors', '—'))}"
            f" | {_ms(stage.get('p50_ms'))} | {_ms(stage.get('p95_ms'))}"
            f" | {_ms(stage.get('p99_ms'))} |"
        )
    return lines


def render_body(
    eval_report: dict[str, Any] | None,
    load_report: list[Any] | None,
    sources: Sources,
) -> list[str]:
    """The lines between the markers (without them)."""
    body = [NOTE]
    if eval_report is not None and sources.eval_path:
        body += ["", *eval_lines(eval_report, sources.eval_path)]
    if load_report is not None and sources.load_path:
        body += ["", *load_lines(load_report, sources.load_path)]
    return [*body, ""]


@dataclass(frozen=True)
class Block:
    """A README's results block: 0-based line numbers of its markers and the lines between."""

    start: int
    end: int
    body: list[str]

    def sources(self) -> Sources:
        found = {m.group(1): m.group(2) for line in self.body if (m := _SOURCE.match(line))}
        return Sources(found.get("Eval"), found.get("Load test"))


def find_block(text: str) -> Block | None:
    """The one results block, None when the README has no markers; bad markers raise."""
    chunks = _chunks(text)
    lines = _lines(chunks)
    starts = [line.index for line in lines if not line.in_fence and line.text.strip() == START]
    ends = [line.index for line in lines if not line.in_fence and line.text.strip() == END]
    hint = f"keep one {START} line followed by one {END} line"
    if not starts and not ends:
        return None
    if len(starts) != 1 or len(ends) != 1:
        raise ReadmeError(
            f"README has {len(starts)} start and {len(ends)} end results markers", hint
        )
    if ends[0] < starts[0]:
        raise ReadmeError("README's results end marker comes before its start marker", hint)
    body = [line.text for line in lines[starts[0] + 1 : ends[0]]]
    return Block(starts[0], ends[0], body)


def rewrite(text: str, body: list[str]) -> str:
    """`text` with the results block's inside replaced by `body`; every other byte kept."""
    block = find_block(text)
    if block is None:
        raise ReadmeError(
            f"README has no results block ({START} ... {END})",
            "add the two marker lines where the measured figures belong",
        )
    chunks = _chunks(text)
    newline = newline_of(text)
    inside = "".join(line + newline for line in body)
    end_line = chunks[block.end]
    return "".join(chunks[: block.start + 1]) + inside + end_line + "".join(chunks[block.end + 1 :])
