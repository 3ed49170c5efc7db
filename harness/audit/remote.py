"""Audit by URL: clone shallowly into a temporary directory, audit, clean up.

The clone is read like any other folder (nothing in it is run: no hooks, no submodules, no
filters); git never prompts, so a private repository fails at once instead of waiting for a
password that CI cannot type.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.errors import RemoteAuditError

_URL = re.compile(r"^(?:(?:https?|ssh|git|file)://\S+|[\w.-]+@[\w.-]+:\S+)$")
CLONE_TIMEOUT_S = 300
_NOT_FOUND = (
    "not found",
    "does not exist",
    "does not appear to be a git repository",
    "repository not exported",
)
_DENIED = (
    "authentication failed",
    "could not read username",
    "permission denied",
    "terminal prompts disabled",
)
_UNREACHABLE = (
    "could not resolve host",
    "connection refused",
    "unable to access",
    "unable to connect",
    "connection timed out",
    "network is unreachable",
)


def is_url(spec: str) -> bool:
    return bool(_URL.match(spec))


def repo_name(url: str) -> str:
    tail = re.split(r"[/:]", url.rstrip("/"))[-1]
    name = tail.removesuffix(".git")
    return re.sub(r"[^\w.-]", "_", name).lstrip(".") or "repository"


@contextmanager
def cloned(url: str) -> Iterator[Path]:
    """A shallow clone of `url`'s default branch, removed when the block ends."""
    git = shutil.which("git")
    if git is None:
        raise RemoteAuditError(
            "auditing a URL needs git, which is not installed",
            "install git, or clone the repository yourself and audit the folder",
        )
    workdir = Path(tempfile.mkdtemp(prefix="harness-audit-"))
    dest = workdir / repo_name(url)
    try:
        _clone(git, url, dest)
        yield dest
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _clone(git: str, url: str, dest: Path) -> None:
    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "true",
        "SSH_ASKPASS": "true",
        "GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o ConnectTimeout=15",
        "GIT_CONFIG_NOSYSTEM": "1",
        "LC_ALL": "C",
    }
    command = [
        git,
        "-c",
        "core.hooksPath=/dev/null",
        "-c",
        "core.fsmonitor=false",
        "-c",
        "credential.helper=",
        "clone",
        "--depth",
        "1",
        "--single-branch",
        "--no-tags",
        "--quiet",
        "--",
        url,
        str(dest),
    ]
    try:
        done = subprocess.run(
            command,
            env=env,
            capture_output=True,
            text=True,
            timeout=CLONE_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RemoteAuditError(
            f"cloning {url} took longer than {CLONE_TIMEOUT_S} s",
            "clone it yourself and audit the folder",
        ) from exc
    if done.returncode != 0:
        raise RemoteAuditError(f"cannot clone {url}: {_why(done.stderr)}", _hint(done.stderr))


def _last_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1].removeprefix("fatal: ") if lines else "git clone failed"


def _why(stderr: str) -> str:
    low = stderr.lower()
    if any(n in low for n in _DENIED):
        return "the repository is private or needs credentials"
    if any(n in low for n in _NOT_FOUND):
        return "no repository there (or it is private)"
    if any(n in low for n in _UNREACHABLE):
        return "the host cannot be reached"
    return _last_line(stderr)


def _hint(stderr: str) -> str:
    if any(n in stderr.lower() for n in _DENIED):
        return "clone it with your credentials and audit the folder"
    return "check the URL, or clone the repository yourself and audit the folder"
