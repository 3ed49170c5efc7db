"""Running an audit: index the repo once, detect the stack, run each applicable check."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from harness import __version__, safeio
from harness.audit import provenance, registry, scoring
from harness.audit.checklist import load_all
from harness.audit.config import load_config
from harness.audit.detectors.ci_systems import ci_files
from harness.audit.index import RepoIndex
from harness.audit.layout import rag_evidence
from harness.audit.model import (
    AuditReport,
    Check,
    CheckResult,
    Coverage,
    Evidence,
    Severity,
    Waiver,
)
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
    min_coverage: float | None = None
    exclude: list[str] = field(default_factory=list)


def now() -> dt.datetime:
    """The audit's clock; SOURCE_DATE_EPOCH makes reports reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.now(tz=dt.UTC)


def run_audit(options: AuditOptions) -> AuditReport:
    root = _checked_root(options.root)
    config, config_name = load_config(root)
    extra = [*options.checklists, *(_repo_checklist(root, p) for p in config.checklists)]
    checklists, checks = load_all(extra)
    index = RepoIndex(root, exclude=[*config.exclude, *options.exclude])
    if not index.files:
        raise NothingToAuditError(
            f"{options.root}: no files to audit{_all_excluded(index) or _unread(index)}",
            "point at a repository",
        )
    stack = _with_layout_tags(detect_stack(index), index)
    owner = {c.id: cl.checklist for cl in checklists for c in cl.checks}
    selected = _select(
        checks, owner, [*config.select, *options.select], [*config.ignore, *options.ignore]
    )
    _check_waiver_names(config.waiver_objects(), checks, config_name or "")
    clock = now()
    results, waiver_states = apply_waivers(
        [_run_check(check, index, stack) for check in selected],
        config.waiver_objects(),
        clock.date(),
    )
    overall = scoring.score(results)
    fail_under = options.fail_under if options.fail_under is not None else config.fail_under
    fail_on = options.fail_on or config.fail_on or Severity.CRITICAL
    min_coverage = options.min_coverage if options.min_coverage is not None else config.min_coverage
    reasons = _failed_reasons(results, overall, fail_under, fail_on)
    coverage = Coverage.of(results)
    if (
        min_coverage is not None
        and (coverage.percent or 0.0) < min_coverage
        and coverage.applicable
    ):
        reasons.append(f"coverage {coverage.describe()} is below {min_coverage:g}%")
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
        failed_reasons=reasons,
        checklists=[cl.checklist for cl in checklists],
        fail_under=fail_under,
        fail_on=fail_on.value,
        waivers=waiver_states,
        anchor_file=_anchor(index),
        min_coverage=min_coverage,
        excluded=sorted(index.excluded.items()),
        provenance=provenance.measure(index, [*config.exclude, *options.exclude]),
    )


def _all_excluded(index: RepoIndex) -> str:
    """Why an audit found nothing, when it is because everything was left out (a copied
    site-packages is third-party code through and through, not a project)."""
    if not index.excluded:
        return ""
    reasons = sorted(set(index.excluded.values()))
    return f" (all {len(index.excluded)} paths are excluded: {'; '.join(reasons)})"


def _with_layout_tags(stack: dict[str, str], index: RepoIndex) -> dict[str, str]:
    """Tags the import-name detector cannot see: RAG through a framework's vector-store module
    (`langchain_community.vectorstores`, `langchain_chroma`, `llama_index`...), and `ci` for
    a CI configuration on any system."""
    extra: dict[str, str] = {}
    if "rag" not in stack:
        found = rag_evidence(index)
        if found is not None:
            extra["rag"] = found
    ci = ci_files(index)
    if ci:  # any CI system, for the checks that do not depend on GitHub Actions
        extra["ci"] = ci[0][1]
    return dict(sorted({**stack, **extra}.items()))


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


def _unread(index: RepoIndex) -> str:
    # A tree whose only files could not be read (too deep, unreadable) is not an empty one.
    if not index.skipped:
        return ""
    path, reason = next(iter(index.skipped.items()))
    more = f" and {len(index.skipped) - 1} more" if len(index.skipped) > 1 else ""
    shown = safeio.printable(path)
    shown = shown if len(shown) <= 120 else f"{shown[:60]}…{shown[-40:]}"
    return f" (not read: {shown}: {reason}{more})"


def _check_waiver_names(waivers: list[Waiver], checks: list[Check], source: str) -> None:
    # A misspelt (or category-prefixed) check id would waive nothing while the config looks
    # right; the table shows ids as "category/id", which invites exactly that copy.
    known = {c.id for c in checks}
    for waiver in waivers:
        if waiver.check not in known:
            raise UnknownCheckError(
                f"{source} [tool.harness] waivers: no check {waiver.check!r}",
                did_you_mean(waiver.check.rpartition("/")[2], known),
            )


def _run_check(check: Check, index: RepoIndex, stack: dict[str, str]) -> CheckResult:
    applicable, reason = applies(check.applies_to, stack)
    if not applicable:
        return CheckResult(check, "na", reason)
    detector = registry.get(check.detector)
    index.begin_check()
    try:
        outcome = detector.run(index, detector.parse_params(check.params))
    except Exception as exc:  # the check applies: a detector that cannot finish has not decided
        return CheckResult(check, "unknown", _why_undecided(exc, index.reading))
    if outcome.status in ("pass", "na") and index.undecided:
        # A file that may hold the evidence could not be read: neither pass nor N/A is known.
        unread = list(index.undecided.values())
        more = f" and {len(unread) - 1} more" if len(unread) > 1 else ""
        evidence = tuple(Evidence(path, None, "could not be parsed") for path in index.undecided)
        return CheckResult(
            check, "unknown", f"could not decide: {unread[0]}{more}", evidence + outcome.evidence
        )
    return CheckResult(check, outcome.status, outcome.message, outcome.evidence)


def _why_undecided(exc: Exception, reading: str | None) -> str:
    where = f" in {reading}" if reading else ""
    if isinstance(exc, RecursionError):
        return f"could not decide: code nested too deep to analyse{where} (RecursionError)"
    if isinstance(exc, MemoryError):
        return f"could not decide: out of memory{where} (MemoryError)"
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"could not decide: the detector raised {type(exc).__name__}{where}" + (
        f": {text}" if text else ""
    )


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
