"""`harness audit URL`: a shallow clone into a temporary folder, audited, then removed.

The repositories are made here (git init in a temp dir) and served by file:// and by a real
`git daemon` on 127.0.0.1; nothing leaves the machine.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.audit.remote import is_url, repo_name
from tests.audit.project import good_project

REPO = Path(__file__).resolve().parents[2]


def _git(*args: str, cwd: Path) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A bare repository holding a good project, and the sha of its one commit."""
    base = tmp_path_factory.mktemp("remote")
    work = good_project(base / "work")
    _git("init", "-q", "-b", "main", cwd=work)
    _git("add", "-A", cwd=work)
    _git("commit", "-q", "-m", "project", cwd=work)
    sha = _git("rev-parse", "HEAD", cwd=work)
    bare = base / "srv" / "proj.git"
    bare.parent.mkdir()
    _git("clone", "-q", "--bare", str(work), str(bare), cwd=base)
    return bare, sha


def _audit(*args: str, tmp: Path, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "TMPDIR": str(tmp),
        "SOURCE_DATE_EPOCH": "1793491200",
    }
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "harness", "audit", *args],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _leftovers(tmp: Path) -> list[str]:
    return sorted(p.name for p in tmp.iterdir() if p.name.startswith("harness-audit-"))


def test_audit_by_file_url_reports_the_commit_and_cleans_up(
    served: tuple[Path, str], tmp_path: Path
) -> None:
    bare, sha = served
    url = bare.as_uri()
    result = _audit(url, "--format", "json", tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["commit"] == sha
    assert report["root"] == "proj"
    assert result.stderr == f"audited {url} at commit {sha}\n"
    assert _leftovers(tmp_path) == []


@pytest.fixture
def git_daemon(served: tuple[Path, str]) -> Iterator[str]:
    bare, _ = served
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    daemon = subprocess.Popen(
        [
            "git",
            "daemon",
            "--reuseaddr",
            "--export-all",
            "--listen=127.0.0.1",
            f"--port={port}",
            f"--base-path={bare.parent}",
            str(bare.parent),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"git://127.0.0.1:{port}"
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


def test_audit_by_url_from_a_local_git_server(
    git_daemon: str, served: tuple[Path, str], tmp_path: Path
) -> None:
    _, sha = served
    result = _audit(f"{git_daemon}/proj.git", "--format", "json", tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["commit"] == sha
    assert _leftovers(tmp_path) == []


def test_missing_repository_on_the_server_is_one_line(git_daemon: str, tmp_path: Path) -> None:
    url = f"{git_daemon}/nope.git"
    result = _audit(url, tmp=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"error: cannot clone {url}: no repository there (or it is private) — check the URL, "
        "or clone the repository yourself and audit the folder\n"
    )
    assert _leftovers(tmp_path) == []


def test_unreachable_server_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"git://127.0.0.1:{port}/proj.git"
    result = _audit(url, tmp=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"error: cannot clone {url}: the host cannot be reached — check the URL, "
        "or clone the repository yourself and audit the folder\n"
    )


def test_without_git_the_url_form_says_so(served: tuple[Path, str], tmp_path: Path) -> None:
    bare, _ = served
    empty = tmp_path / "bin"
    empty.mkdir()
    result = _audit(bare.as_uri(), tmp=tmp_path, path=str(empty))
    assert result.returncode == 2
    assert result.stderr == (
        "error: auditing a URL needs git, which is not installed — install git, or clone the "
        "repository yourself and audit the folder\n"
    )


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("https://github.com/owner/name", True),
        ("https://github.com/owner/name.git", True),
        ("git@github.com:owner/name.git", True),
        ("ssh://git@host/owner/name", True),
        ("file:///srv/name.git", True),
        (".", False),
        ("some/folder", False),
        ("C:/folder", False),
    ],
)
def test_what_counts_as_a_url(spec: str, expected: bool) -> None:
    assert is_url(spec) is expected


def test_clone_folder_is_named_after_the_repository() -> None:
    assert repo_name("https://github.com/owner/my-proj.git") == "my-proj"
    assert repo_name("git@github.com:owner/proj") == "proj"
    assert repo_name("https://host/..") == "repository"
