"""Benchmark: how often `harness audit` agrees with a careful reader on real public repositories.

Each file in bench/corpus/repos/ labels one repository at a pinned commit: for a set of checks, the
verdict (pass, fail or na) a reviewer reached by reading the files, with a reason and the file:line
it rests on (format in bench/corpus/README.md). This script checks out every labelled commit, runs
`harness audit <tree> --format json:<file>` as a subprocess of the current interpreter (the target
is never imported), and compares the audit's status for each labelled check with the label.

Repositories come from `--mirror-root DIR` (bare git directories, named `owner+name/repo`,
`owner+name`, `owner__name`, `owner/name.git` or `owner/name`) or, when absent there, are cloned
from the public host into `--cache DIR`.

    python bench/corpus/agreement.py [--mirror-root DIR] [--cache DIR] [--repo owner/name]
                                     [--labels DIR_OR_FILE ...] [--json OUT]

It is a benchmark, not a gate: it exits 0 whatever the agreement, 2 only on a usage error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
DEFAULT_LABELS = HERE / "repos"
DEFAULT_CACHE = HERE / ".cache"
CHECKLISTS = PROJECT / "checklists"

KINDS = ("rag", "agent", "llm-api", "template", "other")
VERDICTS = ("pass", "fail", "na")
# Status strings of the audit's JSON report, today's and the ones announced (unknown).
TOOL_STATUSES = ("pass", "fail", "na", "unknown", "waived")
# A check the corpus labels although the audit may not have it yet.
EXTRA_CHECKS = {"tests-present": "ci"}
SHA = re.compile(r"^[0-9a-f]{40}$")
REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")
AUDIT_TIMEOUT = 600

# Outcome of one label against the tool's status.
AGREE = "agree"
FALSE_PASS = "false-pass"  # label fail, tool pass
FALSE_FAIL = "false-fail"  # label pass, tool fail
TOOL_NA = "tool-na"  # label pass/fail, tool n/a
TOOL_APPLIES = "tool-applies"  # label n/a, tool pass/fail
UNKNOWN = "unknown"  # tool could not decide
WAIVED = "waived"  # a waiver in the repository hid the verdict
MISSING = "missing"  # the tool reported no such check
TOOL_ERROR = "tool-error"  # the audit crashed, timed out or exited 2
OUTCOMES = (
    AGREE,
    FALSE_PASS,
    FALSE_FAIL,
    TOOL_NA,
    TOOL_APPLIES,
    UNKNOWN,
    WAIVED,
    MISSING,
    TOOL_ERROR,
)


class UsageError(Exception):
    """Bad command line: the only case that exits non-zero."""


@dataclass
class Label:
    check: str
    verdict: str
    reason: str
    evidence: str


@dataclass
class LabelFile:
    path: str
    repo: str
    commit: str
    kind: str
    labels: list[Label]


@dataclass
class ToolCheck:
    status: str
    message: str
    evidence: list[str]


@dataclass
class Comparison:
    repo: str
    check: str
    category: str
    label: str
    tool: str
    outcome: str
    reason: str
    evidence: str
    tool_message: str
    tool_evidence: list[str]


@dataclass
class RepoRun:
    repo: str
    commit: str
    kind: str
    labels: int
    audit_seconds: float | None = None
    exit_code: int | None = None
    error: str | None = None
    tool_version: str | None = None
    audited_commit: str | None = None
    missing_files: list[str] = field(default_factory=list)
    unlabelled_statuses: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------- label files


def known_checks(checklists: Path) -> dict[str, str]:
    """Check id -> category, from the checklist YAML files plus the corpus-only checks."""
    checks: dict[str, str] = {}
    for path in sorted(checklists.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for check in data.get("checks", []) or []:
            if isinstance(check, dict) and "id" in check:
                checks[str(check["id"])] = str(check.get("category", path.stem))
    for check_id, category in EXTRA_CHECKS.items():
        checks.setdefault(check_id, category)
    return checks


def label_paths(sources: list[Path]) -> list[Path]:
    paths: list[Path] = []
    for source in sources:
        if source.is_dir():
            paths.extend(sorted([*source.glob("*.yml"), *source.glob("*.yaml")]))
        elif source.is_file():
            paths.append(source)
        else:
            raise UsageError(f"no label file or folder at {source}")
    return paths


def load_label_file(path: Path, checks: dict[str, str]) -> LabelFile:
    """Parse and validate one label file; ValueError names the first problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ValueError(f"cannot read{where}: {problem}") from exc
    if not isinstance(data, dict):
        raise ValueError("not a mapping")
    repo, commit, kind = str(data.get("repo", "")), str(data.get("commit", "")), data.get("kind")
    if not REPO.match(repo):
        raise ValueError(f"repo {repo!r} is not owner/name")
    if not SHA.match(commit):
        raise ValueError(f"commit {commit!r} is not a 40-hex sha")
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    raw = data.get("labels")
    if not isinstance(raw, list) or not raw:
        raise ValueError("labels is missing or empty")
    labels: list[Label] = []
    seen: set[str] = set()
    for n, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            raise ValueError(f"label {n} is not a mapping")
        check, verdict = str(item.get("check", "")), item.get("verdict")
        if check not in checks:
            raise ValueError(f"label {n}: unknown check {check!r}")
        if check in seen:
            raise ValueError(f"label {n}: check {check!r} labelled twice")
        if verdict not in VERDICTS:
            raise ValueError(f"label {n} ({check}): verdict {verdict!r} not in pass/fail/na")
        seen.add(check)
        labels.append(
            Label(check, str(verdict), str(item.get("reason", "")), str(item.get("evidence", "")))
        )
    return LabelFile(str(path), repo, commit, str(kind), labels)


