"""Hostile trees: the audit reports and carries on; it never crashes or leaves the root."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner

from harness.audit.index import RepoIndex
from harness.cli import main
from tests.audit.project import GOOD, write_project


def audit_json(root: Path) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(main, ["audit", str(root), "--format", "json"])
    assert not result.stderr, result.stderr
    return result.exit_code, json.loads(result.stdout)


def skipped(report: dict[str, object]) -> dict[str, str]:
    return {s["path"]: s["reason"] for s in report["skipped_files"]}  # type: ignore[attr-defined,index]


def test_symlink_loops_and_escapes_are_reported_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("import openai\n")
    root = write_project(tmp_path / "repo", dict(GOOD))
    os.symlink("loop_b", root / "loop_a")
    os.symlink("loop_a", root / "loop_b")
    os.symlink(outside, root / "escape_dir")
    os.symlink(outside / "secret.py", root / "escape.py")
    os.symlink(root, root / "app" / "self")  # a directory loop through the parent
    os.symlink("missing-target", root / "dangling")
    code, report = audit_json(root)
    assert code == 0
    reasons = skipped(report)
    assert reasons["loop_a"] == "symlink loop"
    assert reasons["escape_dir"] == "symlink points outside the repository (not followed)"
    assert reasons["escape.py"] == "symlink points outside the repository (not followed)"
    assert reasons["app/self"] == "symlink to a directory (not followed; its target is indexed)"
    assert reasons["dangling"] == "broken symlink"


def test_huge_binary_and_undecodable_files_are_skipped_with_reason(tmp_path: Path) -> None:
    root = write_project(tmp_path / "repo", dict(GOOD))
    (root / "app" / "huge.py").write_bytes(b"# x\n" * (1_400_000))  # 5.6 MB
    (root / "app" / "blob.py").write_bytes(b"\x00\x01binary")
    (root / "app" / "latin1.py").write_bytes("café = 1\n".encode("latin-1"))
    os.mkfifo(root / "app" / "pipe.py")  # opening a FIFO would block forever
    code, report = audit_json(root)
    assert code == 0
    reasons = skipped(report)
    assert reasons["app/huge.py"] == "larger than 5 MB (not read)"
    assert reasons["app/blob.py"] == "binary file (not read)"
    assert reasons["app/latin1.py"] == "not UTF-8 (not read)"
    assert "app/pipe.py" not in reasons


def test_broken_yaml_toml_json_and_python_are_findings(tmp_path: Path) -> None:
    root = write_project(tmp_path / "repo", dict(GOOD))
    (root / ".github" / "workflows" / "ci.yml").write_text("jobs: [unclosed\n")
    (root / "pyproject.toml").write_text("[project\nname = 1\n")
    (root / "data.json").write_text("{not json}\n")
    (root / "app" / "broken.py").write_text("def f(:\n")
    code, report = audit_json(root)
    checks = {c["id"]: c for c in report["checks"]}  # type: ignore[attr-defined]
    parse = checks["config-files-parse"]
    assert parse["status"] == "fail"
    assert {(e["path"], e["line"]) for e in parse["evidence"]} == {
        (".github/workflows/ci.yml", 2),
        ("pyproject.toml", 1),
        ("data.json", 1),
    }
    assert checks["ci-runs-tests"]["status"] == "fail"
    assert checks["ci-runs-tests"]["message"].startswith(".github/workflows/ci.yml: invalid YAML")
    assert code == 0  # high-severity failures only fail the run with --fail-on high
    strict = CliRunner().invoke(main, ["audit", str(root), "--fail-on", "high"])
    assert strict.exit_code == 1
    assert "ci-runs-tests failed (high severity)" in strict.stdout


def test_gitignore_nested_with_negation(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "repo",
        {
            ".gitignore": "*.log\nbuild/\n",
            "keep.py": "",
            "debug.log": "",
            "build/out.py": "",
            "sub/.gitignore": "!important.log\n",
            "sub/important.log": "",
            "sub/other.log": "",
        },
    )
    index = RepoIndex(root)
    assert index.files == [".gitignore", "keep.py", "sub/.gitignore", "sub/important.log"]


def test_git_index_is_read_without_git(tmp_path: Path) -> None:
    import subprocess

    root = write_project(tmp_path / "repo", {"a.py": "", ".env": "X=1\n", ".gitignore": ""})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"],
        check=True,
    )
    (root / ".gitignore").write_text(".env\n")  # ignored now, but still tracked
    index = RepoIndex(root)
    assert index.tracked == frozenset({"a.py", ".env", ".gitignore"})
    assert index.commit is not None and len(index.commit) == 40
    result = CliRunner().invoke(main, ["audit", str(root), "--format", "json"])
    checks = json.loads(result.stdout)["checks"]
    env_check = next(c for c in checks if c["id"] == "no-env-committed")
    assert env_check["status"] == "fail"
    assert env_check["evidence"] == [
        {"path": ".env", "line": None, "note": "committed: tracked by git"}
    ]
    assert env_check["message"] == "environment files committed: .env"
    assert ".env" in index.files  # the git index is the truth: tracked files are audited
    assert result.exit_code == 1
