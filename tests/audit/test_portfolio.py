"""Portfolio READMEs the owner completes: the to-do prompts, the results block `harness readme`
fills from a real eval report, and the audit checks that read both back.

Each test generates a template, edits it as an owner would, and drives the CLI in a
subprocess; the eval-driven tests use agent-workflow with the owner's own dataset and target."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.eval.conftest import DOCS, TARGET_SOURCE, rows
from tests.templates.support import REPO, generate


def harness(*args: str, cwd: Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "RAGAS_DO_NOT_TRACK": "true"}
    done = subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert (done.returncode == 0) is ok, (done.returncode, done.stdout, done.stderr)
    return done


def audit(project: Path, full: bool = False) -> dict[str, dict[str, Any]]:
    out = project.parent / "audit.json"
    harness("audit", str(project), "--fail-under", "90", "--fail-on", "high",
            "--format", f"json:{out}", cwd=REPO)  # fmt: skip
    report = json.loads(out.read_text())
    if full:  # a fresh project: its to-dos are listed, its score untouched
        assert report["score"]["overall"] == 100.0
    return {r["id"]: r for r in report["checks"]}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return generate("agent-workflow", tmp_path / "proj")


def replace_todo(readme: Path, name: str, text: str) -> None:
    """Replace one prompt, markers included, by the owner's own text."""
    lines = readme.read_text().splitlines(keepends=True)
    start = lines.index(f"<!-- harness:todo {name} -->\n")
    end = lines.index("<!-- /harness:todo -->\n", start)
    readme.write_text("".join([*lines[:start], text + "\n", *lines[end + 1 :]]))


KINDS = ["rag-qa", "agent-workflow", "production-app"]


