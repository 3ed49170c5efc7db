"""The eval history: one JSON line per `harness eval` run, appended, read back for trends.

A line: {"schema_version": "1", "kind": "harness-eval-history", "commit", "generated_at",
"n", "metrics": {name: {"mean", "coverage"}}, "latency_ms": {"p50", "p95"},
"cost_per_query_usd", "baseline": bool}. Unreadable lines are skipped and counted, so a history
that a crash cut mid-line still renders.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import safeio
from harness.errors import ReportInputError

KIND = "harness-eval-history"
SCHEMA_VERSION = "1"
MAX_HISTORY_BYTES = 32 * 1024 * 1024


def entry_from_report(report: dict[str, Any], baseline: bool = False) -> dict[str, Any]:
    metrics = report.get("metrics") or {}
    latency = report.get("latency_ms") or {}
    cost = report.get("cost") or {}
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": KIND,
        "commit": report.get("commit"),
        "generated_at": report.get("generated_at"),
        "n": (report.get("dataset") or {}).get("n"),
        "metrics": {
            name: {"mean": m.get("mean"), "coverage": m.get("coverage")}
            for name, m in metrics.items()
            if isinstance(m, dict)
        },
        "latency_ms": {"p50": latency.get("p50"), "p95": latency.get("p95")},
        "cost_per_query_usd": cost.get("per_query_usd"),
        "baseline": baseline,
    }


def append(path: Path, entry: dict[str, Any]) -> None:
    """Append one line; a history path that is not a regular file is refused, never replaced."""
    safeio.check_writable_target(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    safeio.append_text(path, json.dumps(entry, sort_keys=True) + "\n")


@dataclass
class History:
    runs: list[dict[str, Any]] = field(default_factory=list)
    skipped_lines: int = 0


def read(path: Path) -> History:
    try:
        data = safeio.read_bytes(path, limit=MAX_HISTORY_BYTES)  # never blocks on a FIFO
    except safeio.TooLargeError as exc:
        raise ReportInputError(f"{path} is larger than 32 MiB", "trim old runs from it") from exc
    except FileNotFoundError as exc:
        raise ReportInputError(
            f"{path} does not exist", "run `harness eval` once; it appends to the history"
        ) from exc
    except OSError as exc:
        raise ReportInputError(f"cannot read {path}: {exc.strerror}", "check the path") from exc
    history = History()
    for line in data.decode("utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            entry = safeio.loads_json(line)
        except ValueError:  # not JSON, or nested past the limit
            history.skipped_lines += 1
            continue
        if isinstance(entry, dict) and entry.get("kind") == KIND:
            history.runs.append(entry)
        else:
            history.skipped_lines += 1
    return history
