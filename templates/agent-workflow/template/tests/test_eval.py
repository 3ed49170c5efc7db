"""The eval target and dataset: shape of the result, and the offline policy's scores.

`harness eval` computes the same two metrics; this keeps the gate honest without the harness.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from app.evaluation import target

DATASET = Path(__file__).resolve().parents[1] / "evals" / "dataset.jsonl"


def f1(expected: list[dict[str, Any]], actual: list[dict[str, Any]]) -> float:
    key = lambda call: json.dumps([call["name"], call["args"]], sort_keys=True)  # noqa: E731
    if not expected and not actual:
        return 1.0
    matched = sum((Counter(map(key, expected)) & Counter(map(key, actual))).values())
    if not matched:
        return 0.0
    precision, recall = matched / len(actual), matched / len(expected)
    return 2 * precision * recall / (precision + recall)


def test_dataset_shape() -> None:
    rows = [json.loads(line) for line in DATASET.read_text().splitlines() if line.strip()]
    assert len(rows) >= 20
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        assert {"id", "user_input", "reference", "expected_tool_calls", "expected_outcome"} <= set(
            row
        )


def test_offline_scores_meet_thresholds() -> None:
    rows = [json.loads(line) for line in DATASET.read_text().splitlines() if line.strip()]
    success, scores = [], []
    for row in rows:
        result = target(row)
        assert set(result) >= {"response", "usage", "model", "cost_usd", "tool_calls", "outcome"}
        assert result["model"] == "offline-policy" and result["cost_usd"] == 0.0
        success.append(result["outcome"] == row["expected_outcome"])
        scores.append(f1(row["expected_tool_calls"], result["tool_calls"]))
    assert sum(success) / len(rows) >= 0.9
    assert sum(scores) / len(rows) >= 0.9
