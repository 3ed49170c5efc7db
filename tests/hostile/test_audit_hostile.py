"""Cases 3, 4, 5, 7 and 8 for `harness audit`: special files behind symlinks, sparse giants,
alias bombs, nesting, deep trees, misnamed checks and formats. Each run is a child process
bounded in time and memory."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.hostile.conftest import harness_run, one_line


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    (root / "README.md").write_text("# repo\n")
    (root / "app" / "main.py").write_text("x = 1\n")
    return root


def audit(root: Path, *extra: str, memory_mb: int = 1024) -> dict[str, Any]:
    result = harness_run(
        "audit", str(root), "--format", "json", *extra, cwd=root.parent, memory_mb=memory_mb
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def skipped(report: dict[str, Any]) -> dict[str, str]:
    return {s["path"]: s["reason"] for s in report["skipped_files"]}


SPECIAL = "symlink to a special file (FIFO, device or socket; not read)"


def test_a_symlink_to_a_fifo_inside_the_root_is_not_opened(repo: Path) -> None:
    os.mkfifo(repo / "app" / "pipe")
    os.symlink("pipe", repo / "app" / "config.py")
    os.symlink("app/pipe", repo / "Dockerfile")
    assert skipped(audit(repo)) == {"app/config.py": SPECIAL, "Dockerfile": SPECIAL}


def test_a_symlink_to_a_character_device_is_not_read(repo: Path) -> None:
    device = repo / "zero"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 5))  # a /dev/zero of our own
    except OSError:
        pytest.skip("cannot create a device node here")
    os.symlink("../zero", repo / "app" / "settings.py")
    assert skipped(audit(repo, memory_mb=768))["app/settings.py"] == SPECIAL


def test_sparse_giants_are_not_read(repo: Path) -> None:
    for name in (".gitignore", "app/big.py", "compose.yaml"):
        with (repo / name).open("wb") as handle:
            handle.truncate(1024**3)
    reasons = skipped(audit(repo, memory_mb=768))
    assert reasons[".gitignore"] == "larger than 5 MB (not read)"
    assert reasons["app/big.py"] == "larger than 5 MB (not read)"


def test_a_sparse_giant_pyproject_is_one_line(repo: Path) -> None:
    with (repo / "pyproject.toml").open("wb") as handle:
        handle.truncate(1024**3)
    result = harness_run("audit", str(repo), cwd=repo.parent, memory_mb=768)
    assert result.returncode == 2
    assert one_line(result) == (
        "error: pyproject.toml: larger than 5 MB (not read) — keep the config file small"
    )


BOMB = """\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
      - run: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]
      - run: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]
      - run: &a3 [*a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2]
      - run: &a4 [*a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3]
      - run: &a5 [*a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4]
      - run: &a6 [*a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5]
      - run: &a7 [*a6, *a6, *a6, *a6, *a6, *a6, *a6, *a6, *a6, *a6]
      - run: &a8 [*a7, *a7, *a7, *a7, *a7, *a7, *a7, *a7, *a7, *a7]
