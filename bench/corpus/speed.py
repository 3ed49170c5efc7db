"""Benchmark: CPU time and peak memory of `harness audit` on each corpus repository.

Wall time on a shared machine says little, so each audit's own CPU time (user + sys of the child
process, from `wait4`) and peak RSS are measured, next to the repository's tracked file count and,
when `repo-review` (sp-repo-review) is installed, the same figures for it on the same tree.

Work trees are checked out once (the same way as agreement.py) into `--trees DIR` and reused by
later runs. `--reports DIR` keeps each audit's JSON report, so that two runs (before and after a
change) can be compared verdict for verdict with `--compare OLD_DIR NEW_DIR`.

    python bench/corpus/speed.py --mirror-root DIR --trees DIR [--repo owner/name ...]
                                 [--repeat N] [--reports DIR] [--json OUT] [--no-baseline]
    python bench/corpus/speed.py --compare OLD_REPORTS NEW_REPORTS
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import agreement


@dataclass
class Sample:
    cpu: float
    rss_mb: float
    exit_code: int


@dataclass
class RepoSpeed:
    repo: str
    files: int
    cpu: float
    rss_mb: float
    exit_code: int
    baseline_cpu: float | None = None


def run_child(command: list[str], stdout: Any = subprocess.DEVNULL) -> Sample:
    """Run one command; its own CPU seconds and peak RSS (not those of earlier children)."""
    proc = subprocess.Popen(command, stdout=stdout, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Sample(usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode)


def tree_for(label: agreement.LabelFile, args: argparse.Namespace) -> Path:
    owner, name = label.repo.split("/")
    tree: Path = args.trees / f"{owner}+{name}"
    if not (tree / ".git").exists():
        shutil.rmtree(tree, ignore_errors=True)
        git_dir = agreement.locate(label.repo, label.commit, args.mirror_root, args.cache)
        agreement.check_out(git_dir, label.commit, tree)
    return tree


def tracked_files(tree: Path) -> int:
    listed = agreement.git("ls-files", "-z", cwd=tree).stdout.split("\0")
    return len([path for path in listed if path])


def measure(label: agreement.LabelFile, args: argparse.Namespace) -> RepoSpeed:
    tree = tree_for(label, args)
    # The report is read from standard output: a `json:FILE` destination would also render the
    # terminal table, and the figures would then depend on whether reports are kept.
    command = [sys.executable, "-m", "harness", "audit", str(tree), "--format", "json"]
    samples = []
    for _ in range(args.repeat):
        if args.reports:
            with (args.reports / f"{label.repo.replace('/', '+')}.json").open("wb") as out:
                samples.append(run_child(command, stdout=out))
        else:
            samples.append(run_child(command))
    speed = RepoSpeed(
        label.repo,
        tracked_files(tree),
        statistics.median(s.cpu for s in samples),
        max(s.rss_mb for s in samples),
        samples[-1].exit_code,
    )
    review = shutil.which("repo-review")
    if review and not args.no_baseline:
        runs = [run_child([review, str(tree), "--format", "json"]) for _ in range(args.repeat)]
        speed.baseline_cpu = statistics.median(s.cpu for s in runs)
    return speed


def print_row(speed: RepoSpeed) -> None:
    ratio = f"{speed.cpu / speed.baseline_cpu:5.1f}x" if speed.baseline_cpu else "     -"
    base = f"{speed.baseline_cpu:6.2f}" if speed.baseline_cpu is not None else "     -"
    print(
        f"{speed.repo:<60} {speed.files:6d} {speed.cpu:6.2f} {speed.rss_mb:6.0f} "
        f"{base} {ratio}  exit {speed.exit_code}",
        flush=True,
    )


def summary(rows: list[RepoSpeed]) -> dict[str, Any]:
    cpus = [r.cpu for r in rows]
    small = [r for r in rows if r.files < 1000]
    return {
        "repositories": len(rows),
        "cpu_median": round(statistics.median(cpus), 3),
        "cpu_max": round(max(cpus), 3),
        "rss_max_mb": round(max(r.rss_mb for r in rows)),
        "under_1000_files": len(small),
        "under_1000_files_below_1s": len([r for r in small if r.cpu < 1.0]),
    }


def verdicts(report: dict[str, Any]) -> dict[str, Any]:
    """Everything a report says but its date: each check apart, then every other section."""
    rest = {key: value for key, value in report.items() if key not in ("checks", "generated_at")}
    return {str(check.get("id")): check for check in report.get("checks", [])} | {
        f"[{key}]": value for key, value in rest.items()
    }


def compare(old: Path, new: Path) -> int:
    differing = 0
    for old_file in sorted(old.glob("*.json")):
        new_file = new / old_file.name
        if not new_file.is_file():
            print(f"{old_file.stem}: no new report")
            differing += 1
            continue
        before = verdicts(json.loads(old_file.read_text(encoding="utf-8")))
        after = verdicts(json.loads(new_file.read_text(encoding="utf-8")))
        for check in sorted(set(before) | set(after)):
            if before.get(check) != after.get(check):
                differing += 1
                print(f"{old_file.stem} {check}:\n  - {before.get(check)}\n  + {after.get(check)}")
    print(f"{differing} differing check(s)")
    return 1 if differing else 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mirror-root", type=Path, help="folder of bare git directories")
    parser.add_argument("--cache", type=Path, default=agreement.DEFAULT_CACHE)
    parser.add_argument("--trees", type=Path, help="folder for the work trees (kept, reused)")
    parser.add_argument("--repo", action="append", help="only this owner/name (repeatable)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--reports", type=Path, help="keep each audit's JSON report here")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--no-baseline", action="store_true", help="skip repo-review")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"))
    args = parser.parse_args(argv)
    if args.compare is None and args.trees is None:
        parser.error("--trees is required")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    args.trees.mkdir(parents=True, exist_ok=True)
    if args.reports:
        args.reports.mkdir(parents=True, exist_ok=True)
    categories = agreement.known_checks(agreement.CHECKLISTS)
    labels = [
        agreement.load_label_file(path, categories)
        for path in agreement.label_paths([agreement.DEFAULT_LABELS])
    ]
    if args.repo:
        wanted = {r.lower() for r in args.repo}
        labels = [label for label in labels if label.repo.lower() in wanted]
    print(f"{'repository':<60} {'files':>6} {'CPU s':>6} {'RSS MB':>6} {'base s':>6} {'ratio':>6}")
    rows = []
    for label in labels:
        rows.append(measure(label, args))
        print_row(rows[-1])
    figures = summary(rows)
    print(json.dumps(figures))
    if args.json:
        payload = {"summary": figures, "repositories": [asdict(r) for r in rows]}
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
