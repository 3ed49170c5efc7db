"""Eval datasets wherever projects keep them: JSON Lines, JSON, CSV or YAML files of questions
with expected answers, in an eval/test/benchmark folder or under such a name."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from harness.audit.index import RepoIndex
from harness.audit.model import Evidence, Outcome
from harness.audit.registry import detector

QUESTION_FIELDS = ("user_input", "question", "query", "input", "prompt", "q")
ANSWER_FIELDS = (
    "reference",
    "ground_truth",
    "ground_truths",
    "expected",
    "expected_answer",
    "expected_output",
    "answer",
    "ideal",
    "reference_answer",
    "target",
    "label",
    "gold",
    "golden_answer",
    "reference_contexts",
    "relevant_docs",
    "expected_sources",
)
# A folder or a file name that says "this is evaluation data".
_EVAL_NAME = re.compile(
    r"(^|[/_.-])(evals?|evaluation|evaluations|benchmarks?|golden|goldens|testsets?|"
    r"test[_-]?set|qa[_-]?pairs?|questions|rag[_-]?test|ground[_-]?truth)([/_.-]|s?\.|$)",
    re.IGNORECASE,
)
DATA_SUFFIXES = (".jsonl", ".json", ".csv", ".yaml", ".yml")
_IGNORED_NAMES = ("package.json", "package-lock.json", "tsconfig.json")


class EvalDatasetParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    files: list[str] = Field(default_factory=list, description="extra patterns always considered")
    min_rows: int = Field(default=10, ge=1)


def candidates(index: RepoIndex, extra: list[str]) -> list[str]:
    named = [
        rel
        for rel in index.files
        if rel.endswith(DATA_SUFFIXES)
        and rel.rsplit("/", 1)[-1] not in _IGNORED_NAMES
        and not rel.startswith(".github/")
        and _EVAL_NAME.search(rel)
    ]
    return sorted({*named, *index.match(*extra)}) if extra else named


def rows_of(index: RepoIndex, rel: str) -> list[Any] | None:
    """The records of a data file, or None when it is not a list of records."""
    text = index.text(rel)
    if text is None:
        return None
    try:
        if rel.endswith(".jsonl"):
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        if rel.endswith(".csv"):
            return list(csv.DictReader(io.StringIO(text)))
        data = index.json(rel) if rel.endswith(".json") else index.yaml(rel)
    except (ValueError, csv.Error):
        return None
    if isinstance(data, dict):  # {"questions": [...]} or {"data": [...]}
        lists = [v for v in data.values() if isinstance(v, list)]
        data = max(lists, key=len) if lists else None
    return data if isinstance(data, list) else None


def _field(row: dict[str, Any], names: tuple[str, ...]) -> str | None:
    lowered = {str(k).lower(): k for k in row}
    return next((lowered[n] for n in names if n in lowered and row[lowered[n]]), None)


def labelled_rows(rows: list[Any]) -> tuple[int, str]:
    """How many rows carry a question and an expected answer, and the two field names."""
    count = 0
    fields = ""
    for row in rows:
        if not isinstance(row, dict):
            continue
        question, answer = _field(row, QUESTION_FIELDS), _field(row, ANSWER_FIELDS)
        if question and answer:
            count += 1
            fields = fields or f"{question} + {answer}"
    return count, fields


@detector("eval_dataset", EvalDatasetParams)
def eval_dataset(index: RepoIndex, params: EvalDatasetParams) -> Outcome:
    """Passes when an eval dataset (questions with expected answers, in JSON Lines, JSON, CSV or
    YAML, in an eval/test/benchmark folder or so named) has at least `min_rows` labelled rows."""
    best: tuple[int, str, str] | None = None
    for rel in candidates(index, params.files):
        rows = rows_of(index, rel)
        if not rows:
            continue
        count, fields = labelled_rows(rows)
        if count and (best is None or count > best[0]):
            best = (count, rel, fields)
    if best is None:
        return Outcome.failed(
            "no eval dataset (questions with expected answers in an eval/test/benchmark file)"
        )
    count, rel, fields = best
    if count < params.min_rows:
        return Outcome.failed(
            f"{rel} has {count} labelled rows; a dataset needs at least {params.min_rows}",
            Evidence(rel, None, fields),
        )
    return Outcome.passed(
        f"{rel} has {count} labelled rows ({fields})", Evidence(rel, None, fields)
    )
