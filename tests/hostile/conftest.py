"""The hostile-input suite: every tree and file is built in a temporary folder, and the harness
runs in a child process bounded in time (a subprocess timeout) and memory (RLIMIT_AS), so a hang
or a blow-up fails the test instead of the machine."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import harness

REPO = Path(harness.__file__).resolve().parents[1]
TIMEOUT_S = 90
SHA = "0123456789abcdef0123456789abcdef01234567"

TARGET = """
def ask(row):
    return {"response": "Paris", "retrieved_contexts": [{"id": "d1", "text": "Paris"}]}
"""


def _limit(memory_mb: int) -> Callable[[], None]:
    def apply() -> None:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def harness_run(
    *args: str,
    cwd: Path,
    memory_mb: int = 2048,
    timeout: float = TIMEOUT_S,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m harness ARGS` in a child with a memory ceiling; a hang raises TimeoutExpired."""
    full_env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "RAGAS_DO_NOT_TRACK": "true",
        "NO_COLOR": "1",
        "COLUMNS": "200",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        errors="surrogateescape",
        timeout=timeout,
        preexec_fn=_limit(memory_mb),
        input=stdin,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single error line; fails when there is a traceback or more than one line."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def eval_project(root: Path, pyproject: str = "", target: str = TARGET, n: int = 3) -> Path:
    """A project with a callable target `t:ask` and a dataset that feeds the retrieval metrics."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "t.py").write_text(target)
    (root / "evals").mkdir(exist_ok=True)
    rows = [
        {"id": f"q{i}", "user_input": "capital of France?", "reference_context_ids": ["d1"]}
        for i in range(n)
    ]
    (root / "evals" / "dataset.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (root / "pyproject.toml").write_text(
        '[tool.harness.eval]\ntarget = "t:ask"\nmetrics = ["retrieval"]\n' + pyproject
    )
    return root


def read_report(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (root / ".harness-cache" / "eval" / "report.json").read_text()
    )
    return data
