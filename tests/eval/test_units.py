"""Small pure functions with hand-computed expectations."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from harness.errors import DatasetError
from harness.eval.agent_metrics import task_success, tool_call_f1
from harness.eval.cache import DiskCache, content_key
from harness.eval.dataset import ToolCall, load_dataset
from harness.eval.prices import cost_usd
from harness.eval.retrieval import hit_at_k, ndcg_at_k, recall_at_k, reciprocal_rank
from harness.eval.stats import bootstrap_mean, percentile


def test_rank_metrics() -> None:
    ranked, relevant = ["a", "x", "b", "a", "y"], ["b", "a", "z"]
    assert hit_at_k(ranked, relevant, 1) == 1.0
    assert hit_at_k(["x", "a"], relevant, 1) == 0.0
    assert reciprocal_rank(["x", "y", "b"], relevant, 2) == pytest.approx(1 / 3)
    assert reciprocal_rank(["x"], relevant, 5) == 0.0
    assert recall_at_k(ranked, relevant, 2) == pytest.approx(1 / 3)  # duplicates count once
    assert recall_at_k(ranked, relevant, 5) == pytest.approx(2 / 3)
    dcg = 1 + 1 / math.log2(4)  # relevant at ranks 1 and 3 (duplicate "a" dropped)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(ranked, relevant, 5) == pytest.approx(dcg / ideal)


def test_agent_metrics() -> None:
    want = [ToolCall("search", {"q": "x", "n": 2}), ToolCall("email", {"to": "a"})]
    got = [ToolCall("search", {"n": 2, "q": "x"}), ToolCall("email", {"to": "b"})]
    assert tool_call_f1(want, got) == pytest.approx(0.5)
    assert tool_call_f1(want, want[::-1]) == 1.0
    assert tool_call_f1([], []) == 1.0
    assert tool_call_f1(None, got) is None
    assert task_success("Refund issued", " refund ISSUED ") == 1.0
    assert task_success("refund issued", None) == 0.0
    assert task_success(None, "x") is None


def test_bootstrap_and_percentiles() -> None:
    assert bootstrap_mean([]) is None
    single = bootstrap_mean([0.5])
    assert single is not None and single.mean == 0.5 and math.isnan(single.lo)
    interval = bootstrap_mean([0.0, 1.0] * 50)
    assert interval is not None and interval.mean == 0.5
    assert 0.38 < interval.lo < 0.5 < interval.hi < 0.62
    assert bootstrap_mean([0.0, 1.0] * 50) == interval  # seeded: same data, same interval
    assert percentile([1, 2, 3, 4], 50) == 2.5 and percentile([], 95) is None


def test_prices_come_from_the_shared_table() -> None:
    assert cost_usd("gpt-4o", 1_000_000, 1_000_000) == 12.5
    assert cost_usd("offline-extractive", 10, 10) == 0.0
    assert cost_usd("no-such-model", 10, 10) is None


def test_cache_keys_and_entries(tmp_path: Path) -> None:
    assert content_key({"a": 1, "b": 2}) == content_key({"b": 2, "a": 1})
    assert content_key("x", 1) != content_key("x", 2)
    cache = DiskCache(tmp_path)
    assert cache.get("judge", "ab" * 32) is None
    cache.put("judge", "ab" * 32, {"value": 0.5})
    assert cache.get("judge", "ab" * 32) == {"value": 0.5}
    assert (cache.hits, cache.misses) == (1, 1)
    assert DiskCache(None).get("judge", "ab" * 32) is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("[1, 2]", "d.jsonl:2: a row must be a JSON object"),
        ('{"id": "a", "user_input": "q"}', "d.jsonl:2: duplicate id 'a'"),
        ('{"id": "b"}', "d.jsonl:2: missing or empty string field 'user_input'"),
        ('{"id": "b", "user_input": "q", "reference_contexts": "x"}',
         "d.jsonl:2: 'reference_contexts' must be a list of strings"),
        ('{"id": "b", "user_input": "q", "metadata": {"tags": [1]}}',
         "d.jsonl:2: metadata.tags must be a list of strings"),
        ('{"id": "b", "user_input": "q", "expected_tool_calls": [{"args": {}}]}',
         "d.jsonl:2: each tool call needs a string 'name'"),
    ],
)  # fmt: skip
def test_dataset_errors_name_the_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"id": "a", "user_input": "q"}\n' + line + "\n")
    with pytest.raises(DatasetError) as info:
        load_dataset(path, display="d.jsonl")
    assert info.value.message == message


def test_dataset_optional_fields_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('\n{"id": "a", "user_input": "q"}\n\n')
    data = load_dataset(path)
    assert data.n == 1 and data.samples[0].reference is None and data.samples[0].tags == []
    path.write_text("\n")
    with pytest.raises(DatasetError, match="has no rows"):
        load_dataset(path)
