"""Provenance for reviewers: a generated project, changed as its owner would change it, audited
through the CLI; the figures per area are asserted exactly. Other repositories are "not
applicable"; a source that is not here, or an answers file that lies, is "unknown" with why."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from harness import __version__
from harness.audit import provenance, provenance_compare
from harness.cli import main
from tests.audit.project import GOOD, write_project
from tests.templates.support import commit_all, template_repo

KINDS = ("rag-qa", "agent-workflow", "production-app")
ANSWERS = ".copier-answers.yml"
NOT_GENERATED = "no .copier-answers.yml: not generated from the portfolio-harness templates"


# ----- helpers ---------------------------------------------------------------------------------


def audit(root: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["audit", str(root), "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def found(root: Path) -> dict[str, Any]:
    section: dict[str, Any] = audit(root)["provenance"]
    return section


def line_count(data: bytes) -> int:
    return data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)


def text_lines(root: Path) -> int:
    """Lines of every text file of a generated project (what the owner's share is taken over)."""
    total = 0
    for path in root.rglob("*"):
        if path.is_file() and ".git" not in path.relative_to(root).parts:
            data = path.read_bytes()
            total += 0 if b"\0" in data[:8192] else line_count(data)
    return total


def file_count(root: Path) -> int:
    return sum(
        1 for p in root.rglob("*") if p.is_file() and ".git" not in p.relative_to(root).parts
    )


def append_lines(path: Path, lines: list[str]) -> None:
    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        text += "\n"
    path.write_text(text + "".join(f"{line}\n" for line in lines), encoding="utf-8")


def answers_of(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((root / ANSWERS).read_text(encoding="utf-8"))
    return data


def write_answers(root: Path, answers: dict[str, Any]) -> None:
    (root / ANSWERS).write_text(yaml.safe_dump(answers, sort_keys=True), encoding="utf-8")


def zero_area() -> dict[str, Any]:
    return {
        "files": {"added": 0, "changed": 0, "removed": 0},
        "lines": {"added": 0, "changed": 0, "removed": 0, "owner": 0},
    }


def without_totals(area: dict[str, Any]) -> dict[str, Any]:
    """An area's figures without the two that depend on the template's size."""
    return {
        "files": {k: v for k, v in area["files"].items() if k != "unchanged"},
        "lines": {k: v for k, v in area["lines"].items() if k != "total"},
    }


# ----- generated projects ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A published version of the templates: a git repository tagged v1.0.0."""
    return template_repo(tmp_path_factory.mktemp("source") / "portfolio-harness")


@pytest.fixture(scope="module")
def generated(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """`harness new KIND` from the source, once per kind and module."""
    made: dict[str, Path] = {}

    def make(kind: str) -> Path:
        if kind not in made:
            project = tmp_path_factory.mktemp("fresh") / kind
            result = CliRunner().invoke(main, ["new", kind, str(project), "--source", str(source)])
            assert result.exit_code == 0, result.output
            made[kind] = project
        return made[kind]

    return make


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """Every regeneration of the pristine template (each one runs Copier)."""
    calls: list[Path] = []
    real = provenance.regenerate

    def counting(source: provenance.Source, data: dict[str, Any], destination: Path) -> None:
        calls.append(destination)
        real(source, data, destination)

    monkeypatch.setattr(provenance, "regenerate", counting)
    yield calls


@pytest.mark.parametrize("kind", KINDS)
def test_a_fresh_project_is_all_template(
    kind: str, generated: Callable[[str], Path], source: Path
) -> None:
    project = generated(kind)
    section = found(project)
    assert section["status"] == "measured", section
    assert (section["template"], section["commit"], section["source"]) == (
        kind,
        "v1.0.0",
        str(source),
    )
    assert section["reason"] is None
    assert section["owner_share"] == 0.0
    assert section["total"] == {
        "files": {"added": 0, "changed": 0, "removed": 0, "unchanged": file_count(project)},
        "lines": {"added": 0, "changed": 0, "removed": 0, "owner": 0, "total": text_lines(project)},
    }
    assert section["changes"] == [] and section["not_counted"] == []
    assert list(section["areas"]) == ["app", "tests", "evals", "docs", "config", "other"]
    assert section["areas"]["app"]["files"]["unchanged"] > 10  # the app code is recognised
    assert section["areas"]["tests"]["files"]["unchanged"] > 3


def rewrite_first_section(readme: Path, new: list[str]) -> int:
    """Replace the first paragraph under the first `## ` heading; the old paragraph's length."""
    lines = readme.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("## ")) + 1
    while not lines[start].strip():
        start += 1
    end = start
    while end < len(lines) and lines[end].strip() and not lines[end].startswith("#"):
        end += 1
    lines[start:end] = new
    readme.write_text("\n".join(lines), encoding="utf-8")
    return end - start


@pytest.mark.parametrize("kind", KINDS)
def test_an_owners_changes_are_counted_per_area(
    kind: str,
    generated: Callable[[str], Path],
    tmp_path: Path,
    counted: list[Path],
) -> None:
    project = tmp_path / kind
    shutil.copytree(generated(kind), project)
    files_before = file_count(project)
    # app code: one line rewritten, three appended
    main_py = project / "app" / "main.py"
    code = main_py.read_text(encoding="utf-8").split("\n")
    code[0] = "# The owner's service: first line rewritten"
    main_py.write_text("\n".join(code), encoding="utf-8")
    append_lines(main_py, ["OWNER_A = 1", "OWNER_B = 2", "OWNER_C = 3"])
    # tests: a new test file of four lines
    test = "def test_owner() -> None:\n    value = 2 + 2\n    assert value == 4\n# end\n"
    (project / "tests" / "test_owner.py").write_text(test, encoding="utf-8")
    # eval data: two rows of the owner's own questions
    rows = [{"user_input": f"owner question {i}", "reference": f"answer {i}"} for i in (1, 2)]
    append_lines(project / "evals" / "dataset.jsonl", [json.dumps(row) for row in rows])
    # docs: the first README section rewritten in two lines, and the LICENSE deleted
    old_paragraph = rewrite_first_section(
        project / "README.md", ["The owner's own problem statement.", "Measured on my data."]
    )
    licence_lines = line_count((project / "LICENSE").read_bytes())
    (project / "LICENSE").unlink()

    out = tmp_path / "out"
    args = ["-f", f"json:{out}.json", "-f", f"markdown:{out}.md", "-f", f"sarif:{out}.sarif"]
    result = CliRunner().invoke(main, ["audit", str(project), *args])
    assert result.exit_code in (0, 1), result.output
    assert len(counted) == 1  # cached per audit run: one regeneration for every format
    section = json.loads(Path(f"{out}.json").read_text(encoding="utf-8"))["provenance"]
    assert section["status"] == "measured", section

    docs_changed = min(old_paragraph, 2)
    expected = {name: zero_area() for name in ("app", "tests", "evals", "docs", "config", "other")}
    expected["app"] = {
        "files": {"added": 0, "changed": 1, "removed": 0},
        "lines": {"added": 3, "changed": 1, "removed": 0, "owner": 4},
    }
    expected["tests"] = {
        "files": {"added": 1, "changed": 0, "removed": 0},
        "lines": {"added": 4, "changed": 0, "removed": 0, "owner": 4},
    }
    expected["evals"] = {
        "files": {"added": 0, "changed": 1, "removed": 0},
        "lines": {"added": 2, "changed": 0, "removed": 0, "owner": 2},
    }
    expected["docs"] = {
        "files": {"added": 0, "changed": 1, "removed": 1},
        "lines": {
            "added": 2 - docs_changed,
            "changed": docs_changed,
            "removed": old_paragraph - docs_changed + licence_lines,
            "owner": 2,
        },
    }
    assert {k: without_totals(v) for k, v in section["areas"].items()} == expected
    total_lines = text_lines(project)
    owner = 4 + 4 + 2 + 2
    assert section["total"]["lines"] == {
        "added": 3 + 4 + 2 + (2 - docs_changed),
        "changed": 1 + docs_changed,
        "removed": old_paragraph - docs_changed + licence_lines,
        "owner": owner,
        "total": total_lines,
    }
    assert section["total"]["files"] == {
        "added": 1,
        "changed": 3,
        "removed": 1,
        "unchanged": files_before - 4,
    }
    assert section["owner_share"] == round(owner / total_lines, 4)
    assert [(c["path"], c["change"]) for c in section["changes"]] == [
        ("LICENSE", "removed"),
        ("README.md", "changed"),
        ("app/main.py", "changed"),
        ("evals/dataset.jsonl", "changed"),
        ("tests/test_owner.py", "added"),
    ]
    assert section["changes"][2]["lines"] == {"added": 3, "changed": 1, "removed": 0}

    # The terminal footer, the Markdown section and the evidence page say the same.
    share = f"{owner / total_lines * 100:.1f}%"
    line = (
        f"Provenance: {owner} of {total_lines} lines ({share}) are the owner's "
        f"(+{section['total']['lines']['added']} ~{1 + docs_changed} "
        f"-{section['total']['lines']['removed']}); files +1 ~3 -1 against {kind} at v1.0.0"
    )
    assert line in result.stdout.splitlines()
    markdown = Path(f"{out}.md").read_text(encoding="utf-8")
    assert f"### Provenance\n\n{line}\n" in markdown
    assert "| tests | 1 | 0 | 0 |" in markdown
    assert f"| eval data | 0 | 1 | 0 | {section['areas']['evals']['files']['unchanged']} | 2 |" in (
        markdown
    )
    page = tmp_path / "page.html"
    shown = CliRunner().invoke(main, ["report", "--audit", f"{out}.json", "-o", str(page)])
    assert shown.exit_code == 0, shown.output
    html = page.read_text(encoding="utf-8")
    assert f"<strong>{owner} of {total_lines} lines</strong>" in html
    assert '<a href="#provenance">Provenance</a>' in html
    assert "<code>tests/test_owner.py</code> added (+4 ~0 -0)" in html


# ----- not applicable, unknown -----------------------------------------------------------------


def test_a_repository_not_generated_from_the_templates_is_not_applicable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*_: object) -> None:
        raise AssertionError("a repository without answers must not regenerate anything")

    monkeypatch.setattr(provenance, "regenerate", never)
    root = write_project(tmp_path / "plain", dict(GOOD))
    report = audit(root)
    # Schema 2.1: `provenance` is added within major 2, so readers of "2" keep working.
    assert (report["schema_version"], report["schema_revision"]) == ("2", "2.1")
    assert report["provenance"] == {"status": "not-applicable", "reason": NOT_GENERATED}
    table = CliRunner().invoke(main, ["audit", str(root)])
    assert f"Provenance: not applicable, {NOT_GENERATED}" in table.stdout.splitlines()
    markdown = CliRunner().invoke(main, ["audit", str(root), "--format", "markdown"]).stdout
    assert f"### Provenance\n\nProvenance: not applicable, {NOT_GENERATED}\n" in markdown
    # Another Copier template's project: answers, but not ours.
    write_answers(root, {"_src_path": "gh:someone/python-template", "package": "thing"})
    assert found(root) == {
        "status": "not-applicable",
        "reason": ".copier-answers.yml was not written by a portfolio-harness template",
    }


@pytest.fixture
def recorded(generated: Callable[[str], Path]) -> dict[str, Any]:
    """The answers a real rag-qa project recorded (to be altered by each case)."""
    return answers_of(generated("rag-qa"))


def unknown(tmp_path: Path, answers: dict[str, Any]) -> str:
    root = write_project(tmp_path / "project", dict(GOOD))
    write_answers(root, answers)
    section = found(root)
    assert section["status"] == "unknown", section
    assert set(section) == {"status", "reason"}
    reason: str = section["reason"]
    # The terminal says it in one line, the reason as it is (paths keep their case).
    table = CliRunner().invoke(main, ["audit", str(root)]).stdout
    assert f"Provenance: unknown, {reason}" in table.splitlines()
    return reason


@pytest.mark.parametrize(
    "src",
    [
        "https://github.com/owner/portfolio-harness",
        "git@github.com:owner/portfolio-harness.git",
        "gh:owner/portfolio-harness",
    ],
)
def test_a_remote_source_is_unknown_the_audit_stays_offline(
    tmp_path: Path, recorded: dict[str, Any], src: str
) -> None:
    reason = unknown(tmp_path, recorded | {"_src_path": src})
    assert (
        reason == f"the template source {src} is remote and the audit does not fetch it (offline)"
    )


def test_a_source_not_on_this_machine_or_without_the_commit_is_unknown(
    tmp_path: Path, recorded: dict[str, Any], source: Path
) -> None:
    gone = tmp_path / "Moved-Away"
    reason = unknown(tmp_path, recorded | {"_src_path": str(gone)})
    assert reason == f"the template source {gone} is not available on this machine"
    reason = unknown(tmp_path, recorded | {"_commit": "v9.9.9"})
    assert reason == f"the template source {source} does not have the recorded commit v9.9.9"
    # `copier copy templates/rag-qa` records no commit: which version made it is not known.
    folder = source / "templates" / "rag-qa"
    reason = unknown(
        tmp_path, {k: v for k, v in recorded.items() if k != "_commit"} | {"_src_path": str(folder)}
    )
    assert reason == (
        f".copier-answers.yml records no template commit (_commit), so the version of {folder} "
        "the project was generated from is unknown"
    )
    other = tmp_path / "other-template"
    other.mkdir()
    (other / "copier.yml").write_text("name: {type: str}\n", encoding="utf-8")
    reason = unknown(tmp_path, recorded | {"_src_path": str(other)})
    assert reason == f"the template source {other} is not a portfolio-harness template"


def test_packaged_templates_count_only_for_this_harness_version(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    source: Path,
    recorded: dict[str, Any],
) -> None:
    packaged = tmp_path / "site-packages" / "harness" / "_data" / "templates-root"
    shutil.copytree(source, packaged, ignore=shutil.ignore_patterns(".git"))
    monkeypatch.setattr("harness.scaffold.source._packaged_root", lambda: packaged)
    old = recorded | {
        "_src_path": str(packaged),
        "harness_requirement": "portfolio-harness[eval]==0.0.1",
    }
    del old["_commit"]
    assert unknown(tmp_path, old) == (
        "generated from the packaged templates of portfolio-harness 0.0.1; this is "
        f"{__version__}, whose templates may differ"
    )
    project = tmp_path / "from-wheel"
    pin = f"harness_requirement=portfolio-harness[eval]=={__version__}"
    result = CliRunner().invoke(
        main, ["new", "agent-workflow", str(project), "--source", str(packaged), "-d", pin]
    )
    assert result.exit_code == 0, result.output
    section = found(project)
    assert (section["status"], section["commit"], section["template"]) == (
        "measured",
        None,
        "agent-workflow",
    )
    assert section["total"]["lines"]["owner"] == 0
    assert section["total"]["files"]["unchanged"] == file_count(project)


# ----- hostile answers files ---------------------------------------------------------------------


def test_hostile_answers_files_are_refused_with_a_reason(
    tmp_path: Path, recorded: dict[str, Any]
) -> None:
    root = write_project(tmp_path / "project", dict(GOOD))
    outside = tmp_path / "outside.yml"
    outside.write_text(yaml.safe_dump(recorded), encoding="utf-8")
    (root / ANSWERS).symlink_to(outside)
    assert found(root)["reason"] == (
        ".copier-answers.yml is not a regular file (a symlink or special file is not read)"
    )
    (root / ANSWERS).unlink()
    (root / ANSWERS).write_text("_src_path: x\n" + "# padding\n" * 8000, encoding="utf-8")
    assert found(root)["reason"] == ".copier-answers.yml is larger than 64 KB"
    (root / ANSWERS).write_text("- a\n- b\n", encoding="utf-8")
    assert found(root)["reason"] == ".copier-answers.yml is not a mapping of answers"
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)
    )
    (root / ANSWERS).write_text(bomb, encoding="utf-8")
    assert found(root)["reason"].startswith(".copier-answers.yml is not valid YAML")

    cases = {
        "/etc": "refused: the template source /etc is a system path",
        "/": "refused: the template source / is a system path",
        "../portfolio-harness": "the template source ../portfolio-harness is a relative path; "
        "where it was is unknown",
    }
    for src, reason in cases.items():
        assert unknown(tmp_path, recorded | {"_src_path": src}) == reason
    assert unknown(tmp_path, recorded | {"_commit": "--upload-pack=touch pwned"}) == (
        ".copier-answers.yml: _commit is not a git revision"
    )
    assert unknown(tmp_path, recorded | {"project_name": {"nested": ["value"]}}) == (
        ".copier-answers.yml: the answer 'project_name' is not a plain value"
    )