# --------------------------------------------------------------------------- repositories


def git(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=900
    )


def is_git_dir(path: Path) -> bool:
    return path.is_dir() and git("--git-dir", str(path), "rev-parse", "--git-dir").returncode == 0


def has_commit(git_dir: Path, commit: str) -> bool:
    return git("--git-dir", str(git_dir), "cat-file", "-e", f"{commit}^{{commit}}").returncode == 0


def mirror_candidates(root: Path, repo: str) -> list[Path]:
    owner, name = repo.split("/")
    flat = f"{owner}+{name}"
    return [
        root / flat / "repo",
        root / flat,
        root / f"{owner}__{name}",
        root / owner / f"{name}.git",
        root / owner / name,
        root / owner / name / ".git",
    ]


def locate(repo: str, commit: str, mirror_root: Path | None, cache: Path) -> Path:
    """A git directory that holds `commit`; RuntimeError says why none could be had."""
    if mirror_root is not None:
        for candidate in mirror_candidates(mirror_root, repo):
            if is_git_dir(candidate) and has_commit(candidate, commit):
                return candidate
    owner, name = repo.split("/")
    cached = cache / f"{owner}+{name}.git"
    if not is_git_dir(cached):
        cache.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(cached, ignore_errors=True)
        url = f"https://github.com/{repo}.git"
        done = git("clone", "--quiet", "--bare", url, str(cached))
        if done.returncode != 0:
            shutil.rmtree(cached, ignore_errors=True)
            raise RuntimeError(f"clone of {url} failed: {_last_line(done.stderr)}")
    if not has_commit(cached, commit):
        fetched = git("--git-dir", str(cached), "fetch", "--quiet", "origin", commit)
        if fetched.returncode != 0 or not has_commit(cached, commit):
            raise RuntimeError(f"commit {commit[:12]} not found in {repo}")
    return cached


