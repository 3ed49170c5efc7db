"""Shared helpers: fixture reports copied into a scratch folder, and the CLI run as a user would."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from harness.cli import main

HERE = Path(__file__).parent

Run = Callable[..., Result]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder holding audit.json and eval.json, made the working directory."""
    for name in ("audit.json", "eval.json"):
        shutil.copy(HERE / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def run() -> Run:
    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, ["badge", *args], catch_exceptions=False)

    return invoke
