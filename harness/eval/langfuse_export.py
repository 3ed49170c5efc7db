"""`--langfuse`: record a finished run as a Langfuse dataset run (experiment) with scores.

Uses the langfuse v5 SDK's own experiment machinery so the run shows up exactly as one made in
Langfuse: the dataset and its items are upserted (item ids derived from the dataset name and
sample id, so reruns reuse them), each sample becomes a trace linked to its item carrying the
response, and every measured score is attached to it. Unmeasured scores are not sent (Langfuse
has no "unmeasured"); their count is attached as run-level coverage scores instead.
Credentials come from LANGFUSE_PUBLIC_KEY / LANGFUSE_SECRET_KEY / LANGFUSE_HOST.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from rich.console import Console

from harness.errors import EvalConfigError

KEY_ENV = ("LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY")
TIMEOUT_S = 10  # a host that never answers would otherwise hold flush() for ~18 s


def check_credentials() -> None:
    """Fail before the run, not after it, when the export could not happen."""
    missing = [name for name in KEY_ENV if not os.environ.get(name)]
    if missing:
        raise EvalConfigError(
            f"--langfuse needs {' and '.join(missing)}",
            "export the project's keys (and LANGFUSE_HOST for self-hosted), or drop --langfuse",
        )


def _item_id(dataset: str, sample_id: str) -> str:
    # Langfuse item ids are global across datasets: namespace them by dataset name.
    return hashlib.sha256(f"{dataset}\0{sample_id}".encode()).hexdigest()[:32]


def export_run(report: dict[str, Any], project: Path, run_name: str | None, err: Console) -> str:
    from langfuse import Evaluation, Langfuse

    dataset_name = f"harness-eval/{project.resolve().name}"
    name = run_name or _default_run_name(report)
    client = Langfuse(timeout=TIMEOUT_S)
    client.create_dataset(
        name=dataset_name, metadata={"sha256": report["dataset"]["sha256"], "source": "harness"}
    )
    by_id = {s["id"]: s for s in report["samples"]}
    items = [
        client.create_dataset_item(
            dataset_name=dataset_name,
            id=_item_id(dataset_name, sample["id"]),
            input={"user_input": sample["user_input"]},
            metadata={"harness_sample_id": sample["id"], "tags": sample["tags"]},
        )
        for sample in report["samples"]
    ]

    def task(*, item: Any, **_: Any) -> Any:
        sample = by_id[item.metadata["harness_sample_id"]]
        return sample["response"] if sample["error"] is None else f"error: {sample['error']}"

    def scores(*, metadata: dict[str, Any] | None, **_: Any) -> list[Evaluation]:
        sample = by_id[(metadata or {})["harness_sample_id"]]
        return [
            Evaluation(name=metric, value=value)
            for metric, value in sample["scores"].items()
            if value is not None
        ]

    def run_scores(**_: Any) -> list[Evaluation]:
        out = []
        for metric, summary in report["metrics"].items():
            if summary["mean"] is not None:
                out.append(Evaluation(name=f"{metric}.mean", value=summary["mean"]))
            out.append(Evaluation(name=f"{metric}.coverage", value=summary["coverage"]))
        return out

    result = client.run_experiment(
        name=dataset_name,
        run_name=name,
        description=f"harness eval of commit {report['commit'] or 'unknown'}",
        data=items,
        task=task,
        evaluators=[scores],
        run_evaluators=[run_scores],
        metadata={"report_schema": report["schema_version"], "commit": report["commit"]},
    )
    client.shutdown()
    err.print(f"langfuse: recorded run {name!r} on dataset {dataset_name!r}", markup=False)
    return result.experiment_id


def _default_run_name(report: dict[str, Any]) -> str:
    commit = report["commit"]
    return f"harness-eval-{commit[:12]}" if commit else f"harness-eval-{report['generated_at']}"
