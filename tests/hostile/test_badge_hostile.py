"""Case 5 for `harness badge`: hostile reports, manifests, READMEs and output folders end in
one line, and nothing is written when any target cannot be."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.hostile.conftest import harness_run, one_line

BADGE_FIXTURES = Path(__file__).resolve().parents[1] / "badge"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    for name in ("audit.json", "eval.json"):
        shutil.copy(BADGE_FIXTURES / name, tmp_path / name)
    return tmp_path


def test_a_5000_character_metric_name_gets_a_short_file_name(work: Path) -> None:
    report = json.loads((work / "eval.json").read_text())
    long_name = "m" * 5000
    report["metrics"] = {long_name: {"mean": 0.9, "n": 10, "measured": 10, "coverage": 1.0}}
    (work / "eval.json").write_text(json.dumps(report))
    result = harness_run("badge", "--eval", "eval.json", "--no-cost", cwd=work)
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (work / "badges").iterdir())
    assert len(names) == 3 and all(len(name) < 100 for name in names), names


def test_a_readme_that_cannot_be_written_stops_before_any_badge(work: Path) -> None:
    real = work / "elsewhere.md"
    real.write_text("# p\n")
    (work / "README.md").symlink_to(real)
    result = harness_run("badge", "--audit", "audit.json", "--readme", "README.md", cwd=work)
    assert result.returncode == 2
    assert one_line(result) == (
        "error: cannot write README.md: it is a symlink (not replaced) — give the path of a "
        "regular file"
    )
    assert not (work / "badges").exists()
    assert real.read_text() == "# p\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through read-only permissions")
def test_a_read_only_readme_stops_before_any_badge(work: Path) -> None:
    readme = work / "README.md"
    readme.write_text("# p\n")
    readme.chmod(0o444)
    result = harness_run("badge", "--audit", "audit.json", "--readme", "README.md", cwd=work)
    assert one_line(result) == (
        "error: cannot write README.md: permission denied — check its permissions"
    )
    assert not (work / "badges").exists()


def test_an_out_folder_that_is_a_fifo_is_one_line(work: Path) -> None:
    os.mkfifo(work / "pipe")
    result = harness_run("badge", "--audit", "audit.json", "--out", "pipe", cwd=work)
    assert result.returncode == 2
    assert one_line(result) == (
        "error: cannot write pipe/audit.svg: pipe is not a directory — choose another path"
    )


def test_a_manifest_entry_pointing_at_the_parent_is_ignored(work: Path) -> None:
    out = work / "badges"
    out.mkdir()
    manifest = {
        "kind": "harness-badges",
        "badges": [{"source": "audit", "svg": "..", "endpoint": ".."}],
    }
    (out / "badges.json").write_text(json.dumps(manifest))
    result = harness_run("badge", "--audit", "audit.json", cwd=work)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    assert (work / "audit.json").is_file() and out.is_dir()


def test_a_deeply_nested_report_is_one_line(work: Path) -> None:
    (work / "eval.json").write_text(
        '{"kind": "harness-eval", "x": ' + "[" * 5000 + "]" * 5000 + "}"
    )
    result = harness_run("badge", "--eval", "eval.json", cwd=work)
    assert result.returncode == 2
    assert one_line(result) == (
        "error: eval.json is not a usable report: nested deeper than 100 levels — pass the file "
        "written by `harness eval` with its JSON report"
    )


def test_a_fifo_report_is_one_line(work: Path) -> None:
    os.mkfifo(work / "fifo.json")
    result = harness_run("badge", "--audit", "fifo.json", cwd=work, timeout=30)
    assert result.returncode == 2
    assert one_line(result) == (
        "error: cannot read fifo.json: not a regular file (not read) — pass the file written by "
        "`harness audit PATH --format json:audit.json`"
    )


def test_a_fifo_thresholds_file_is_one_line(work: Path) -> None:
    os.mkfifo(work / "scales.yml")
    result = harness_run(
        "badge", "--audit", "audit.json", "--thresholds", "scales.yml", cwd=work, timeout=30
    )
    assert result.returncode == 2
    assert one_line(result) == (
        "error: cannot read thresholds scales.yml: not a regular file (not read) — fix the "
        "thresholds file (see `harness badge --help` for its shape)"
    )
    assert not (work / "badges").exists()


def test_a_metric_name_with_a_lone_surrogate_is_shown_not_a_crash(work: Path) -> None:
    report = json.loads((work / "eval.json").read_text())
    report["metrics"]["m\ud800x"] = next(iter(report["metrics"].values()))
    (work / "odd.json").write_text(json.dumps(report))  # ASCII JSON: "\ud800" as an escape
    (work / "README.md").write_text("# p\n")
    strict = {"PYTHONIOENCODING": "utf-8:strict"}
    args = ("--eval", "odd.json", "--out", "b", "--readme", "README.md")
    result = harness_run("badge", *args, cwd=work, env=strict)
    assert result.returncode == 0, result.stderr
    assert "m\ufffdx: " in result.stdout
    for written in [*(work / "b").iterdir(), work / "README.md"]:
        written.read_bytes().decode("utf-8")  # valid UTF-8 everywhere


def test_a_badges_folder_that_is_a_symlink_is_not_written_through(work: Path) -> None:
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    (work / "badges").symlink_to(elsewhere)
    result = harness_run("badge", "--audit", "audit.json", cwd=work)
    assert result.returncode == 2
    assert one_line(result) == (
        "error: --out badges is a symlink (not followed) — pass the folder it points to as "
        "--out, or remove the link"
    )
    assert list(elsewhere.iterdir()) == []
    result = harness_run("badge", "--audit", "audit.json", "--out", "elsewhere", cwd=work)
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "badges.json").is_file()
