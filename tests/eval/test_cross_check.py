"""The harness' non-LLM scores equal what calling ragas directly gives on the same samples."""

from __future__ import annotations

import math
import warnings
from typing import Any

from tests.eval.conftest import Project, cli

NON_LLM = [
    "non_llm_context_recall", "non_llm_context_precision_with_reference", "rouge_score",
    "bleu_score", "non_llm_string_similarity", "exact_match", "string_present",
]  # fmt: skip


def test_non_llm_scores_match_ragas_evaluate(make_project: Any) -> None:
    project: Project = make_project(10)
    project.set_mode("wrong:q001,q004,q007")
    result = cli(str(project.root), "--target", project.target, "--metrics", "ragas", "--quiet")
    assert result.exit_code == 0, result.output
    report = project.report()
    assert list(report["metrics"]) == NON_LLM

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from ragas import EvaluationDataset, evaluate
        from ragas.metrics import (
            BleuScore,
            ExactMatch,
            NonLLMContextPrecisionWithReference,
            NonLLMContextRecall,
            NonLLMStringSimilarity,
            RougeScore,
            StringPresence,
        )  # fmt: skip
    rows = {r["id"]: r for r in map(_json, (project.root / "evals/dataset.jsonl").open())}
    docs = _json((project.root / project.module / "docs.json").open().read())
    data = [
        {
            "user_input": rows[s["id"]]["user_input"],
            "response": s["response"],
            "reference": rows[s["id"]]["reference"],
            "retrieved_contexts": [docs[i] for i in s["retrieved_ids"]],
            "reference_contexts": rows[s["id"]]["reference_contexts"],
        }
        for s in report["samples"]
    ]
    direct = evaluate(
        EvaluationDataset.from_list(data),
        metrics=[NonLLMContextRecall(), NonLLMContextPrecisionWithReference(), RougeScore(),
                 BleuScore(), NonLLMStringSimilarity(), ExactMatch(), StringPresence()],
        show_progress=False,
    ).to_pandas()  # fmt: skip
    # ragas names some columns with their settings, e.g. "rouge_score(mode=fmeasure)"
    column = {n: next(c for c in direct.columns if c.split("(")[0] == n) for n in NON_LLM}
    for i, sample in enumerate(report["samples"]):
        for name in NON_LLM:
            ours, theirs = sample["scores"][name], float(direct[column[name]][i])
            assert math.isclose(ours, theirs, rel_tol=0, abs_tol=1e-12), (sample["id"], name)
    # and the mean the harness reports is the plain mean of those per-sample scores
    for name in NON_LLM:
        expected = direct[column[name]].mean()
        assert math.isclose(report["metrics"][name]["mean"], expected, abs_tol=1e-6)


def _json(text: str) -> Any:
    import json

    return json.loads(text)
