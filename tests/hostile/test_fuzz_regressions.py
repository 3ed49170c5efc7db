"""Inputs the fuzzers kept (fuzz/regressions/<target>/) and their seed corpora, replayed through
the same checks the fuzzers run, without atheris; and a short bounded fuzz run when atheris is
installed (marked slow: CI runs `python fuzz/run.py --seconds N` for the long runs)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

FUZZ = Path(__file__).resolve().parents[2] / "fuzz"
sys.path.insert(0, str(FUZZ))
import targets  # noqa: E402  (fuzz/ is not a package: its scripts run as files)

INPUTS = sorted(
    (target, path)
    for kind in ("regressions", "corpus")
    for target in targets.TARGETS
    for path in sorted((FUZZ / kind / target).glob("*"))
    if path.is_file()
)


@pytest.mark.parametrize(
    ("target", "path"), INPUTS, ids=[f"{t}/{p.parent.parent.name}/{p.name}" for t, p in INPUTS]
)
def test_kept_input_is_handled(target: str, path: Path) -> None:
    targets.TARGETS[target](path.read_bytes())


def test_every_target_has_seeds() -> None:
    assert {t for t, _ in INPUTS} == set(targets.TARGETS)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris not installed")
def test_a_short_fuzz_run_finds_nothing() -> None:
    done = subprocess.run(
        [sys.executable, str(FUZZ / "run.py"), "--seconds", "10"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