def test_a_template_source_inside_the_audited_repository_is_refused(
    tmp_path: Path, source: Path, recorded: dict[str, Any]
) -> None:
    # A repository cannot bring its own "pristine" template to claim other people's work.
    root = write_project(tmp_path / "project", dict(GOOD))
    shutil.copytree(source, root / "vendor-template")
    write_answers(root, recorded | {"_src_path": str(root / "vendor-template")})
    assert found(root)["reason"] == (
        f"refused: the template source {root / 'vendor-template'} is inside the audited repository"
    )


def test_an_answer_that_escapes_the_destination_is_refused_by_the_template(
    tmp_path: Path, generated: Callable[[str], Path]
) -> None:
    project = tmp_path / "project"
    shutil.copytree(generated("rag-qa"), project)
    write_answers(project, answers_of(project) | {"project_slug": "../../escaped"})
    section = found(project)
    assert section["status"] == "unknown"
    assert section["reason"].startswith(
        "the template could not be regenerated: ValueError: Validation error for question "
        "'project_slug'"
    )
    assert not list(tmp_path.rglob("escaped"))


def test_template_tasks_never_run_even_when_copier_settings_trust_the_source(
    tmp_path: Path, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tasked = tmp_path / "tasked-source"
    shutil.copytree(source, tasked)
    marker = tmp_path / "task-ran"
    copier_yml = tasked / "copier.yml"
    copier_yml.write_text(
        copier_yml.read_text(encoding="utf-8") + f"_tasks:\n  - touch {marker}\n",
        encoding="utf-8",
    )
    commit_all(tasked, "tasks", tag="v2.0.0")
    settings = tmp_path / "copier-settings.yml"
    settings.write_text(yaml.safe_dump({"trust": [str(tasked)]}), encoding="utf-8")
    monkeypatch.setenv("COPIER_SETTINGS_PATH", str(settings))
    project = tmp_path / "project"
    result = CliRunner().invoke(
        main,
        ["new", "production-app", str(project), "--source", str(tasked), "--vcs-ref", "v1.0.0"],
    )
    assert result.exit_code == 0, result.output
    answers = project / ANSWERS
    text = answers.read_text(encoding="utf-8")
    answers.write_text(text.replace("_commit: v1.0.0\n", "_commit: v2.0.0\n"), encoding="utf-8")
    assert answers_of(project)["_commit"] == "v2.0.0"
    assert not marker.exists()
    section = found(project)
    assert not marker.exists()
    assert (section["status"], section["commit"]) == ("measured", "v2.0.0")
    assert section["total"]["lines"]["owner"] == 0


def test_regeneration_is_bounded_in_time(
    tmp_path: Path, generated: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(provenance, "REGENERATE_SECONDS", 0.001)
    section = found(generated("rag-qa"))
    assert section == {
        "status": "unknown",
        "reason": "regenerating the template took longer than 0.001 s",
    }


# ----- the comparison itself ---------------------------------------------------------------------


def tree(root: Path, files: dict[str, bytes]) -> list[str]:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return sorted(files)


def test_binary_large_and_long_files_are_compared_but_not_line_counted(tmp_path: Path) -> None:
    big = b"x" * (provenance_compare.MAX_FILE_BYTES + 1)
    long_old = b"".join(b"line %d\n" % i for i in range(provenance_compare.MAX_DIFF_LINES + 1))
    pristine = tree(
        tmp_path / "pristine",
        {
            "docs/shot.png": b"\x89PNG\0\0",
            "evals/big.jsonl": big,
            "evals/same-big.jsonl": big,
            "app/long.py": long_old,
            "app/main.py": b"a\nb\nc\n",
            "Makefile": b"all:\n\ttrue\n",
        },
    )
    project = tree(
        tmp_path / "project",
        {
            "docs/shot.png": b"\x89PNG\0\1",  # a new screenshot
            "evals/big.jsonl": big[:-1] + b"y",
            "evals/same-big.jsonl": big,
            "app/long.py": long_old + b"one more\n",
            "app/main.py": b"a\nB\nc\nd",  # one line changed, one added without a newline
            "Makefile": b"all:\n\ttrue\n",
            "notes/plan.txt": b"mine\n",
        },
    )
    areas, changes, not_counted = provenance_compare.compare(
        tmp_path / "project", project, tmp_path / "pristine", pristine
    )
    assert [(c.path, c.change, c.lines) for c in changes] == [
        ("app/long.py", "changed", None),
        ("app/main.py", "changed", (1, 1, 0)),
        ("docs/shot.png", "changed", None),
        ("evals/big.jsonl", "changed", None),
        ("notes/plan.txt", "added", (1, 0, 0)),
    ]
    longest = provenance_compare.MAX_DIFF_LINES
    assert not_counted == [
        ("app/long.py", f"longer than {longest} lines (lines not counted)"),
        ("docs/shot.png", "binary file (lines not counted)"),
        ("evals/big.jsonl", "larger than 1 MB (lines not counted)"),
    ]
    assert (areas["evals"].files_changed, areas["evals"].files_unchanged) == (1, 1)
    assert (areas["app"].lines_total, areas["app"].owner_lines) == (4, 2)
    assert (areas["config"].files_unchanged, areas["config"].lines_total) == (1, 2)
    assert (areas["other"].files_added, areas["other"].lines_total) == (1, 1)


@pytest.mark.parametrize(
    ("path", "area"),
    [
        ("app/api/routes/ask.py", "app"),
        ("alembic/versions/0001_init.py", "app"),
        ("loadtest/load.py", "app"),
        ("tests/test_api.py", "tests"),
        ("app/test_thing.py", "tests"),
        ("app/conftest.py", "tests"),
        ("evals/dataset.jsonl", "evals"),
        ("sample_docs/handbook.md", "evals"),
        ("README.md", "docs"),
        ("docs/screenshot.png", "docs"),
        ("LICENSE", "docs"),
        (".github/workflows/ci.yml", "config"),
        (".copier-answers.yml", "config"),
        ("Dockerfile", "config"),
        ("compose.langfuse.yaml", "config"),
        ("requirements-dev.txt", "config"),
        ("pyproject.toml", "config"),
        ("deploy/caddy/Caddyfile", "config"),
        ("notes/plan.txt", "other"),
    ],
)
def test_areas_are_decided_by_path(path: str, area: str) -> None:
    assert provenance_compare.area_of(path) == area


def test_the_evidence_page_says_why_provenance_is_unknown(
    tmp_path: Path, recorded: dict[str, Any]
) -> None:
    root = write_project(tmp_path / "project", dict(GOOD))
    write_answers(root, recorded | {"_src_path": "https://example.invalid/owner/portfolio-harness"})
    report = tmp_path / "audit.json"
    CliRunner().invoke(main, ["audit", str(root), "--format", f"json:{report}"])
    page = tmp_path / "page.html"
    shown = CliRunner().invoke(main, ["report", "--audit", str(report), "-o", str(page)])
    assert shown.exit_code == 0, shown.output
    html = page.read_text(encoding="utf-8")
    assert (
        "<p>Provenance: unknown, the template source https://example.invalid/owner/"
        "portfolio-harness is remote and the audit does not fetch it (offline)</p>"
    ) in html