@pytest.mark.parametrize("kind", KINDS)
def test_fresh_project_lists_its_todos_and_stays_at_100(kind: str, tmp_path: Path) -> None:
    project = generate(kind, tmp_path / "proj")
    results = audit(project, full=True)
    own = results["portfolio-own-text"]
    assert own["status"] == "waived"
    assert own["message"] == (
        "5 portfolio section(s) still hold the template's prompt: "
        "problem, decisions, what-didnt-work, results, cost"
    )
    lines = (project / "README.md").read_text().splitlines()
    for evidence in own["evidence"]:
        assert lines[evidence["line"] - 1].startswith("<!-- harness:todo ")
    assert results["readme-results-backed"]["status"] == "na"
    # The prompt's example figures are the template's: no results yet, a listed to-do.
    reported = results["readme-results"]
    assert reported["status"] == "waived"
    assert reported["message"].endswith(
        "has no measured figures (a table or numbers next to metric names)"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_filling_every_section_flips_the_check(kind: str, tmp_path: Path) -> None:
    project = generate(kind, tmp_path / "proj")
    readme = project / "README.md"
    replace_todo(readme, "problem", "Our two support staff drown in order-status tickets.")
    own = audit(project)["portfolio-own-text"]
    assert own["status"] == "waived"
    assert own["message"].startswith("4 portfolio section(s)")
    for name in ("decisions", "what-didnt-work", "results", "cost"):
        replace_todo(readme, name, f"Our own {name}, in our words.")
    own = audit(project)["portfolio-own-text"]
    assert own["status"] == "pass"
    assert own["message"] == "every portfolio prompt was replaced by the owner's text"
    assert own["waiver"]["state"] == "removable"


def test_prompt_left_without_markers_is_still_a_todo(project: Path) -> None:
    readme = project / "README.md"
    text = readme.read_text().replace("<!-- harness:todo problem -->\n", "", 1)
    readme.write_text(text)
    own = audit(project)["portfolio-own-text"]
    assert own["status"] == "waived"
    line = next(e["line"] for e in own["evidence"] if "markers removed" in e["note"])
    assert text.splitlines()[line - 1].startswith("> **To do: write this section yourself.**")


def test_example_left_below_the_owners_text_is_still_a_todo(project: Path) -> None:
    """The owner wrote above the prompt, deleted its markers and first line, kept the example."""
    readme = project / "README.md"
    lines = readme.read_text().splitlines(keepends=True)
    start = lines.index("<!-- harness:todo problem -->\n")
    end = lines.index("<!-- /harness:todo -->\n", start)
    kept = [line for line in lines[start + 1 : end] if "To do: write" not in line]
    mine = ["Our support team answers the same questions every day.\n", "\n"]
    readme.write_text("".join([*lines[:start], *mine, *kept, *lines[end + 1 :]]))
    own = audit(project)["portfolio-own-text"]
    example = readme.read_text().splitlines().index("> *Example of a good entry:*") + 1
    assert own["message"] == (
        "5 portfolio section(s) still hold the template's prompt: "
        f"line {example}, decisions, what-didnt-work, results, cost"
    )


def _own_eval(project: Path) -> Path:
    """The owner's own dataset and target, run through `harness eval` for real."""
    config = project / "pyproject.toml"
    text = re.sub(r"(?m)^thresholds = .*$", 'thresholds = { "hit@5" = 0.5 }', config.read_text())
    config.write_text(text)
    module = project / "owner_target"
    module.mkdir()
    (module / "__init__.py").write_text(TARGET_SOURCE)
    (module / "docs.json").write_text(json.dumps(DOCS))
    (project / "evals" / "dataset.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows(10))
    )
    harness("eval", ".", "--target", "owner_target:ask", "--metrics", "retrieval",
            "--json", "evals/report.json", "--quiet", "--no-cache", cwd=project)  # fmt: skip
    return project / "evals" / "report.json"


def test_results_block_from_a_real_eval_report(project: Path) -> None:
    report_path = _own_eval(project)
    report = json.loads(report_path.read_text())
    readme = project / "README.md"
    done = harness("readme", "README.md", "--eval", "evals/report.json", cwd=project)
    assert done.stdout == "README.md: results block updated\n"
    text = readme.read_text()
    block = text.split("<!-- harness:results:start -->\n")[1].split("<!-- harness:results:end -->")[
        0
    ]
    hit = report["metrics"]["hit@5"]
    assert f"| hit@5 | {hit['mean']:.3f} | " in block
    assert f"| {hit['measured']}/{hit['n']} |" in block
    assert "Eval report: `evals/report.json`" in block
    # Idempotent: a second run changes nothing, and --check agrees.
    again = harness("readme", "README.md", "--eval", "evals/report.json", cwd=project)
    assert again.stdout == "README.md: results block up to date\n"
    assert readme.read_text() == text
    harness("readme", "--eval", "evals/report.json", "--check", cwd=project)
    after = audit(project)
    assert after["readme-results-backed"]["status"] == "pass"
    assert after["readme-results"]["status"] == "pass"
    assert after["readme-results"]["waiver"]["state"] == "removable"

    # A figure edited by hand no longer matches the report: the check names the line.
    wrong = f"| hit@5 | {hit['mean']:.3f} | "
    readme.write_text(text.replace(wrong, "| hit@5 | 0.999 | "))
    backed = audit(project)["readme-results-backed"]
    assert backed["status"] == "fail"
    line = backed["evidence"][0]["line"]
    assert readme.read_text().splitlines()[line - 1].startswith("| hit@5 | 0.999 | ")
    check = harness("readme", "--eval", "evals/report.json", "--check", cwd=project, ok=False)
    assert check.stdout == "would update README.md\n"


def test_figure_outside_the_block_needs_a_report(project: Path) -> None:
    readme = project / "README.md"
    replace_todo(readme, "results", "On our tickets the agent reached MRR 0.870 and hit@5 0.910.")
    backed = audit(project)["readme-results-backed"]
    assert backed["status"] == "fail"
    assert backed["message"] == "1 result(s) in the README that no report in the repository backs"
    line = backed["evidence"][0]["line"]
    assert "MRR 0.870" in readme.read_text().splitlines()[line - 1]


def test_block_naming_an_uncommitted_report_fails(project: Path, tmp_path: Path) -> None:
    outside = _own_eval(project)
    moved = project / ".harness-cache" / "eval" / "report.json"  # gitignored: not in the repo
    moved.parent.mkdir(parents=True, exist_ok=True)
    outside.rename(moved)
    harness("readme", "--eval", ".harness-cache/eval/report.json", cwd=project)
    backed = audit(project)["readme-results-backed"]
    assert backed["status"] == "fail"
    assert backed["evidence"][0]["note"] == (
        "figures from `.harness-cache/eval/report.json`, which is not in the repository"
    )


def test_readme_without_markers_is_refused_untouched(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# mine\n\nhit@5 0.9\n")
    report = tmp_path / "report.json"
    report.write_text((REPO / "tests" / "badge" / "eval.json").read_text())
    done = harness("readme", "README.md", "--eval", "report.json", cwd=tmp_path, ok=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "error: README.md has no results block (<!-- harness:results:start --> ... "
        "<!-- harness:results:end -->) — add the two marker lines where the measured figures "
        "belong; nothing was changed\n"
    )
    assert readme.read_text() == "# mine\n\nhit@5 0.9\n"


LOAD_STAGES = [  # what `loadtest/load.py --json FILE` writes: asdict(StageResult) per stage
    {"rate": 50, "seconds": 30.0, "sent": 1500, "ok": 1498, "errors": 2, "dropped": 0,
     "status": {"200": 1498, "503": 2}, "achieved_rps": 49.9, "p50_ms": 41.2, "p95_ms": 88.5,
     "p99_ms": 130.25, "max_ms": 410.0},
]  # fmt: skip


def test_load_test_stages_fill_the_block(tmp_path: Path) -> None:
    project = generate("production-app", tmp_path / "proj")
    (project / "load.json").write_text(json.dumps(LOAD_STAGES))
    done = harness("readme", "--load", "load.json", cwd=project)
    assert done.stdout == "README.md: results block updated\n"
    text = (project / "README.md").read_text()
    assert "Load test report: `load.json`.\n" in text
    assert "| 1 | 50 | 49.9 | 1498 | 2 | 41.2 ms | 88.5 ms | 130.2 ms |\n" in text
    assert audit(project)["readme-results-backed"]["status"] == "pass"
    (project / "load.json").write_text(json.dumps([{**LOAD_STAGES[0], "p95_ms": 60.0}]))
    backed = audit(project)["readme-results-backed"]
    assert backed["status"] == "fail"
    assert backed["evidence"][0]["note"] == (
        "differs from the report: expected '| 1 | 50 | 49.9 | 1498 | 2 | 41.2 ms | 60.0 ms | "
        "130.2 ms |'"
    )


def test_bad_markers_and_missing_reports_are_one_line_errors(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    start, end = "<!-- harness:results:start -->", "<!-- harness:results:end -->"
    readme.write_text(f"# mine\n{start}\n{start}\n{end}\n")
    (tmp_path / "load.json").write_text(json.dumps(LOAD_STAGES))
    done = harness("readme", "--load", "load.json", cwd=tmp_path, ok=False)
    assert done.stderr == (
        "error: README has 2 start and 1 end results markers — keep one "
        f"{start} line followed by one {end} line\n"
    )
    done = harness("readme", cwd=tmp_path, ok=False)
    assert done.stderr == (
        "error: no report to fill the results block from — pass --eval FILE and/or --load FILE\n"
    )
    readme.write_text(f"# mine\n{start}\n{end}\n")
    done = harness("readme", "--eval", "missing.json", cwd=tmp_path, ok=False)
    assert done.stderr.startswith("error: missing.json does not exist — ")
    (tmp_path / "bad.json").write_text('{"stages": []}')
    done = harness("readme", "--load", "bad.json", cwd=tmp_path, ok=False)
    assert done.stderr == (
        "error: bad.json is not a load-test report (a list of stages) — pass the file written "
        "by `python loadtest/load.py --json FILE`\n"
    )
    assert readme.read_text() == f"# mine\n{start}\n{end}\n"


def test_numbers_that_are_not_results_are_not_flagged(project: Path) -> None:
    """Exit codes, gates and budgets in a results section are settings, not quoted results."""
    readme = project / "README.md"
    readme.write_text(
        readme.read_text()
        + "\n## Eval exit codes\n\n| code | meaning |\n|---|---|\n| 0 | passed |\n| 2 | usage |\n"
        + "\nThe gate fails below hit@5 0.9; budgets stop a run above cost 0.05.\n"
    )
    backed = audit(project)["readme-results-backed"]
    assert (backed["status"], backed["message"]) == (
        "na",
        "the README quotes no measured results yet",
    )
