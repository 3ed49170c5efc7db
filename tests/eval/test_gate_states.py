"""Every state of the regression gate says what it is, in every format (case 9): underpowered
and incomparable are not a pass unless accepted by a flag, lost samples are not a gain, a
baseline that measured nothing is not saved, and a damaged baseline is one line."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from tests.eval.conftest import Project, cli

BROKEN = """
from {module} import ask as real

def ask(row):
    if row["id"] in {ids!r}:
        raise RuntimeError("down")
    return real(row)
"""


def run(project: Project, *extra: str, target: str | None = None) -> Any:
    return cli(str(project.root), "--target", target or project.target, "--metrics", "hit@5",
               "--no-target-cache", "--quiet", *extra)  # fmt: skip


def _broken(project: Project, ids: set[str]) -> str:
    (project.root / project.module / "broken.py").write_text(
        BROKEN.format(module=project.module, ids=ids)
    )
    return f"{project.module}.broken:ask"


def test_a_target_down_on_every_sample_fails_by_default(make_project: Any) -> None:
    project: Project = make_project(5)
    result = run(project, target=_broken(project, {f"q{i:03d}" for i in range(5)}))
    assert result.exit_code == 1
    assert "error: 1 check(s) failed: coverage hit@5>=0.8: FAILED, coverage 0.00% (0/5)" in (
        result.output
    )


def test_a_candidate_failing_on_its_misses_is_not_a_gain(make_project: Any) -> None:
    project: Project = make_project(10)
    misses = {"q000", "q001"}
    project.set_mode("wrong:" + ",".join(sorted(misses)))
    assert run(project, "--save-baseline").exit_code == 0
    result = run(
        project, "--baseline", "evals/baseline.json", "--min-coverage", "0",
        target=_broken(project, misses),
    )  # fmt: skip
    assert result.exit_code == 1
    assert (
        "no regression hit@5: FAILED, 2 sample(s) measured in the baseline are unmeasured now"
        in result.output
    )
    assert project.report()["comparison"]["metrics"]["hit@5"]["status"] == "lost"


def test_a_baseline_from_a_run_that_measured_nothing_is_not_saved(make_project: Any) -> None:
    project: Project = make_project(3)
    target = _broken(project, {"q000", "q001", "q002"})
    result = run(project, "--save-baseline", target=target)
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        "error: not saving a baseline: hit@5 measured no sample in this run — fix the target "
        "or judge and run again (the report was written)"
    )
    assert not (project.root / "evals" / "baseline.json").exists()


def _baseline(project: Project, samples: dict[str, Any], versions: dict[str, str]) -> Path:
    report_run = run(project, "--min-coverage", "0")
    assert report_run.exit_code == 0, report_run.output
    fingerprint = dict(project.report()["fingerprint"])
    fingerprint["metric_versions"] = versions
    path = project.root / "evals" / "hand.json"
    doc = {"kind": "harness-eval-baseline", "fingerprint": fingerprint, "samples": samples}
    path.write_text(json.dumps(doc))
    return path


def test_a_null_sample_in_the_baseline_is_one_line(make_project: Any) -> None:
    project: Project = make_project(3)
    path = _baseline(project, {"q000": None}, {"hit@5": "harness-1"})
    result = run(project, "--baseline", str(path))
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        f"error: baseline {path}: sample 'q000' is not an object of scores — regenerate it "
        "with --save-baseline"
    )


def test_missing_and_unmeasured_baseline_metrics_are_said(make_project: Any) -> None:
    project: Project = make_project(6)
    samples: dict[str, Any] = {f"q{i:03d}": {"mrr": 1.0} for i in range(6)}
    path = _baseline(project, samples, {"hit@5": "harness-1", "mrr": "harness-1"})
    result = run(project, "--baseline", str(path))
    # hit@5 is in the baseline's metrics but was measured on no sample: not "new", not a pass
    assert result.exit_code == 1
    assert project.report()["comparison"]["metrics"]["hit@5"]["status"] == "underpowered"
    assert "warning: mrr: in the baseline but not computed by this run (not compared)" in (
        result.output
    )


def test_underpowered_in_every_format(make_project: Any, tmp_path: Path) -> None:
    project: Project = make_project(3)
    assert run(project, "--save-baseline").exit_code == 0
    md, xml = tmp_path / "s.md", tmp_path / "j.xml"
    result = run(project, "--baseline", "evals/baseline.json", "--markdown", str(md),
                 "--junit", str(xml))  # fmt: skip
    assert result.exit_code == 1
    assert "error: gate inconclusive, not a pass: no regression hit@5: UNDERPOWERED" in (
        result.output
    )
    report = project.report()
    assert (report["gate"]["state"], report["gate"]["passed"]) == ("inconclusive", False)
    assert md.read_text().startswith("## harness eval: ⚠️ inconclusive (not a pass)\n")
    case = next(c for c in ET.parse(xml).getroot() if c.get("name") == "no regression hit@5")
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "underpowered"

    accepted = run(project, "--baseline", "evals/baseline.json", "--markdown", str(md),
                   "--junit", str(xml), "--accept", "underpowered")  # fmt: skip
    assert accepted.exit_code == 0, accepted.output
    assert md.read_text().startswith("## harness eval: ✅ passed\n")
    case = next(c for c in ET.parse(xml).getroot() if c.get("name") == "no regression hit@5")
    skipped = case.find("skipped")
    assert skipped is not None
    assert "UNDERPOWERED, accepted by --accept underpowered" in (skipped.get("message") or "")
