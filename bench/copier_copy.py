"""Benchmark: `copier copy` of each template, next to a plain file copy of the same tree.

Baseline: `shutil.copytree` of the template folder in the same process (what any scaffolder must
at least pay). Prints the median of several runs for each template and the ratio.

    python bench/copier_copy.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from copier import run_copy

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
KINDS = ("rag-qa", "agent-workflow", "production-app")


def timed(action: object, repeat: int) -> float:
    walls = []
    for _ in range(repeat):
        target = Path(tempfile.mkdtemp(prefix="copier-bench-")) / "p"
        start = time.perf_counter()
        action(target)  # type: ignore[operator]
        walls.append(time.perf_counter() - start)
        shutil.rmtree(target.parent)
    return statistics.median(walls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}")  # fmt: skip
    for kind in KINDS:
        source = TEMPLATES / kind

        def copier(target: Path, source: Path = source) -> None:
            run_copy(str(source), str(target), defaults=True, quiet=True, unsafe=False)

        def plain(target: Path, source: Path = source) -> None:
            shutil.copytree(source / "template", target)

        copier_s = timed(copier, args.repeat)
        plain_s = timed(plain, args.repeat)
        verdict = "met" if copier_s < 3 else "NOT met"
        print(f"{kind:<15} copier copy {copier_s:5.2f} s   copytree {plain_s:5.3f} s   "
              f"ratio {copier_s / plain_s:6.1f}x   target < 3 s: {verdict}")  # fmt: skip


if __name__ == "__main__":
    main()
