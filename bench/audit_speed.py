"""Benchmark: `harness audit` on a large tree, next to sp-repo-review on the same tree.

Three trees:
- synthetic (default): N generated files (default 20,000: Python packages, docs, configs, a
  Dockerfile, workflows, a .gitignore'd build folder);
- `--real-tree`: a copy of this interpreter's site-packages (real code: ~30,000 files, ~14,000
  Python files with a venv holding the `eval` extra). Its `*.dist-info` records mark it as
  installed third-party code, which the audit leaves out before reading it (and, with nothing
  of a project's own left, exits 2 saying so); with `--as-project` the records are deleted
  from the copy, so the same code is audited as one project's own (the engine's throughput
  on real code);
- `--tree PATH`: a copy of any repository.
Both tools run as subprocesses in the same run, several times each; the median wall time, the
ratio and the peak RSS of each are printed. `--breakdown` also times every check in-process
(one index, as the engine builds it) and prints each check's share, and the LLM call-site
checks' share. Baseline: sp-repo-review (`repo-review --format json`), the reference Python
repository reviewer.

    pip install "sp-repo-review[cli]"
    python bench/audit_speed.py [--files 20000] [--repeat 3]
    python bench/audit_speed.py --real-tree --repeat 3
    python bench/audit_speed.py --real-tree --as-project --repeat 1 --breakdown
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

MODULE = '''"""Module {n}."""
import json
import os

from pydantic import BaseModel


class Item{n}(BaseModel):
    name: str
    size: int = {n}


def load_{n}(path: str) -> list[Item{n}]:
    with open(path) as handle:
        return [Item{n}(**row) for row in json.load(handle)]


def env_{n}() -> str:
    return os.environ.get("APP_SETTING_{m}", "default")
'''


def generate(root: Path, count: int) -> None:
    """A realistic tree: 80% Python, the rest Markdown, JSON, YAML, plus project files."""
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text(
        "name: ci\non: push\npermissions: {}\njobs:\n  t:\n    runs-on: ubuntu-latest\n"
        "    timeout-minutes: 5\n    steps:\n      - run: python -m pytest\n"
    )
    (root / "Dockerfile").write_text(
        "FROM python:3.12-slim AS b\nFROM python:3.12-slim\nUSER app\n"
    )
    (root / "pyproject.toml").write_text('[project]\nname = "big"\nversion = "1.0"\n')
    (root / "README.md").write_text("# big\n\n## Problem\n\nA large tree.\n")
    (root / ".gitignore").write_text("build/\n*.log\n")
    written = 5
    package = 0
    while written < count:
        folder = root / "src" / f"pkg{package // 50}" / f"sub{package}"
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(min(20, count - written)):
            kind = n % 10
            if kind < 8:
                (folder / f"mod{n}.py").write_text(MODULE.format(n=n, m=written % 97))
            elif kind == 8:
                (folder / f"notes{n}.md").write_text(f"# Notes {n}\n\nSome text.\n" * 5)
            else:
                (folder / f"data{n}.json").write_text(json.dumps({"n": n, "rows": list(range(20))}))
            written += 1
        package += 1
    (root / "build").mkdir()
    for n in range(200):  # ignored by .gitignore: must not be read
        (root / "build" / f"junk{n}.py").write_text("x = 1\n")


def timed(command: list[str]) -> tuple[float, int, int]:
    """Wall seconds, peak RSS in MB and exit code of one run in a fresh child process."""
    script = (
        "import resource, subprocess, sys, time, json;"
        "t = time.perf_counter();"
        "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode;"
        "wall = time.perf_counter() - t;"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss;"
        "print(json.dumps([wall, rss, code]))"
    )
    done = subprocess.run([sys.executable, "-c", script, *command], capture_output=True, text=True)
    wall, rss_kb, code = json.loads(done.stdout)
    return wall, rss_kb // 1024, code


def measure(name: str, command: list[str], repeat: int) -> tuple[float, int]:
    runs = [timed(command) for _ in range(repeat)]
    walls = [r[0] for r in runs]
    rss = max(r[1] for r in runs)
    codes = {r[2] for r in runs}
    print(
        f"{name:<16} median {statistics.median(walls):6.2f} s  min {min(walls):6.2f} s  "
        f"peak RSS {rss:5d} MB  exit {sorted(codes)}"
    )
    return statistics.median(walls), rss


def breakdown(root: Path) -> None:
    """Time each check in-process over one shared index; print the slowest and the LLM share."""
    from harness.audit import engine
    from harness.audit.checklist import load_all
    from harness.audit.index import RepoIndex

    started = time.perf_counter()
    index = RepoIndex(root)
    indexed = time.perf_counter()
    stack = engine._with_layout_tags(engine.detect_stack(index), index)
    stacked = time.perf_counter()
    timings: list[tuple[float, str]] = []
    for check in load_all([])[1]:
        begin = time.perf_counter()
        engine._run_check(check, index, stack)
        timings.append((time.perf_counter() - begin, check.id))
    total = time.perf_counter() - started
    print(
        f"in-process: walk {indexed - started:.2f} s, stack {stacked - indexed:.2f} s, "
        f"checks {sum(t for t, _ in timings):.2f} s, total {total:.2f} s"
    )
    for seconds, check_id in sorted(timings, reverse=True)[:8]:
        print(f"  {check_id:<28} {seconds:6.2f} s  {100 * seconds / total:4.1f} %")
    llm = sum(t for t, c in timings if c.startswith("llm-call") or c in LLM_SITE_CHECKS)
    print(f"  LLM call-site checks: {llm:.2f} s = {100 * llm / total:.1f} % of the audit")


# Checks whose detector is the LLM call-site scan (llm_call_policy / system prompt).
LLM_SITE_CHECKS = ("llm-model-configurable", "llm-system-prompt-safe")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tree", type=Path, help="audit this existing tree instead")
    parser.add_argument(
        "--real-tree", action="store_true", help="audit a copy of this venv's site-packages"
    )
    parser.add_argument(
        "--as-project",
        action="store_true",
        help="with --real-tree: delete the *.dist-info records, audit the code as a project's",
    )
    parser.add_argument("--breakdown", action="store_true", help="time every check in-process")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="audit-bench-")) / "big"
    try:
        if args.real_tree:
            shutil.copytree(sysconfig.get_paths()["purelib"], root, symlinks=True)
            if args.as_project:
                for record in root.glob("*.dist-info"):
                    shutil.rmtree(record)
        elif args.tree:
            junk = shutil.ignore_patterns(".venv", "venv", "node_modules", "__pycache__")
            shutil.copytree(args.tree, root, symlinks=True, ignore=junk)
        else:
            root.mkdir()
            generate(root, args.files)
        files = sum(1 for _ in root.rglob("*") if _.is_file())
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.processor() or ''}"
            f" Python {platform.python_version()}; tree: {files} files"
        )
        harness = measure(
            "harness audit",
            [sys.executable, "-m", "harness", "audit", str(root), "--format", "json"],
            args.repeat,
        )
        repo_review = shutil.which("repo-review", path=str(Path(sys.executable).parent)) or (
            shutil.which("repo-review")
        )
        if repo_review is None:
            print("repo-review not installed: pip install 'sp-repo-review[cli]'")
            if args.breakdown:
                breakdown(root)
            return
        baseline = measure(
            "sp-repo-review", [repo_review, str(root), "--format", "json"], args.repeat
        )
        print(f"ratio harness / sp-repo-review: {harness[0] / baseline[0]:.2f}x wall time")
        limit = 1.0 if files < 1000 else 3.0
        print(
            f"target: < {limit:g} s and < 200 MB for {files} files -> "
            f"{'met' if harness[0] < limit and harness[1] < 200 else 'NOT met'}"
        )
        if args.breakdown:
            breakdown(root)
    finally:
        shutil.rmtree(root.parent)


if __name__ == "__main__":
    main()
