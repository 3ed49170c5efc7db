"""Case 8: help and messages say what they mean."""

from __future__ import annotations

from pathlib import Path

from tests.hostile.conftest import eval_project, harness_run, one_line


def test_group_help_lists_every_verb_with_its_whole_summary(tmp_path: Path) -> None:
    result = harness_run("--help", cwd=tmp_path, env={"COLUMNS": "200"})
    assert result.returncode == 0
    commands = result.stdout.split("Commands:")[1]
    for verb in ("audit", "badge", "checklists", "eval", "new", "update"):
        assert f"\n  {verb} " in commands, commands
    assert "..." not in commands and "…" not in commands
    assert "Generate a KIND project (rag-qa, agent-workflow, production-app) in DIRECTORY." in (
        " ".join(commands.split())
    )


def test_eval_help_names_files_as_files(tmp_path: Path) -> None:
    result = harness_run("eval", "--help", cwd=tmp_path, env={"COLUMNS": "200"})
    for option in ("--baseline FILE", "--save-baseline FILE", "--json FILE"):
        assert option in result.stdout, result.stdout


def test_an_unknown_metric_gets_did_you_mean(tmp_path: Path) -> None:
    root = eval_project(tmp_path / "p")
    result = harness_run("eval", "--metrics", "hit@55", cwd=root)
    assert result.returncode == 2
    assert one_line(result) == "error: unknown metric 'hit@55' — did you mean 'hit@5'?"
