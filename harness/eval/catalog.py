"""Which metrics exist, which ones a run computes, and the version each is computed at.

Versions go into baseline fingerprints: a baseline made with another metric implementation is
incomparable, not silently compared.
"""

from __future__ import annotations

from harness.errors import EvalConfigError
from harness.eval.dataset import Dataset
from harness.eval.ragas_metrics import LLM, NON_LLM
from harness.eval.retrieval import retrieval_metrics
from harness.suggest import did_you_mean

HARNESS_METRICS_VERSION = "1"
AGENT = ("task_success", "tool_call_f1")
GROUPS = ("retrieval", "ragas", "llm", "agent")


def group_of(name: str, k: int) -> str:
    if name in retrieval_metrics(k):
        return "retrieval"
    if name in NON_LLM:
        return "ragas"
    if name in LLM:
        return "llm"
    if name in AGENT:
        return "agent"
    raise KeyError(name)


def known(k: int) -> list[str]:
    return [*retrieval_metrics(k), *NON_LLM, *LLM, *AGENT]


def _group_members(group: str, k: int) -> list[str]:
    return [m for m in known(k) if group_of(m, k) == group]


def select_metrics(requested: list[str] | None, dataset: Dataset, judge: bool, k: int) -> list[str]:
    """Explicit names (or group names) if given; else every metric the dataset can feed."""
    if requested is None:
        return _auto(dataset, judge, k)
    chosen: list[str] = []
    for name in requested:
        members = _group_members(name, k) if name in GROUPS else [name]
        for member in members:
            if member not in known(k):
                names = [*known(k), *GROUPS]
                suggestion = did_you_mean(member, names, limit=0)
                raise EvalConfigError(
                    f"unknown metric {member!r}",
                    suggestion
                    if suggestion.startswith("did")
                    else f"use one of {', '.join(known(k))} or a group ({', '.join(GROUPS)})",
                )
            if member in LLM and not judge:
                raise EvalConfigError(
                    f"metric {member!r} needs a judge",
                    "set --judge-model (and --judge-base-url) or [tool.harness.eval.judge]",
                )
            if member not in chosen:
                chosen.append(member)
    return chosen


def _auto(dataset: Dataset, judge: bool, k: int) -> list[str]:
    rows = dataset.samples
    chosen: list[str] = []
    if any(s.reference_context_ids for s in rows):
        chosen += list(retrieval_metrics(k))
    has_reference = any(s.reference for s in rows)
    if any(s.reference_contexts for s in rows):
        chosen += [m for m, (_, needs) in NON_LLM.items() if "reference_contexts" in needs]
    if has_reference:
        chosen += [m for m, (_, needs) in NON_LLM.items() if "reference_contexts" not in needs]
    if judge:
        chosen += [m for m, (_, needs) in LLM.items() if "reference" not in needs or has_reference]
    if any(s.expected_outcome is not None for s in rows):
        chosen.append("task_success")
    if any(s.expected_tool_calls is not None for s in rows):
        chosen.append("tool_call_f1")
    return chosen


def metric_version(name: str, k: int, ragas_version: str) -> str:
    group = group_of(name, k)
    if group in ("ragas", "llm"):
        return f"ragas-{ragas_version}"
    return f"harness-{HARNESS_METRICS_VERSION}"