"""


def test_a_yaml_alias_bomb_is_refused_before_it_expands(repo: Path) -> None:
    workflows = repo / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(BOMB)
    (repo / "compose.yaml").write_text(BOMB.replace("on: push", "name: x"))
    report = audit(repo, memory_mb=768)
    messages = {c["id"]: c["message"] for c in report["checks"]}
    assert messages["ci-runs-tests"] == (
        ".github/workflows/ci.yml: invalid YAML: YAML aliases expand past 200,000 nodes "
        "(refused as an alias bomb)"
    )


def test_ordinary_anchors_still_load() -> None:
    from harness.safeio import loads_yaml

    doc = loads_yaml("base: &b {image: x}\nsvc:\n  a: *b\n  c: {<<: *b, ports: [1]}\n")
    assert doc["svc"]["c"] == {"image": "x", "ports": [1]}


def test_a_large_document_without_aliases_is_not_a_bomb(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness import safeio

    monkeypatch.setattr(safeio, "MAX_YAML_NODES", 1000)
    big = "\n".join(f"k{i}: [1, 2, 3]" for i in range(1000))  # 5,000 nodes, no alias
    assert len(safeio.loads_yaml(big)) == 1000
    bomb = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n" + "".join(
        f"b{i}: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" for i in range(20)
    )  # aliases add 2,200 nodes
    with pytest.raises(safeio.NestingError, match="alias bomb"):
        safeio.loads_yaml(bomb)


def test_a_recursive_alias_is_refused() -> None:
    from harness.safeio import NestingError, loads_yaml

    with pytest.raises(NestingError, match="refers to itself"):
        loads_yaml("a: &x [1, *x]\n")


def _deep_tree(root: Path, depth: int) -> None:
    """A chain of directories deeper than PATH_MAX, made with directory descriptors."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("deep-directory", dir_fd=fd)
            inner = os.open("deep-directory", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        with open(os.open("x.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as handle:
            handle.write("x = 1\n")
    finally:
        os.close(fd)


def test_a_tree_deeper_than_path_max_is_reported(repo: Path) -> None:
    _deep_tree(repo, 400)  # 400 x 15 characters: past the 4096 of PATH_MAX
    report = audit(repo)
    reasons = skipped(report)
    assert any(reason.startswith("unreadable") for reason in reasons.values()), reasons


def test_a_tree_whose_only_file_is_too_deep_says_so(tmp_path: Path) -> None:
    root = tmp_path / "deep"
    root.mkdir()
    _deep_tree(root, 400)
    result = harness_run("audit", str(root), cwd=tmp_path)
    assert result.returncode == 2
    line = one_line(result)
    assert line.startswith(f"error: {root}: no files to audit (not read: deep-directory/")
    assert line.endswith(": unreadable directory: File name too long) — point at a repository")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "harness.toml",
            "tool = 1\n",
            "error: harness.toml [tool.harness] tool: Extra inputs are not permitted — fix the "
            "setting (see README: Configuration)",
        ),
        (
            "pyproject.toml",
            "[tool]\nharness = 1\n",
            "error: pyproject.toml: [tool.harness] must be a table, not a number — write it as a "
            "[tool.harness] section",
        ),
        (
            "harness.toml",
            "a = " + "[" * 3000 + "]" * 3000 + "\n",
            "error: harness.toml: invalid TOML (nested deeper than 100 levels) — fix the syntax",
        ),
        (
            "pyproject.toml",
            "[tool.harness]\nfail-under = 90\n[broken\n",
            "error: pyproject.toml: invalid TOML (Expected ']' at the end of a table declaration "
            "(at line 3, column 8)) — fix the syntax",
        ),
    ],
)
def test_hostile_audit_config_is_one_line(repo: Path, name: str, text: str, message: str) -> None:
    (repo / name).write_text(text)
    result = harness_run("audit", str(repo), cwd=repo.parent)
    assert result.returncode == 2
    assert one_line(result) == message


def test_tool_as_a_number_in_pyproject_is_not_a_crash(repo: Path) -> None:
    (repo / "pyproject.toml").write_text("tool = 1\n")
    audit(repo)


def test_a_deeply_nested_checklist_is_one_line(repo: Path) -> None:
    checklist = repo.parent / "deep.yml"
    checklist.write_text("checks: " + "[" * 5000 + "]" * 5000 + "\n")
    result = harness_run("audit", str(repo), "--checklist", str(checklist), cwd=repo.parent)
    assert result.returncode == 2
    assert (
        one_line(result) == f"error: {checklist}: nested deeper than 100 levels — flatten the YAML"
    )


def test_an_unknown_check_in_select_is_refused_with_a_suggestion(repo: Path) -> None:
    result = harness_run("audit", str(repo), "--select", "dockerfile-healthchek", cwd=repo.parent)
    assert result.returncode == 2
    assert one_line(result) == (
        "error: --select/--ignore (or [tool.harness] select/ignore): no check, category or "
        "checklist 'dockerfile-healthchek' — did you mean 'dockerfile-healthcheck'?"
    )
    (repo / "harness.toml").write_text('select = ["nosuchcheck"]\n')
    result = harness_run("audit", str(repo), cwd=repo.parent)
    assert result.returncode == 2
    assert "no check, category or checklist 'nosuchcheck'" in one_line(result)


