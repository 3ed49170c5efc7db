"""Coverage-guided fuzzing of the harness's own parsers with atheris, for a bounded time.

    python fuzz/run.py --seconds 600                 # every target, 10 minutes each
    python fuzz/run.py --seconds 60 ignore_rules     # one target
    python fuzz/run.py --one TARGET -- LIBFUZZER_ARGS  (internal: the child process)

Each target runs in its own child process (libFuzzer owns the process), seeded from
`fuzz/corpus/<target>/` and growing a scratch copy of it. A crashing input is written to
`fuzz/crashes/<target>/`; copy it into `fuzz/regressions/<target>/` once fixed, where
tests/hostile/test_fuzz_regressions.py replays it on every test run. Exit 1 if any target found
a crash. Needs `pip install atheris` (wheels for CPython 3.11 on x86_64 Linux).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAMES = ("ignore_rules", "git_metadata", "config_loading", "dataset_jsonl", "badge_inputs")


def _child(target: str, libfuzzer_args: list[str]) -> None:
    import atheris

    sys.path.insert(0, str(HERE.parent))
    with atheris.instrument_imports(include=["harness"]):
        sys.path.insert(0, str(HERE))
        import targets

    check = targets.TARGETS[target]
    atheris.Setup([sys.argv[0], *libfuzzer_args], check)
    atheris.Fuzz()


def _run(target: str, seconds: int) -> tuple[bool, str]:
    crashes = HERE / "crashes" / target
    crashes.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{target}-") as scratch:
        corpus = Path(scratch) / "corpus"
        seeds = HERE / "corpus" / target
        shutil.copytree(seeds, corpus) if seeds.is_dir() else corpus.mkdir()
        args = [
            f"-max_total_time={seconds}",
            "-timeout=10",  # one input taking 10 s is a finding (a hang)
            "-rss_limit_mb=2048",
            "-max_len=65536",
            f"-artifact_prefix={crashes}/",
            "-print_final_stats=1",
            str(corpus),
        ]
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, __file__, "--one", target, "--", *args],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=seconds + 300,
        )
        elapsed = time.monotonic() - started
        stats = [line for line in done.stderr.splitlines() if line.startswith("stat::")]
        runs = next(
            (line.split(":")[-1].strip() for line in stats if "number_of_executed" in line), "?"
        )
        cov = [line for line in done.stderr.splitlines() if " cov: " in line]
        last = cov[-1].split(" cov: ")[1].split()[0] if cov else "?"
        summary = f"{target}: {elapsed:.0f} s, {runs} inputs, coverage {last} edges"
        if done.returncode != 0:
            tail = "\n".join(done.stderr.splitlines()[-30:])
            return False, f"{summary}: CRASH (exit {done.returncode})\n{tail}"
        return True, f"{summary}: nothing found"


def main() -> int:
    if len(sys.argv) > 3 and sys.argv[1] == "--one" and sys.argv[3] == "--":
        _child(sys.argv[2], sys.argv[4:])
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("targets", nargs="*", help=f"some of: {', '.join(NAMES)} [all]")
    parser.add_argument("--seconds", type=int, default=60, help="per target [60]")
    args = parser.parse_args()
    unknown = [t for t in args.targets if t not in NAMES]
    if unknown:
        parser.error(f"unknown target {unknown[0]!r}; choose from {', '.join(NAMES)}")
    ok = True
    for target in args.targets or NAMES:
        passed, line = _run(target, args.seconds)
        print(line, flush=True)
        ok = ok and passed
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
