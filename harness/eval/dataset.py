"""The evaluation dataset: JSONL rows validated line by line, hashed for fingerprints."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import safeio
from harness.errors import DatasetError

MAX_DATASET_BYTES = 256 * 1024 * 1024
_STR_LIST_FIELDS = ("reference_contexts", "reference_context_ids")


@dataclass(frozen=True)
class ToolCall:
    name: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Sample:
    """One dataset row; `raw` is the row exactly as read, passed to callable targets."""

    id: str
    user_input: str
    reference: str | None
    reference_contexts: list[str] | None
    reference_context_ids: list[str] | None
    tags: list[str]
    expected_tool_calls: list[ToolCall] | None
    expected_outcome: str | None
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Dataset:
    path: Path
    sha256: str
    samples: list[Sample]

    @property
    def n(self) -> int:
        return len(self.samples)


def load_dataset(path: Path, display: str | None = None) -> Dataset:
    """Read and validate every line; the first bad line stops the run with file:line."""
    shown = display or str(path)
    try:
        data = safeio.read_bytes(path, limit=MAX_DATASET_BYTES)
    except FileNotFoundError:
        raise DatasetError(
            f"dataset {shown} not found",
            "create it (one JSON object a line) or set `dataset` in [tool.harness.eval]",
        ) from None
    except OSError as exc:
        raise DatasetError(
            f"cannot read dataset {shown}: {exc.strerror}", "check the path"
        ) from None
    samples: list[Sample] = []
    seen: set[str] = set()
    for lineno, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        sample = _parse_line(line, f"{shown}:{lineno}")
        if sample.id in seen:
            raise DatasetError(
                f"{shown}:{lineno}: duplicate id {sample.id!r}", "give every row a unique id"
            )
        seen.add(sample.id)
        samples.append(sample)
    if not samples:
        raise DatasetError(f"dataset {shown} has no rows", "add at least one JSON object a line")
    return Dataset(path=path, sha256=hashlib.sha256(data).hexdigest(), samples=samples)


def _parse_line(line: str, where: str) -> Sample:
    try:
        row = safeio.loads_json(line)
    except json.JSONDecodeError as exc:
        raise DatasetError(
            f"{where}: not valid JSON ({exc.msg} at column {exc.colno})", "fix or remove that line"
        ) from None
    except safeio.NestingError as exc:
        raise DatasetError(f"{where}: {exc}", "flatten that row") from None
    if not isinstance(row, dict):
        raise DatasetError(f"{where}: a row must be a JSON object", "wrap the row in {...}")
    try:
        # JSON accepts "\\ud800" escapes that stand for no character; such a string cannot be
        # hashed, cached or written to a report, so the row is refused here, before any call.
        json.dumps(row, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise DatasetError(
            f"{where}: a string holds a lone surrogate escape (like \\ud800), which is not text",
            "fix that row",
        ) from None
    for key in ("id", "user_input"):
        if not isinstance(row.get(key), str) or not row[key]:
            raise DatasetError(f"{where}: missing or empty string field {key!r}", "add it")
    reference = row.get("reference")
    if reference is not None and not isinstance(reference, str):
        raise DatasetError(f"{where}: 'reference' must be a string", "fix that field")
    lists = {name: _str_list(row, name, where) for name in _STR_LIST_FIELDS}
    metadata = row.get("metadata") or {}
    tags = metadata.get("tags", []) if isinstance(metadata, dict) else None
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise DatasetError(f"{where}: metadata.tags must be a list of strings", "fix that field")
    outcome = row.get("expected_outcome")
    if outcome is not None and not isinstance(outcome, str):
        raise DatasetError(f"{where}: 'expected_outcome' must be a string", "fix that field")
    return Sample(
        id=row["id"],
        user_input=row["user_input"],
        reference=reference,
        reference_contexts=lists["reference_contexts"],
        reference_context_ids=lists["reference_context_ids"],
        tags=list(tags),
        expected_tool_calls=parse_tool_calls(row.get("expected_tool_calls"), where),
        expected_outcome=outcome,
        raw=row,
    )


def _str_list(row: dict[str, Any], name: str, where: str) -> list[str] | None:
    value = row.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DatasetError(f"{where}: {name!r} must be a list of strings", "fix that field")
    return list(value)


def parse_tool_calls(value: Any, where: str) -> list[ToolCall] | None:
    """Tool calls as `[{"name": str, "args": {...}}]`; shared by dataset rows and target output."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise DatasetError(f"{where}: tool calls must be a list", "use [{'name':..., 'args':{}}]")
    calls: list[ToolCall] = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise DatasetError(f"{where}: each tool call needs a string 'name'", "fix that entry")
        args = item.get("args") or {}
        if not isinstance(args, dict):
            raise DatasetError(f"{where}: tool call 'args' must be an object", "fix that entry")
        calls.append(ToolCall(name=item["name"], args=args))
    return calls