def test_unknown_formats_and_checks_get_did_you_mean(repo: Path) -> None:
    result = harness_run("audit", str(repo), "--format", "sarf", cwd=repo.parent)
    assert one_line(result) == "error: unknown format 'sarf' — did you mean 'sarif'?"
    result = harness_run("checklists", "show", "dockerfile-healthchek", cwd=repo.parent)
    assert one_line(result) == (
        "error: no check 'dockerfile-healthchek' — did you mean 'dockerfile-healthcheck'?"
    )


def test_two_waivers_for_one_check_are_refused(repo: Path) -> None:
    waiver = '[[waivers]]\ncheck = "dockerfile-healthcheck"\nreason = "{}"\n'
    (repo / "harness.toml").write_text(waiver.format("first") + waiver.format("second"))
    result = harness_run("audit", str(repo), cwd=repo.parent)
    assert result.returncode == 2
    assert one_line(result) == (
        "error: harness.toml [tool.harness] waivers: two waivers for check "
        "'dockerfile-healthcheck' cover the same paths — keep one, or give each its own paths"
    )
    separate = waiver.format("first") + 'paths = ["a/Dockerfile"]\n'
    separate += waiver.format("second") + 'paths = ["b/Dockerfile"]\n'
    (repo / "harness.toml").write_text(separate)
    audit(repo)


def _two_dockerfiles_waived(repo: Path, second_expires: str) -> dict[str, Any]:
    for folder in ("a", "b"):
        (repo / folder).mkdir()
        (repo / folder / "Dockerfile").write_text('FROM python:3.11\nCMD ["python"]\n')
    waiver = '[[waivers]]\ncheck = "dockerfile-healthcheck"\nreason = "{}"\npaths = ["{}"]\n'
    (repo / "harness.toml").write_text(
        waiver.format("first", "a/Dockerfile")
        + waiver.format("second", "b/Dockerfile")
        + f"expires = {second_expires}\n"
    )
    return audit(repo, "--select", "dockerfile-healthcheck")


def test_two_waivers_with_their_own_paths_both_apply(repo: Path) -> None:
    report = _two_dockerfiles_waived(repo, "2099-01-01")
    assert [c["status"] for c in report["checks"]] == ["waived"]
    assert [(w["reason"], w["state"]) for w in report["waivers"]] == [
        ("first", "active"),
        ("second", "active"),
    ]


def test_an_expired_waiver_beside_a_live_one_still_fails(repo: Path) -> None:
    report = _two_dockerfiles_waived(repo, "2020-01-01")
    (check,) = report["checks"]
    assert check["status"] == "fail"
    assert check["message"].startswith("waiver expired on 2020-01-01: ")
    assert [e["path"] for e in check["evidence"]] == ["b/Dockerfile"]
    assert [(w["reason"], w["state"]) for w in report["waivers"]] == [
        ("first", "active"),
        ("second", "expired"),
    ]


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("production/dockerfile-healthcheck", "did you mean 'dockerfile-healthcheck'?"),
        ("dockerfile-healthchek", "did you mean 'dockerfile-healthcheck'?"),
    ],
)
def test_a_waiver_for_an_unknown_check_is_refused(repo: Path, name: str, hint: str) -> None:
    (repo / "harness.toml").write_text(f'[[waivers]]\ncheck = "{name}"\nreason = "not yet"\n')
    result = harness_run("audit", str(repo), cwd=repo.parent)
    assert result.returncode == 2
    assert (
        one_line(result)
        == f"error: harness.toml [tool.harness] waivers: no check {name!r} — {hint}"
    )


@pytest.mark.parametrize(
    "pyproject",
    [
        "[tool]\nharness = { fail-under = 100 }\n[broken\n",
        "[tool]\nharness.fail-under = 100\nx = [\n",
    ],
)
def test_a_broken_pyproject_never_drops_an_inline_harness_gate(repo: Path, pyproject: str) -> None:
    (repo / "pyproject.toml").write_text(pyproject)
    result = harness_run("audit", str(repo), cwd=repo.parent)
    assert result.returncode == 2
    assert one_line(result).startswith("error: pyproject.toml: invalid TOML (")


def test_a_broken_pyproject_without_harness_settings_is_still_audited(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[project]\ndependencies = ["portfolio-harness"\n')
    audit(repo)
