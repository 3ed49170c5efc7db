"""Rank-aware retrieval metrics over context ids, computed by the harness itself.

All are binary-relevance: a retrieved id is relevant when it is in the row's
`reference_context_ids`. Duplicated ids count once, at their best rank. A row without reference
ids cannot be scored (None, counted as unmeasured), while a target that retrieved nothing scores 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

RetrievalFn = Callable[[Sequence[str], Sequence[str], int], float]


def _dedupe(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def hit_at_k(retrieved: Sequence[str], relevant: Sequence[str], k: int) -> float:
    wanted = set(relevant)
    return 1.0 if any(i in wanted for i in _dedupe(retrieved)[:k]) else 0.0


def reciprocal_rank(retrieved: Sequence[str], relevant: Sequence[str], k: int) -> float:
    """MRR's per-query term over the whole ranked list (k does not cut it)."""
    wanted = set(relevant)
    for rank, item in enumerate(_dedupe(retrieved), start=1):
        if item in wanted:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(retrieved: Sequence[str], relevant: Sequence[str], k: int) -> float:
    wanted = set(relevant)
    dcg = sum(
        1.0 / math.log2(rank + 1)
        for rank, item in enumerate(_dedupe(retrieved)[:k], start=1)
        if item in wanted
    )
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(wanted), k) + 1))
    return dcg / ideal


def recall_at_k(retrieved: Sequence[str], relevant: Sequence[str], k: int) -> float:
    wanted = set(relevant)
    return len(wanted.intersection(_dedupe(retrieved)[:k])) / len(wanted)


def retrieval_metrics(k: int) -> dict[str, RetrievalFn]:
    """Metric name (as reported) -> function, for a given cut-off k."""
    return {
        f"hit@{k}": hit_at_k,
        "mrr": reciprocal_rank,
        f"ndcg@{k}": ndcg_at_k,
        f"recall@{k}": recall_at_k,
    }


def score_retrieval(
    name: str, fn: RetrievalFn, retrieved: Sequence[str], relevant: Sequence[str] | None, k: int
) -> float | None:
    if not relevant:
        return None
    return fn(retrieved, relevant, k)
