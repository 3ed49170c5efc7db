"""`--langfuse` records the run as a Langfuse dataset run, checked on a loopback receiver."""

from __future__ import annotations

from typing import Any

from tests.eval.conftest import Project, cli
from tests.eval.langfuse_receiver import LangfuseReceiver


def test_run_is_recorded_as_dataset_run_with_scores(make_project: Any) -> None:
    project: Project = make_project(3)
    project.set_mode("wrong:q001")
    with LangfuseReceiver() as server:
        env = {"LANGFUSE_PUBLIC_KEY": "pk-lf-test", "LANGFUSE_SECRET_KEY": "sk-lf-test",
               "LANGFUSE_HOST": server.host, "LANGFUSE_BASE_URL": server.host}  # fmt: skip
        result = cli(str(project.root), "--target", project.target, "--metrics", "hit@5,mrr",
                     "--langfuse", "--run-name", "ci-42", "--quiet", env=env)  # fmt: skip
        assert result.exit_code == 0, result.output
        rec = server.recorded
    dataset_name = f"harness-eval/{project.root.name}"
    assert f"langfuse: recorded run 'ci-42' on dataset '{dataset_name}'" in result.output
    assert [d["name"] for d in rec.posts_to("/datasets")] == [dataset_name]
    items = rec.posts_to("/dataset-items")
    assert [i["metadata"]["harness_sample_id"] for i in items] == ["q000", "q001", "q002"]
    assert items[0]["input"] == {"user_input": "What is the capital of France?"}

    scores = [s for batch in rec.posts_to("/scores") for s in _list(batch)]
    per_item = {(s["traceId"], s["name"]): s["value"] for s in scores if "traceId" in s}
    run_level = {s["name"]: s["value"] for s in scores if "datasetRunId" in s}
    assert sorted(v for (_, name), v in per_item.items() if name == "hit@5") == [0.0, 1.0, 1.0]
    assert run_level["hit@5.mean"] == round(2 / 3, 6) and run_level["mrr.coverage"] == 1.0

    tasks = [s for s in rec.spans if s["name"] == "experiment-item-task"]
    assert len(tasks) == 3
    assert {t["attrs"]["langfuse.experiment.name"] for t in tasks} == {"ci-42"}
    assert {t["attrs"]["langfuse.experiment.item.id"] for t in tasks} == {i["id"] for i in items}
    outputs = sorted(t["attrs"]["langfuse.observation.output"] for t in tasks)
    assert "Paris is the capital of France." in outputs
    # every score hangs off one of those item traces
    assert {trace for trace, _ in per_item} == {t["trace_id"] for t in tasks}
    assert "Basic cGstbGYtdGVzdDpzay1sZi10ZXN0" in rec.auth_headers


def test_langfuse_without_keys_fails_before_the_run(make_project: Any) -> None:
    project: Project = make_project(2)
    env = {"LANGFUSE_PUBLIC_KEY": "", "LANGFUSE_SECRET_KEY": ""}
    result = cli(str(project.root), "--target", project.target, "--langfuse", env=env)
    assert result.exit_code == 2
    assert result.output.startswith(
        "error: --langfuse needs LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY — export"
    )
    assert not (project.root / ".harness-cache" / "eval" / "report.json").exists()


def _list(batch: Any) -> list[Any]:
    return batch if isinstance(batch, list) else [batch]
