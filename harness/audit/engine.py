"""Running an audit: index the repo once, detect the stack, run each applicable check."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from harness import __version__
from harness.audit import registry, scoring
from harness.audit.checklist import load_all
from harness.audit.config import load_config
from harness.audit.index import RepoIndex
from harness.audit.model import AuditReport, Check, CheckResult, Severity
from harness.audit.stack import applies, detect_stack
from harness.audit.waivers import apply_waivers
from harness.errors import ChecklistError, NothingToAuditError, UnknownCheckError
from harness.suggest import did_you_mean


@dataclass
class AuditOptions:
    root: Path
    checklists: list[Path] = field(default_factory=list)
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_under: float | None = None
    fail_on: Severity | None = None


def now() -> dt.datetime:
    """The audit's clock; SOURCE_DATE_EPOCH makes reports reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.now(tz=dt.UTC)


def run_audit(options: AuditOptions) -> AuditReport:
    root = _checked_root(options.root)
    config, _ = load_config(root)
    extra = [*options.checklists, *(_repo_checklist(root, p) for p in config.checklists)]
    checklists, checks = load_all(extra)
    index = RepoIndex(root, exclude=config.exclude)
    if not index.files:
        raise NothingToAuditError(f"{options.root}: no files to audit", "point at a repository")
    stack = detect_stack(index)
    owner = {c.id: cl.checklist for cl in checklists for c in cl.checks}
    selected = _select(
        checks, owner, [*config.select, *options.select], [*config.ignore, *options.ignore]
    )
    clock = now()
    results, waiver_states = apply_waivers(
        [_run_check(check, index, stack) for check in selected],
        config.waiver_objects(),
        clock.date(),
    )
    overall = scoring.score(results)
    fail_under = options.fail_under if options.fail_under is not None else config.fail_under
    fail_on = options.fail_on or config.fail_on or Severity.CRITICAL
    return AuditReport(
        root_name=root.name,
        tool_version=__version__,
        generated_at=clock.strftime("%Y-%m-%dT%H:%M:%SZ"),
        commit=index.commit,
        stack=stack,
        results=results,
        skipped_files=sorted(index.skipped.items()),
        category_scores=scoring.category_scores(results),
        overall_score=overall,
        grade=scoring.grade(overall),
        failed_reasons=_failed_reasons(results, overall, fail_under, fail_on),
        checklists=[cl.checklist for cl in checklists],
        fail_under=fail_under,
        fail_on=fail_on.value,
        waivers=waiver_states,
        anchor_file=_anchor(index),
    )


def _anchor(index: RepoIndex) -> str:
    for candidate in ("README.md", "pyproject.toml"):
        if index.has(candidate):
            return candidate
    return index.files[0]


def _checked_root(root: Path) -> Path:
    if not root.exists():
        raise NothingToAuditError(f"{root}: no such directory", "pass the repository's path")
    if not root.is_dir():
        raise NothingToAuditError(f"{root}: not a directory", "pass the repository's path")
    return root.resolve()


def _repo_checklist(root: Path, relative: str) -> Path:
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise ChecklistError(
            f"[tool.harness] checklists: {relative} is not a file in the repository",
            "fix the path (relative to the repository root)",
        )
    return path


def _select(
    checks: list[Check], owner: dict[str, str], select: list[str], ignore: list[str]
) -> list[Check]:
    def named(check: Check, names: list[str]) -> bool:
        return bool({check.id, check.category, owner[check.id]} & set(names))

    # A misspelt name would otherwise select nothing and pass an empty audit.
    known = {c.id for c in checks} | {c.category for c in checks} | set(owner.values())
    for name in [*select, *ignore]:
        if name not in known:
            raise UnknownCheckError(
                f"--select/--ignore (or [tool.harness] select/ignore): no check, category or "
                f"checklist {name!r}",
                did_you_mean(name, known),
            )

    chosen = [c for c in checks if not select or named(c, select)]
    return [c for c in chosen if not named(c, ignore)]


def _run_check(check: Check, index: RepoIndex, stack: dict[str, str]) -> CheckResult:
    applicable, reason = applies(check.applies_to, stack)
    if not applicable:
        return CheckResult(check, "na", reason)
    detector = registry.get(check.detector)
    try:
        outcome = detector.run(index, detector.parse_params(check.params))
    except Exception as exc:
        return CheckResult(check, "na", f"detector {check.detector} failed: {exc!r} (a bug)")
    return CheckResult(check, outcome.status, outcome.message, outcome.evidence)


def _failed_reasons(
    results: list[CheckResult], overall: float | None, fail_under: float | None, fail_on: Severity
) -> list[str]:
    reasons = []
    if fail_under is not None and (overall or 0.0) < fail_under:
        reasons.append(f"score {overall if overall is not None else 'n/a'} is below {fail_under:g}")
    for result in results:
        if result.status != "fail":
            continue
        if result.waiver_state == "expired":
            reasons.append(
                f"{result.check.id}: waiver expired on {result.waiver.expires}"
                if result.waiver
                else f"{result.check.id}: waiver expired"
            )
        elif result.check.blocking:
            reasons.append(f"{result.check.id} failed (blocking check)")
        elif result.check.severity.rank >= fail_on.rank:
            reasons.append(f"{result.check.id} failed ({result.check.severity.value} severity)")
    return reasons
