"""Fixtures for `harness eval` tests: a project on disk, the judge double, a CLI runner.

Nothing here touches the network: the judge is the loopback double, targets are local.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import harness
from harness.cli import main
from harness.eval.judge_double import JudgeDouble, Script

os.environ["RAGAS_DO_NOT_TRACK"] = "true"
REPO = Path(harness.__file__).resolve().parents[1]

DOCS = {
    "d1": "Paris is the capital of France.",
    "d2": "Berlin is the capital of Germany.",
    "d3": "Madrid is the capital of Spain.",
    "d4": "Rome is the capital of Italy.",
    "d5": "Lisbon is the capital of Portugal.",
}

# A small retriever-and-answerer: ranks documents by shared words, answers with the top one.
# `mode.txt` beside it switches behaviour at run time (tests flip it between runs); a line
# "wrong:<id>,<id>" makes those samples retrieve and answer badly, "hang:<id>" makes the answer
# carry a marker the judge double hangs on, "garbage:<id>" one it answers garbage to.
TARGET_SOURCE = """
import json, pathlib
HERE = pathlib.Path(__file__).parent
DOCS = json.loads((HERE / "docs.json").read_text())

def _mode():
    path = HERE / "mode.txt"
    out = {}
    for line in (path.read_text().splitlines() if path.exists() else []):
        key, _, ids = line.partition(":")
        out[key] = set(ids.split(","))
    return out

def ask(row):
    mode = _mode()
    words = set(row["user_input"].lower().replace("?", "").split())
    ranked = sorted(DOCS, key=lambda i: (-len(words & set(DOCS[i].lower().rstrip(".").split())), i))
    if row["id"] in mode.get("wrong", ()):
        ranked = ranked[::-1]
    answer = DOCS[ranked[0]]
    for marker in ("hang", "garbage"):
        if row["id"] in mode.get(marker, ()):
            answer = marker.upper() + "-ME " + answer
    return {
        "response": answer,
        "retrieved_contexts": [{"id": i, "text": DOCS[i]} for i in ranked[:3]],
        "usage": {"input_tokens": 120, "output_tokens": 30},
        "model": "gpt-4o-mini",
    }

async def ask_async(row):
    return ask(row)
"""

COUNTRIES = {"d1": "France", "d2": "Germany", "d3": "Spain", "d4": "Italy", "d5": "Portugal"}


def rows(n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        doc = f"d{i % 5 + 1}"
        out.append(
            {
                "id": f"q{i:03d}",
                "user_input": f"What is the capital of {COUNTRIES[doc]}?",
                "reference": DOCS[doc],
                "reference_contexts": [DOCS[doc]],
                "reference_context_ids": [doc],
                "metadata": {"tags": ["geo", f"batch{i % 2}"]},
            }
        )
    return out


@dataclass
class Project:
    root: Path
    module: str

    @property
    def target(self) -> str:
        return f"{self.module}:ask"

    def set_mode(self, text: str) -> None:
        (self.root / self.module / "mode.txt").write_text(text)

    def write_rows(self, data: list[dict[str, Any]]) -> None:
        lines = "".join(json.dumps(r) + "\n" for r in data)
        (self.root / "evals" / "dataset.jsonl").write_text(lines)

    def report(self, name: str = "report.json") -> dict[str, Any]:
        path = self.root / ".harness-cache" / "eval" / name
        data: dict[str, Any] = json.loads(path.read_text())
        return data


@pytest.fixture
def make_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    # Users run `harness eval` from their project: flag paths are then relative to it.
    monkeypatch.chdir(tmp_path)

    def make(n: int = 5, pyproject: str = "") -> Project:
        # A unique package name per project: CliRunner runs in-process and Python caches imports.
        module = f"evaltarget_{uuid.uuid4().hex[:10]}"
        root = tmp_path / "proj"
        (root / module).mkdir(parents=True)
        (root / module / "__init__.py").write_text(TARGET_SOURCE)
        (root / module / "docs.json").write_text(json.dumps(DOCS))
        (root / "evals").mkdir()
        (root / "pyproject.toml").write_text(pyproject)
        project = Project(root, module)
        project.write_rows(rows(n))
        monkeypatch.chdir(root)
        return project

    return make


@pytest.fixture
def judge() -> Iterator[JudgeDouble]:
    with JudgeDouble(Script()) as double:
        yield double


def cli(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["eval", *args], env=env, catch_exceptions=False)


def run_subprocess(
    args: list[str], cwd: Path, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "RAGAS_DO_NOT_TRACK": "true", **(extra_env or {})}
    return subprocess.run(
        [sys.executable, "-m", "harness", "eval", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
