"""Agent metrics: task success and tool-call F1, scored per sample like every other metric."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from harness.eval.dataset import ToolCall


def _key(call: ToolCall) -> str:
    # Canonical JSON so {"a":1,"b":2} and {"b":2,"a":1} are the same call.
    return json.dumps([call.name, call.args], sort_keys=True, default=str)


def tool_call_f1(expected: Sequence[ToolCall] | None, actual: Sequence[ToolCall]) -> float | None:
    """F1 over the multiset of (name, args) calls; order does not matter, repeats do."""
    if expected is None:
        return None
    if not expected and not actual:
        return 1.0
    matched = sum((Counter(map(_key, expected)) & Counter(map(_key, actual))).values())
    if matched == 0:
        return 0.0
    precision = matched / len(actual)
    recall = matched / len(expected)
    return 2 * precision * recall / (precision + recall)


def task_success(expected: str | None, outcome: str | None) -> float | None:
    """1 when the reported outcome equals the expected one (case and outer spaces ignored)."""
    if expected is None:
        return None
    if outcome is None:
        return 0.0
    return 1.0 if outcome.strip().casefold() == expected.strip().casefold() else 0.0
