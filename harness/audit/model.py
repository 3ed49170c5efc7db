"""The audit's vocabulary: severities, checklist items, detector outcomes and results."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from harness.audit.provenance import Provenance


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def weight(self) -> int:
        return SEVERITY_WEIGHTS[self]

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


SEVERITY_WEIGHTS = {Severity.LOW: 1, Severity.MEDIUM: 3, Severity.HIGH: 5, Severity.CRITICAL: 8}

CHECK_ID_PATTERN = r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$"


class Check(BaseModel):
    """One checklist item, as written in a checklist YAML file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=CHECK_ID_PATTERN, description="Unique, stable, kebab-case id.")
    title: str = Field(min_length=3)
    category: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    severity: Severity
    applies_to: list[str] = Field(
        default_factory=list,
        description="Stack tags that must all be detected; 'a|b' means either.",
    )
    detector: str
    params: dict[str, Any] = Field(default_factory=dict)
    rationale: str = Field(min_length=10)
    remediation: str = Field(min_length=10)
    docs: str = Field(pattern=r"^https://")
    blocking: bool = Field(
        default=False, description="A failure fails the audit whatever the score."
    )


class Checklist(BaseModel):
    """A checklist file: a name, a title and its checks."""

    model_config = ConfigDict(extra="forbid")

    checklist: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    title: str
    description: str = ""
    checks: list[Check] = Field(min_length=1)


# unknown: the check applies but the detector could not decide (a parse failure, a limit hit).
Status = Literal["pass", "fail", "na", "unknown"]


@dataclass(frozen=True)
class Evidence:
    """Where a detector looked or what it found: a repo-relative path and, when known, a line."""

    path: str
    line: int | None = None
    note: str = ""

    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Outcome:
    """What a detector returns."""

    status: Status
    message: str
    evidence: tuple[Evidence, ...] = ()

    @classmethod
    def passed(cls, message: str, *evidence: Evidence) -> Outcome:
        return cls("pass", message, evidence)

    @classmethod
    def failed(cls, message: str, *evidence: Evidence) -> Outcome:
        return cls("fail", message, evidence)

    @classmethod
    def not_applicable(cls, message: str) -> Outcome:
        return cls("na", message)

    @classmethod
    def unknown(cls, reason: str, *evidence: Evidence) -> Outcome:
        return cls("unknown", reason, evidence)


FinalStatus = Literal["pass", "fail", "na", "unknown", "waived"]


@dataclass(frozen=True)
class Waiver:
    check: str
    reason: str
    paths: tuple[str, ...] = ()
    expires: str | None = None  # ISO date


@dataclass(frozen=True)
class CheckResult:
    """A check's outcome after stack filtering and waivers."""

    check: Check
    status: FinalStatus
    message: str
    evidence: tuple[Evidence, ...] = ()
    waiver: Waiver | None = None
    waiver_state: Literal["active", "expired", "removable", ""] = ""


@dataclass(frozen=True)
class Coverage:
    """How many applicable checks reached a verdict: decided (pass, fail, waived) / applicable
    (decided + unknown). N/A checks are not applicable and count in neither."""

    decided: int
    applicable: int

    @classmethod
    def of(cls, results: list[CheckResult]) -> Coverage:
        applicable = [r for r in results if r.status != "na"]
        unknown = sum(1 for r in applicable if r.status == "unknown")
        return cls(len(applicable) - unknown, len(applicable))

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.decided / self.applicable, 1) if self.applicable else None

    def describe(self) -> str:
        shown = "n/a" if self.percent is None else f"{self.percent:g}%"
        return f"{shown} ({self.decided}/{self.applicable} applicable checks decided)"


@dataclass
class AuditReport:
    """Everything a reporter needs; computed once by the engine."""

    root_name: str
    tool_version: str
    generated_at: str
    commit: str | None
    stack: dict[str, str]
    results: list[CheckResult]
    skipped_files: list[tuple[str, str]]
    category_scores: dict[str, float | None]
    overall_score: float | None
    grade: str
    failed_reasons: list[str] = field(default_factory=list)
    checklists: list[str] = field(default_factory=list)
    fail_under: float | None = None
    fail_on: str = "critical"
    waivers: list[tuple[Waiver, str]] = field(default_factory=list)
    anchor_file: str = "README.md"  # where findings without a file are shown (SARIF needs one)
    min_coverage: float | None = None
    # Paths left out of the audit with the reason (vendored copies, template sources, --exclude).
    excluded: list[tuple[str, str]] = field(default_factory=list)
    # How much of a project generated from these templates is the owner's (None: not measured).
    provenance: Provenance | None = None

    @property
    def coverage(self) -> Coverage:
        return Coverage.of(self.results)

    def category_coverage(self, category: str) -> Coverage:
        return Coverage.of([r for r in self.results if r.check.category == category])

    @property
    def passed(self) -> bool:
        return not self.failed_reasons
