"""`harness report` reads its inputs through the safe-read layer: a FIFO given as a report, a
history or a load-test result is one line, never a hang; a report nested past the limit or a
history line that is is refused or skipped, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.hostile.conftest import eval_project, harness_run, one_line

EVAL = "`harness eval --json eval.json`"


@pytest.fixture
def evaluated(tmp_path: Path) -> Path:
    root = eval_project(tmp_path / "p")
    result = harness_run("eval", "--quiet", "--json", "eval.json", cwd=root)
    assert result.returncode == 0, result.stderr
    return root


@pytest.mark.parametrize(
    ("option", "hint"),
    [
        ("--audit", "pass the file written by `harness audit PATH --format json:audit.json`"),
        ("--eval", f"pass the file written by {EVAL}"),
        ("--history", "check the path"),
        ("--load", "pass the file written by the project's load test (`--json results.json`)"),
        ("--against", "check the path"),
    ],
)
def test_a_fifo_input_is_one_line_not_a_hang(evaluated: Path, option: str, hint: str) -> None:
    os.mkfifo(evaluated / "pipe")
    extra = ["--summary-md", "summary.md"] if option == "--against" else []
    result = harness_run(
        "report", "--eval", "eval.json", *extra, option, "pipe", cwd=evaluated, timeout=60
    )
    assert result.returncode == 2
    assert one_line(result) == f"error: cannot read pipe: not a regular file (not read) — {hint}"


def test_a_deeply_nested_report_is_one_line(evaluated: Path) -> None:
    (evaluated / "deep.json").write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    result = harness_run("report", "--eval", "deep.json", cwd=evaluated)
    assert one_line(result) == (
        f"error: deep.json is nested too deeply to be a report — pass the file written by {EVAL}"
    )


def test_a_deeply_nested_history_line_is_skipped(evaluated: Path) -> None:
    history = evaluated / ".harness-cache" / "eval" / "history.jsonl"
    with history.open("a") as handle:
        handle.write("[" * 5000 + "]" * 5000 + "\n")
    result = harness_run(
        "report", "--eval", "eval.json", "--history", str(history), "-o", "page.html", cwd=evaluated
    )
    assert result.returncode == 0, result.stderr
    assert "1 unreadable history line(s) skipped." in (evaluated / "page.html").read_text()
