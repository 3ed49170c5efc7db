"""Wrong inputs give one line saying what to do next, exit 2, and write nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import Run


def _refused(workdir: Path, run: Run, *args: str) -> str:
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert not (workdir / "badges").exists()
    return result.stderr


def test_no_inputs(workdir: Path, run: Run) -> None:
    assert _refused(workdir, run) == (
        "error: nothing to badge — pass --audit FILE and/or --eval FILE, "
        "or --readme FILE to link existing badges\n"
    )


def test_eval_report_passed_as_audit(workdir: Path, run: Run) -> None:
    assert _refused(workdir, run, "--audit", "eval.json") == (
        "error: eval.json is a harness-eval report, not harness-audit — pass it with --eval\n"
    )


def test_missing_file(workdir: Path, run: Run) -> None:
    assert _refused(workdir, run, "--audit", "nope.json") == (
        "error: nope.json does not exist — pass the file written by "
        "`harness audit PATH --format json:audit.json`\n"
    )


def test_not_json(workdir: Path, run: Run) -> None:
    (workdir / "bad.json").write_text("{\n  oops\n", encoding="utf-8")

    assert _refused(workdir, run, "--eval", "bad.json") == (
        "error: bad.json is not JSON (line 2: Expecting property name enclosed in double quotes)"
        " — pass the file written by `harness eval` with its JSON report\n"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"kind": "sarif"}', "bad.json is not a harness-audit report (kind is 'sarif')"),
        ("[1, 2]", "bad.json is not a harness-audit report (not a JSON object)"),
        (
            '{"kind": "harness-audit", "schema_version": "1"}',
            "bad.json has no numeric score.overall",
        ),
    ],
)
def test_not_an_audit_report(workdir: Path, run: Run, body: str, message: str) -> None:
    (workdir / "bad.json").write_text(body, encoding="utf-8")

    assert _refused(workdir, run, "--audit", "bad.json") == (
        f"error: {message} — pass the file written by "
        "`harness audit PATH --format json:audit.json`\n"
    )


def test_newer_schema(workdir: Path, run: Run) -> None:
    (workdir / "new.json").write_text('{"kind": "harness-audit", "schema_version": "3"}', "utf-8")

    assert _refused(workdir, run, "--audit", "new.json") == (
        "error: new.json has schema_version '3'; this harness reads '1' or '2' — regenerate the "
        "report with this harness version, or upgrade portfolio-harness\n"
    )


def test_unknown_metric(workdir: Path, run: Run) -> None:
    assert _refused(workdir, run, "--eval", "eval.json", "--metric", "bleu") == (
        "error: metric 'bleu' is not in eval.json — use one of: answer_relevancy, faithfulness, "
        "hit@5\n"
    )
    assert _refused(workdir, run, "--eval", "eval.json", "--metric", "faithfullness") == (
        "error: metric 'faithfullness' is not in eval.json — did you mean 'faithfulness'?\n"
    )


def test_bad_as_of(workdir: Path, run: Run) -> None:
    assert _refused(workdir, run, "--audit", "audit.json", "--as-of", "soon") == (
        "error: --as-of 'soon' is not an ISO date — use e.g. 2026-11-24\n"
    )
