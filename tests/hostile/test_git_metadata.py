"""Case 1: `.git` metadata is read only inside the repository's git directory, never blocks, and
only an object id ever reaches a report or a badge."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from harness.audit.gitmeta import head_commit
from tests.hostile.conftest import SHA, eval_project, harness_run, read_report

OTHER_SHA = "fedcba9876543210fedcba9876543210fedcba98"


def _repo(root: Path) -> Path:
    (root / ".git" / "refs" / "heads").mkdir(parents=True)
    return root / ".git"


def _outside(tmp: Path) -> Path:
    """A file outside the project that a hostile ref tries to reach; it holds a valid object id
    (so reading it would show in the report) and a secret."""
    outside = tmp / "outside"
    outside.mkdir()
    (outside / "secret").write_text(OTHER_SHA + "\n")
    (outside / "environ").write_text("OPENAI_API_KEY=sk-very-secret\n")
    return outside


def test_a_plain_ref_and_a_detached_head_are_read(tmp_path: Path) -> None:
    git = _repo(tmp_path / "p")
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "refs" / "heads" / "main").write_text(SHA + "\n")
    assert head_commit(tmp_path / "p") == SHA
    (git / "refs" / "heads" / "main").unlink()
    (git / "packed-refs").write_text(f"# pack-refs with: peeled\n{SHA} refs/heads/main\n")
    assert head_commit(tmp_path / "p") == SHA
    (git / "HEAD").write_text(SHA + "\n")
    assert head_commit(tmp_path / "p") == SHA


def test_a_worktree_reads_its_commondir(tmp_path: Path) -> None:
    main_git = _repo(tmp_path / "main")
    (main_git / "refs" / "heads" / "feature").write_text(SHA + "\n")
    wt_git = main_git / "worktrees" / "wt"
    wt_git.mkdir(parents=True)
    (wt_git / "HEAD").write_text("ref: refs/heads/feature\n")
    (wt_git / "commondir").write_text("../..\n")
    (tmp_path / "wt").mkdir()
    (tmp_path / "wt" / ".git").write_text(f"gitdir: {wt_git}\n")
    assert head_commit(tmp_path / "wt") == SHA


@pytest.mark.parametrize(
    "head",
    [
        "ref: ../../outside/secret",
        "ref: ../../../outside/secret",
        "ref: refs/../../../outside/secret",
        "ref: {outside}/secret",
        "ref: {outside}/environ",
        "{outside}/secret",
    ],
)
def test_head_refs_that_leave_the_git_directory_are_not_followed(tmp_path: Path, head: str) -> None:
    outside = _outside(tmp_path)
    git = _repo(tmp_path / "p")
    (git / "HEAD").write_text(head.format(outside=outside) + "\n")
    assert head_commit(tmp_path / "p") is None


def test_a_symlinked_ref_out_of_the_git_directory_is_not_read(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    git = _repo(tmp_path / "p")
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    os.symlink(outside / "secret", git / "refs" / "heads" / "main")
    assert head_commit(tmp_path / "p") is None
    (git / "HEAD").unlink()
    os.symlink(outside / "secret", git / "HEAD")
    assert head_commit(tmp_path / "p") is None


def test_gitdir_and_commondir_pointing_elsewhere_are_not_followed(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    (outside / "HEAD").write_text(OTHER_SHA + "\n")
    project = tmp_path / "p"
    project.mkdir()
    (project / ".git").write_text("gitdir: ../outside\n")
    assert head_commit(project) is None
    (project / ".git").unlink()
    git = _repo(project)
    (outside / "refs" / "heads").mkdir(parents=True)
    (outside / "refs" / "heads" / "main").write_text(OTHER_SHA + "\n")
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "commondir").write_text(f"{outside}\n")
    assert head_commit(project) is None


def test_eval_never_stores_a_file_a_hostile_head_points_at(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    root = eval_project(tmp_path / "p")
    git = _repo(root)
    (git / "HEAD").write_text(f"ref: {outside}/environ\n")
    result = harness_run("eval", "--quiet", cwd=root)
    assert result.returncode == 0, result.stderr
    report = read_report(root)
    assert report["commit"] is None
    assert "sk-very-secret" not in (root / ".harness-cache" / "eval" / "report.json").read_text()


def test_eval_with_a_fifo_head_finishes_and_keeps_its_report(tmp_path: Path) -> None:
    root = eval_project(tmp_path / "p")
    git = _repo(root)
    os.mkfifo(git / "HEAD")
    result = harness_run("eval", "--quiet", cwd=root, timeout=120)
    assert result.returncode == 0, result.stderr
    assert read_report(root)["commit"] is None


def test_eval_with_a_non_utf8_head_keeps_its_report(tmp_path: Path) -> None:
    root = eval_project(tmp_path / "p")
    git = _repo(root)
    (git / "HEAD").write_bytes(b"ref: refs/heads/\xff\xfe\n")
    result = harness_run("eval", "--quiet", cwd=root)
    assert result.returncode == 0, result.stderr
    assert read_report(root)["commit"] is None


@pytest.mark.parametrize("where", ["inside", "outside"])
def test_a_ref_that_is_a_character_device_is_never_read(tmp_path: Path, where: str) -> None:
    root = eval_project(tmp_path / "p")
    git = _repo(root)
    device = git / "refs" / "heads" / "main" if where == "inside" else tmp_path / "zero"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 5))  # a /dev/zero of our own
    except OSError:
        pytest.skip("cannot create a device node here")
    (git / "HEAD").write_text("ref: refs/heads/main\n" if where == "inside" else f"ref: {device}\n")
    result = harness_run("eval", "--quiet", cwd=root, memory_mb=768)
    assert result.returncode == 0, result.stderr
    assert read_report(root)["commit"] is None
    result = harness_run("audit", str(root), "--format", "json", cwd=tmp_path, memory_mb=768)
    assert json.loads(result.stdout)["commit"] is None


def test_audit_with_fifo_head_and_packed_refs_finishes(tmp_path: Path) -> None:
    root = tmp_path / "p"
    git = _repo(root)
    (root / "README.md").write_text("# p\n")
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    os.mkfifo(git / "packed-refs")
    result = harness_run("audit", str(root), "--format", "json", cwd=tmp_path)
    assert json.loads(result.stdout)["commit"] is None
    (git / "HEAD").unlink()
    os.mkfifo(git / "HEAD")
    result = harness_run("audit", str(root), "--format", "json", cwd=tmp_path)
    assert json.loads(result.stdout)["commit"] is None


def test_badge_copies_only_an_object_id(tmp_path: Path) -> None:
    report = {
        "kind": "harness-audit",
        "schema_version": "1",
        "generated_at": "2026-11-30T00:00:00Z",
        "commit": "OPENAI_API_KEY=sk-very-secret",
        "score": {"overall": 91.5},
        "passed": True,
    }
    (tmp_path / "audit.json").write_text(json.dumps(report))
    result = harness_run("badge", "--audit", "audit.json", "--out", "b", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = "".join(p.read_text() for p in (tmp_path / "b").iterdir())
    assert "sk-very-secret" not in written
    assert "an unknown commit" in written