def check_out(git_dir: Path, commit: str, into: Path) -> list[str]:
    """A work tree at `commit` with its own .git (the audit reads the index), sharing objects.

    Returns the tracked paths that could not be written: snapshots of public repositories may
    lack their largest blobs, and the audit still runs on everything else.
    """
    cloned = git("clone", "--quiet", "--shared", "--no-checkout", str(git_dir.resolve()), str(into))
    if cloned.returncode != 0:
        raise RuntimeError(f"clone for checkout failed: {_last_line(cloned.stderr)}")
    # read-tree + checkout-index writes every blob it can, where `checkout` stops at the first
    # missing one; HEAD is then detached at the commit so the tree is clean apart from those.
    steps = [("read-tree", commit), ("update-ref", "--no-deref", "HEAD", commit)]
    for step in steps:
        done = git(*step, cwd=into)
        if done.returncode != 0:
            raise RuntimeError(f"{step[0]} of {commit[:12]} failed: {_last_line(done.stderr)}")
    git("checkout-index", "--all", "--force", cwd=into)
    listed = git("ls-files", "-z", cwd=into).stdout.split("\0")
    missing = [
        path
        for path in listed
        if path and not (into / path).is_symlink() and not (into / path).exists()
    ]
    if listed and len(missing) == len([p for p in listed if p]):
        raise RuntimeError(f"checkout of {commit[:12]} wrote no file")
    return missing


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no message)"


# --------------------------------------------------------------------------- the audit


def run_audit(
    harness: list[str], tree: Path, out: Path, run: RepoRun
) -> dict[str, ToolCheck] | None:
    """Run the audit; fill `run` with time, exit code, error. None when no report came out."""
    command = [*harness, "audit", str(tree), "--format", f"json:{out}"]
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=AUDIT_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        run.audit_seconds = time.perf_counter() - start
        run.error = f"timed out after {AUDIT_TIMEOUT} s"
        return None
    run.audit_seconds = time.perf_counter() - start
    run.exit_code = done.returncode
    if "Traceback (most recent call last)" in done.stderr:
        run.error = f"traceback: {_last_line(done.stderr)}"
    elif done.returncode not in (0, 1):
        run.error = f"exit {done.returncode}: {_last_line(done.stderr)}"
    if run.error is not None or not out.is_file():
        run.error = run.error or "no JSON report written"
        return None
    try:
        report = json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        run.error = f"unreadable JSON report: {exc}"
        return None
    return parse_report(report, run)


def parse_report(report: dict[str, Any], run: RepoRun) -> dict[str, ToolCheck]:
    """Check id -> status; statuses outside the known set are read as unknown."""
    tool = report.get("tool") or {}
    run.tool_version = str(tool.get("version")) if isinstance(tool, dict) else None
    run.audited_commit = report.get("commit")
    checks: dict[str, ToolCheck] = {}
    for item in report.get("checks", []) or []:
        status = str(item.get("status", "unknown"))
        if status not in TOOL_STATUSES:
            status = "unknown"
        evidence = [
            f"{e.get('path')}:{e.get('line')}" if e.get("line") else str(e.get("path"))
            for e in item.get("evidence", []) or []
            if isinstance(e, dict)
        ]
        checks[str(item.get("id"))] = ToolCheck(status, str(item.get("message", "")), evidence)
    return checks


def outcome(label: str, tool: str | None) -> str:
    if tool is None:
        return MISSING
    if tool in (UNKNOWN, WAIVED):
        return tool
    if label == tool:
        return AGREE
    if label == "na":
        return TOOL_APPLIES
    if tool == "na":
        return TOOL_NA
    return FALSE_PASS if tool == "pass" else FALSE_FAIL


def compare(
    label_file: LabelFile, tool: dict[str, ToolCheck] | None, categories: dict[str, str]
) -> list[Comparison]:
    rows: list[Comparison] = []
    for label in label_file.labels:
        found = tool.get(label.check) if tool is not None else None
        status = found.status if found else None
        result = TOOL_ERROR if tool is None else outcome(label.verdict, status)
        rows.append(
            Comparison(
                repo=label_file.repo,
                check=label.check,
                category=categories.get(label.check, "?"),
                label=label.verdict,
                tool=found.status if found else ("error" if tool is None else "missing"),
                outcome=result,
                reason=label.reason,
                evidence=label.evidence,
                tool_message=found.message if found else "",
                tool_evidence=found.evidence if found else [],
            )
        )
    return rows


# --------------------------------------------------------------------------- summary


