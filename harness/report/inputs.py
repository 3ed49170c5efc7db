"""Read the JSON files the page is rendered from, defensively: they come from other runs and
other harness versions, so a wrong file gets one clear error, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness import safeio
from harness.errors import ReportInputError

# Schema versions this page understands, per report kind. Audit v2 adds unknown and coverage.
SUPPORTED = {"harness-audit": {"1", "2"}, "harness-eval": {"1"}}
PRODUCERS = {
    "harness-audit": "`harness audit PATH --format json:audit.json`",
    "harness-eval": "`harness eval --json eval.json`",
    "load": "the project's load test (`--json results.json`)",
}
MAX_INPUT_BYTES = 64 * 1024 * 1024


def read_json(path: Path, what: str) -> Any:
    hint = f"pass the file written by {PRODUCERS[what]}"
    try:
        # Through the safe-read layer: a FIFO or device given as a report must not block.
        text = safeio.read_text(path, limit=MAX_INPUT_BYTES)
    except FileNotFoundError as exc:
        raise ReportInputError(f"{path} does not exist", hint) from exc
    except safeio.TooLargeError as exc:
        raise ReportInputError(f"{path} is larger than 64 MiB", hint) from exc
    except OSError as exc:
        raise ReportInputError(f"cannot read {path}: {exc.strerror}", hint) from exc
    except UnicodeDecodeError as exc:
        raise ReportInputError(f"cannot read {path}: {exc}", hint) from exc
    try:
        return safeio.loads_json(text)
    except json.JSONDecodeError as exc:
        raise ReportInputError(f"{path} is not JSON (line {exc.lineno}: {exc.msg})", hint) from exc
    except safeio.NestingError as exc:
        raise ReportInputError(f"{path} is nested too deeply to be a report", hint) from exc


def load_report(path: Path, kind: str) -> dict[str, Any]:
    """A harness report of `kind` whose schema version this page reads."""
    data = read_json(path, kind)
    hint = f"pass the file written by {PRODUCERS[kind]}"
    if not isinstance(data, dict):
        raise ReportInputError(f"{path} is not a {kind} report (not a JSON object)", hint)
    found = data.get("kind")
    if found != kind:
        raise ReportInputError(f"{path} is not a {kind} report (kind is {found!r})", hint)
    version = str(data.get("schema_version"))
    if version not in SUPPORTED[kind]:
        known = ", ".join(sorted(SUPPORTED[kind]))
        raise ReportInputError(
            f"{path} has schema_version {version!r}; this page reads {known}",
            "regenerate the report with this harness version, or upgrade portfolio-harness",
        )
    return data


def load_stages(path: Path) -> list[dict[str, Any]]:
    """Load-test stages: a list of {rate, sent, ok, errors, achieved_rps, p50_ms, p95_ms, ...}."""
    data = read_json(path, "load")
    stages = data.get("stages") if isinstance(data, dict) else data
    if not isinstance(stages, list) or not all(isinstance(s, dict) for s in stages):
        raise ReportInputError(
            f"{path} is not a load-test result (a list of stages)", f"pass {PRODUCERS['load']}"
        )
    return stages
