"""Cases 5, 7 and 8 for `harness new` and `harness update`: a destination that is a file or
cannot be created, unknown --data answers, Copier's tag notice, and malformed recorded answers
each end in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.conftest import harness_run, one_line
from tests.templates.support import commit_all, git, template_repo

KIND = "agent-workflow"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return template_repo(tmp_path_factory.mktemp("src") / "source")


@pytest.fixture(scope="module")
def untagged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return template_repo(tmp_path_factory.mktemp("src") / "untagged", tag="")


def test_new_into_an_existing_file(tmp_path: Path, source: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("mine\n")
    result = harness_run("new", KIND, str(target), "--source", str(source), cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result) == f"error: {target} exists and is not a directory — choose a new path"
    assert target.read_text() == "mine\n"


def test_new_below_a_file(tmp_path: Path, source: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = harness_run("new", KIND, str(blocker / "p"), "--source", str(source), cwd=tmp_path)
    assert one_line(result) == (
        f"error: cannot create {blocker / 'p'}: {blocker} is not a directory — choose another path"
    )


def test_an_unknown_data_key_is_refused_with_a_suggestion(tmp_path: Path, source: Path) -> None:
    result = harness_run(
        "new", KIND, "p", "--source", str(source), "--data", "vectorstore=pgvector", cwd=tmp_path
    )
    assert result.returncode == 2
    assert one_line(result) == (
        "error: unknown answer 'vectorstore': the template asks no such question; did you mean "
        "'vector_store'? — change that --data answer and run again"
    )
    assert not (tmp_path / "p").exists()


def test_no_tag_notice_from_copier(tmp_path: Path, untagged: Path) -> None:
    result = harness_run("new", KIND, "p", "--source", str(untagged), cwd=tmp_path, timeout=180)
    assert result.returncode == 0, result.stderr
    assert "No git tags found" not in result.stderr + result.stdout
    git(tmp_path / "p", "init", "-q", "-b", "main")
    commit_all(tmp_path / "p", "generated")
    updated = harness_run("update", "p", cwd=tmp_path, timeout=180)
    assert updated.returncode == 0, updated.stderr
    assert "No git tags found" not in updated.stderr + updated.stdout


def _project(tmp_path: Path, answers: str) -> Path:
    project = tmp_path / "proj"
    project.mkdir()
    (project / ".copier-answers.yml").write_text(answers)
    return project


HINT = "restore .copier-answers.yml from git history, or regenerate the project with `harness new`"


@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        ("- a\n- b\n", "must be a mapping of answers, not a list"),
        ("", "must be a mapping of answers, not empty"),
        ("_commit: v1\nproject_name: x\n", "has no _src_path (the template source)"),
        ("_src_path: ''\n", "has no _src_path (the template source)"),
        ("_src_path: [1]\n", "has no _src_path (the template source)"),
        ("_src_path: x\n_commit: [1]\n", ": _commit must be a string"),
        ("_src_path: x\n  bad: : indent\n", "is not valid YAML (line 2): malformed YAML"),
    ],
)
def test_update_refuses_malformed_answers(tmp_path: Path, answers: str, problem: str) -> None:
    project = _project(tmp_path, answers)
    result = harness_run("update", str(project), cwd=tmp_path)
    assert result.returncode == 2
    path = project / ".copier-answers.yml"
    sep = "" if problem.startswith(":") else " "
    assert one_line(result) == f"error: {path}{sep}{problem} — {HINT}"


def test_update_never_reads_answers_symlinked_from_outside(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.yml"
    elsewhere.write_text("_src_path: x\nproject_name: not yours\n")
    project = tmp_path / "proj"
    project.mkdir()
    (project / ".copier-answers.yml").symlink_to(elsewhere)
    result = harness_run("update", str(project), cwd=tmp_path)
    assert result.returncode == 2
    path = project / ".copier-answers.yml"
    assert (
        one_line(result) == f"error: cannot read {path}: outside the repository (not read) — {HINT}"
    )


def test_update_with_an_unknown_commit_is_one_line(tmp_path: Path, source: Path) -> None:
    project = tmp_path / "proj"
    made = harness_run(
        "new", KIND, str(project), "--source", str(source), "--vcs-ref", "v1.0.0", cwd=tmp_path
    )
    assert made.returncode == 0, made.stderr
    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("_commit: v1.0.0", "_commit: v9.9.9"))
    git(project, "init", "-q", "-b", "main")
    commit_all(project, "generated")
    result = harness_run("update", str(project), cwd=tmp_path, timeout=180)
    assert result.returncode == 2
    line = one_line(result)
    assert line.startswith("error: copier update failed: ")
    assert line.endswith(
        f"— check that {source} is reachable and has the commit v9.9.9 recorded in "
        ".copier-answers.yml"
    )