def agreement(rows: list[Comparison]) -> dict[str, Any]:
    """Agreement over applicable labels (label pass/fail); unknown and missing count as misses."""
    applicable = [r for r in rows if r.label != "na"]
    agreed = sum(r.outcome == AGREE for r in applicable)
    tally = Counter(r.outcome for r in rows)
    return {
        "labels": len(rows),
        "applicable": len(applicable),
        "agree": agreed,
        "agreement": round(agreed / len(applicable), 4) if applicable else None,
        "all_labels_agree": tally[AGREE],
        "all_labels_agreement": round(tally[AGREE] / len(rows), 4) if rows else None,
        "outcomes": {name: tally[name] for name in OUTCOMES if tally[name]},
    }


def summarise(
    runs: list[RepoRun], rows: list[Comparison], invalid: list[dict[str, str]]
) -> dict[str, Any]:
    checks = sorted({r.check for r in rows})
    llm = [r for r in rows if r.category == "llm"]
    kinds = {run.repo: run.kind for run in runs}
    return {
        "schema": "harness-corpus-agreement/1",
        "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tool_version": next((r.tool_version for r in runs if r.tool_version), None),
        "repos": [asdict(r) for r in runs],
        "overall": agreement(rows),
        "llm_checks": agreement(llm),
        "per_check": {c: agreement([r for r in rows if r.check == c]) for c in checks},
        "per_kind": {
            k: agreement([r for r in rows if kinds.get(r.repo) == k])
            for k in KINDS
            if k in kinds.values()
        },
        "per_repo": {run.repo: agreement([r for r in rows if r.repo == run.repo]) for run in runs},
        "audit_errors": sum(r.error is not None for r in runs),
        "comparisons": [asdict(r) for r in rows],
        "invalid_label_files": invalid,
    }


def _pct(block: dict[str, Any]) -> str:
    value = block["agreement"]
    shown = "  n/a " if value is None else f"{100 * value:5.1f}%"
    return f"{shown} ({block['agree']}/{block['applicable']})"


