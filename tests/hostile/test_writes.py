"""Case 2: reports are written only over regular files (never a device, FIFO, symlink or
directory), with the user's umask; config-set outputs stay inside the project. Case 5: file
names that are not UTF-8 never make a report unwritable or unprintable."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.hostile.conftest import eval_project, harness_run, one_line


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "README.md").write_text("# repo\n")
    return root


def test_a_fifo_target_is_refused_not_replaced(tmp_path: Path, repo: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = harness_run("audit", str(repo), "--format", f"json:{fifo}", cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result) == (
        f"error: cannot write {fifo}: it is not a regular file (a device, FIFO or socket is "
        "never replaced) — give the path of a regular file"
    )
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_device_node_is_refused_not_replaced(tmp_path: Path, repo: Path) -> None:
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError):
        pytest.skip("cannot create a device node here")
    result = harness_run("audit", str(repo), "--format", f"json:{device}", cwd=tmp_path)
    assert result.returncode == 2
    assert "it is not a regular file" in one_line(result)
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_a_symlink_target_is_refused_and_kept(tmp_path: Path, repo: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("keep me\n")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    result = harness_run("audit", str(repo), "-o", str(link), cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result) == (
        f"error: cannot write {link}: it is a symlink (not replaced) — give the path of a "
        "regular file"
    )
    assert link.is_symlink() and real.read_text() == "keep me\n"


def test_a_directory_or_a_path_through_a_file_is_one_line(tmp_path: Path, repo: Path) -> None:
    result = harness_run("audit", str(repo), "-o", str(tmp_path), "--format", "json", cwd=tmp_path)
    assert one_line(result) == (
        f"error: cannot write {tmp_path}: it is a directory — give a file name, e.g. "
        "DIR/report.json"
    )
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    result = harness_run("audit", str(repo), "--format", f"json:{plain}/x", cwd=tmp_path)
    assert one_line(result) == (
        f"error: cannot write {plain}/x: {plain} is not a directory — choose another path"
    )


@pytest.mark.parametrize(
    "args",
    [
        ("-o", "-", "--format", "json"),
        ("-o", "/dev/stdout", "--format", "json"),
        ("--format", "json:/dev/stdout"),
    ],
)
def test_standard_output_named_as_a_file_is_printed_to(
    tmp_path: Path, repo: Path, args: tuple[str, ...]
) -> None:
    # Only names are passed: standard output is printed to, never opened, so nothing here can
    # touch the machine's /dev/stdout.
    result = harness_run("audit", str(repo), *args, cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    assert json.loads(result.stdout)["kind"] == "harness-audit"
    assert not (tmp_path / "-").exists()


def test_a_too_long_file_name_is_one_line(tmp_path: Path, repo: Path) -> None:
    name = tmp_path / ("x" * 300 + ".json")
    result = harness_run("audit", str(repo), "--format", f"json:{name}", cwd=tmp_path)
    assert result.returncode == 2
    assert (
        one_line(result) == f"error: cannot write {name}: file name too long — choose another path"
    )


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_reports_honour_the_umask(tmp_path: Path, repo: Path, umask: int, mode: int) -> None:
    out = tmp_path / "audit.json"
    previous = os.umask(umask)
    try:
        result = harness_run("audit", str(repo), "--format", f"json:{out}", cwd=tmp_path)
    finally:
        os.umask(previous)
    assert result.returncode in (0, 1), result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == mode


def test_output_without_format_follows_the_suffix(tmp_path: Path, repo: Path) -> None:
    result = harness_run("audit", str(repo), "-o", "out.json", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    assert json.loads((tmp_path / "out.json").read_text())["kind"] == "harness-audit"
    harness_run("audit", str(repo), "-o", "out.sarif", cwd=tmp_path)
    assert json.loads((tmp_path / "out.sarif").read_text())["version"] == "2.1.0"


@pytest.mark.parametrize(
    ("setting", "value"),
    [("report", "../victim/notes.txt"), ("cache_dir", "../x"), ("report", "/tmp/../{tmp}/v.json")],
)
def test_config_set_eval_outputs_stay_in_the_project(
    tmp_path: Path, setting: str, value: str
) -> None:
    value = value.format(tmp=tmp_path.relative_to("/"))
    root = eval_project(tmp_path / "p", f'{setting} = "{value}"\n')
    result = harness_run("eval", "--quiet", cwd=root)
    assert result.returncode == 2
    assert one_line(result) == (
        f"error: [tool.harness.eval] {setting} = {value!r} points outside the project — use a "
        "path inside the project (a flag can still name any path)"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]


def test_a_symlinked_cache_folder_in_the_project_is_not_written_through(tmp_path: Path) -> None:
    root = eval_project(tmp_path / "p")
    (tmp_path / "elsewhere").mkdir()
    (root / ".harness-cache").symlink_to(tmp_path / "elsewhere")
    result = harness_run("eval", "--quiet", cwd=root)
    assert result.returncode == 2
    assert one_line(result) == (
        "error: the default cache_dir = '.harness-cache/eval' points outside the project — use a "
        "path inside the project (a flag can still name any path)"
    )
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_a_flag_may_still_name_any_path(tmp_path: Path) -> None:
    root = eval_project(tmp_path / "p")
    result = harness_run("eval", "--quiet", "--json", str(tmp_path / "elsewhere.json"), cwd=root)
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "elsewhere.json").read_text())["kind"] == "harness-eval"


@pytest.mark.parametrize("name", ["-", "/dev/stdout"])
def test_eval_prints_a_report_named_as_standard_output(tmp_path: Path, name: str) -> None:
    root = eval_project(tmp_path / "p")
    result = harness_run("eval", "--json", name, cwd=root)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["kind"] == "harness-eval"  # JSON only, no table
    assert (root / ".harness-cache" / "eval" / "report.json").is_file()
    junit = harness_run("eval", "--junit", name, "--markdown", "summary.md", cwd=root)
    assert junit.stdout.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert (root / "summary.md").read_text().startswith("## harness eval: ")
    both = harness_run("eval", "--json", "-", "--markdown", name, cwd=root)
    assert one_line(both) == (
        "error: --json and --markdown both name standard output — print one of them; give the "
        "other a file"
    )


@pytest.mark.parametrize("flag", ["--json", "--save-baseline"])
def test_eval_outputs_named_by_a_symlink_are_refused(tmp_path: Path, flag: str) -> None:
    root = eval_project(tmp_path / "p")
    real = tmp_path / "notes.txt"
    real.write_text("keep me\n")
    (root / "link.json").symlink_to(real)
    result = harness_run("eval", "--quiet", flag, "link.json", cwd=root)
    assert result.returncode == 2
    assert one_line(result) == (
        f"error: cannot write {root / 'link.json'}: it is a symlink (not replaced) — give the "
        "path of a regular file"
    )
    assert real.read_text() == "keep me\n"


def test_the_step_summary_is_never_a_fifo(tmp_path: Path) -> None:
    root = eval_project(tmp_path / "p")
    fifo = tmp_path / "summary"
    os.mkfifo(fifo)
    result = harness_run("eval", "--quiet", cwd=root, env={"GITHUB_STEP_SUMMARY": str(fifo)})
    assert result.returncode == 2
    assert one_line(result) == (
        f"error: cannot append to {fifo}: not a regular file — point it at a regular file"
    )


def _bad_names(root: Path) -> None:
    root.mkdir()
    os.makedirs(os.fsencode(root) + b"/d\xe9v")
    Path(os.fsdecode(os.fsencode(root) + b"/d\xe9v/Dockerfile")).write_text("FROM python:3.11\n")
    code = "import openai\nclient = openai.OpenAI()\nclient.chat.completions.create(model='m')\n"
    Path(os.fsdecode(os.fsencode(root) + b"/caf\xe9.py")).write_text(code)
    Path(os.fsdecode(os.fsencode(root) + b"/bad\xff.txt")).write_bytes(b"\xff\xfe")


@pytest.mark.parametrize("fmt", ["table", "json", "sarif", "markdown", "junit"])
def test_undecodable_file_names_in_every_format(tmp_path: Path, fmt: str) -> None:
    root = tmp_path / "repo"
    _bad_names(root)
    strict = {"PYTHONIOENCODING": "utf-8:strict"}
    shown = harness_run("audit", str(root), "--format", fmt, cwd=tmp_path, env=strict)
    assert "Traceback" not in shown.stderr, shown.stderr
    assert shown.returncode in (0, 1)
    assert "\\xe9" in shown.stdout
    written = harness_run(
        "audit", str(root), "--format", f"{fmt}:{tmp_path / 'out'}", cwd=tmp_path, env=strict
    )
    assert written.returncode in (0, 1), written.stderr
    text = (tmp_path / "out").read_bytes().decode("utf-8")  # valid UTF-8
    if fmt in ("json", "sarif"):
        assert "\\xe9" in json.dumps(json.loads(text))