def render(summary: dict[str, Any]) -> str:
    rows = [Comparison(**r) for r in summary["comparisons"]]
    out: list[str] = [f"harness audit {summary['tool_version'] or '?'} against the labelled corpus"]
    out.append("")
    out.append("Repositories (audit wall time, agreement on the repository's applicable labels):")
    for run in summary["repos"]:
        took = "-" if run["audit_seconds"] is None else f"{run['audit_seconds']:.2f} s"
        share = _pct(summary["per_repo"][run["repo"]])
        note = f"  ERROR {run['error']}" if run["error"] else ""
        if run["missing_files"]:
            note += f"  ({len(run['missing_files'])} large files absent from the snapshot)"
        out.append(
            f"  {run['repo']:<52} {run['kind']:<8} {took:>9}  {share:<16}"
            f" exit {run['exit_code']}{note}"
        )
    out.append("")
    out.append("Per check (applicable = labelled pass/fail):")
    for check, block in summary["per_check"].items():
        misses = ", ".join(f"{k} {v}" for k, v in block["outcomes"].items() if k != AGREE)
        out.append(f"  {check:<28} {_pct(block):<20} {misses}")
    out.append("")
    out.append(f"Overall agreement:      {_pct(summary['overall'])}")
    out.append(f"LLM checks agreement:   {_pct(summary['llm_checks'])}")
    for kind, block in summary["per_kind"].items():
        out.append(f"  {kind + ' repositories:':<22}{_pct(block)}")
    overall = summary["overall"]
    out.append(
        f"All labels incl. n/a: {overall['all_labels_agree']}/{overall['labels']}"
        f"   outcomes: {overall['outcomes']}"
    )
    out.append(f"Audit errors (traceback, exit 2, timeout): {summary['audit_errors']}")
    sections = [
        (FALSE_PASS, "False passes (label fail, tool pass)"),
        (FALSE_FAIL, "False fails (label pass, tool fail)"),
        (TOOL_NA, "Tool says n/a where the label applies"),
        (TOOL_APPLIES, "Tool applies the check where the label says n/a"),
        (UNKNOWN, "Tool says unknown (counted as not agreeing)"),
        (WAIVED, "Waived by the repository (counted as not agreeing)"),
        (MISSING, "Check not reported by the tool (counted as not agreeing)"),
        (TOOL_ERROR, "Audit failed on the repository (counted as not agreeing)"),
    ]
    for name, title in sections:
        hits = [r for r in rows if r.outcome == name]
        if not hits:
            continue
        out.append("")
        out.append(f"{title}: {len(hits)}")
        for r in hits:
            out.append(f"  {r.repo} {r.check}: label {r.label}, tool {r.tool}")
            out.append(f"      label: {r.reason} [{r.evidence}]")
            if r.outcome not in (MISSING, TOOL_ERROR):
                where = ", ".join(r.tool_evidence[:3]) or "no evidence"
                out.append(f"      tool:  {r.tool_message} [{where}]")
    if summary["invalid_label_files"]:
        out.append("")
        out.append("Label files skipped:")
        for bad in summary["invalid_label_files"]:
            out.append(f"  {bad['path']}: {bad['problem']}")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--labels",
        action="append",
        type=Path,
        help="a label file or a folder of them (repeatable; default bench/corpus/repos)",
    )
    parser.add_argument("--mirror-root", type=Path, help="folder of bare git directories")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="clone cache folder")
    parser.add_argument("--repo", action="append", help="only this owner/name (repeatable)")
    parser.add_argument("--json", type=Path, help="also write the summary as JSON here")
    parser.add_argument(
        "--harness",
        default=f"{sys.executable} -m harness",
        help="command that runs the CLI (default: this interpreter's `-m harness`)",
    )
    args = parser.parse_args(argv)
    if args.mirror_root is not None and not args.mirror_root.is_dir():
        raise UsageError(f"--mirror-root {args.mirror_root} is not a folder")
    if args.json is not None:
        # Fail before the audits run, not after: a benchmark run can take minutes.
        try:
            args.json.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot write --json {args.json}: {exc.strerror}") from exc
    for repo in args.repo or []:
        if not REPO.match(repo):
            raise UsageError(f"--repo {repo!r} is not owner/name")
    return args


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse_args(argv)
        paths = label_paths(args.labels or [DEFAULT_LABELS])
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    categories = known_checks(CHECKLISTS)
    label_files: list[LabelFile] = []
    invalid: list[dict[str, str]] = []
    for path in paths:
        try:
            label_files.append(load_label_file(path, categories))
        except ValueError as exc:
            invalid.append({"path": str(path), "problem": str(exc)})
    if args.repo:
        wanted = {r.lower() for r in args.repo}
        label_files = [f for f in label_files if f.repo.lower() in wanted]
        if not label_files:
            print(f"error: no label file for {', '.join(args.repo)}", file=sys.stderr)
            return 2
    harness = shlex.split(args.harness)
    runs: list[RepoRun] = []
    rows: list[Comparison] = []
    for label_file in label_files:
        run = RepoRun(label_file.repo, label_file.commit, label_file.kind, len(label_file.labels))
        print(f"auditing {label_file.repo}@{label_file.commit[:12]} ...", file=sys.stderr)
        tool: dict[str, ToolCheck] | None = None
        with tempfile.TemporaryDirectory(prefix="corpus-") as tmp:
            tree, report = Path(tmp) / "tree", Path(tmp) / "audit.json"
            try:
                git_dir = locate(label_file.repo, label_file.commit, args.mirror_root, args.cache)
                run.missing_files = check_out(git_dir, label_file.commit, tree)
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                run.error = f"repository: {exc}"
            else:
                tool = run_audit(harness, tree, report, run)
        if tool is not None:
            labelled = {label.check for label in label_file.labels}
            run.unlabelled_statuses = dict(
                Counter(c.status for k, c in tool.items() if k not in labelled)
            )
        runs.append(run)
        rows.extend(compare(label_file, tool, categories))
    summary = summarise(runs, rows, invalid)
    sys.stdout.write(render(summary))
    if args.json is not None:
        try:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            print(f"error: cannot write --json {args.json}: {exc.strerror}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
