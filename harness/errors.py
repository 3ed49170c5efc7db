"""Domain errors. Each carries the exit code and a hint saying what to do next.

They are raised anywhere in the package and turned into a one-line message only at the CLI edge.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class HarnessError(Exception):
    """Base class: `message` says what went wrong, `hint` what to do next."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class NothingToAuditError(HarnessError):
    """The path does not exist, is not a directory, or holds no files."""


class ChecklistError(HarnessError):
    """A checklist file is missing, unparsable or invalid."""


class ConfigError(HarnessError):
    """`[tool.harness]` or harness.toml in the audited repository is invalid."""


class DetectorError(HarnessError):
    """A checklist names a detector that is not registered, or passes it bad params."""


class UnknownCheckError(HarnessError):
    """A check id was asked for that no loaded checklist defines."""


class TemplateSourceError(HarnessError):
    """The template source (repository or packaged templates) cannot be found or used."""


class ScaffoldError(HarnessError):
    """`harness new` or `harness update` cannot proceed (bad destination, dirty tree...)."""


class BadgeInputError(HarnessError):
    """An audit or eval report is missing, unreadable or not the kind of report expected."""


class ThresholdsError(HarnessError):
    """The thresholds file is unreadable or describes an impossible colour scale."""


class ReadmeError(HarnessError):
    """The README's badge markers are duplicated, unbalanced or out of order."""


class NoBadgesError(HarnessError):
    """Nothing to badge: no report given and no earlier badges to link."""


class OutputError(HarnessError):
    """--format / --output combinations that cannot be honoured."""


class EvalConfigError(HarnessError):
    """`[tool.harness.eval]` or a flag is invalid, or a required setting is missing."""


class DatasetError(HarnessError):
    """The dataset file is missing, empty, or has a malformed line."""


class TargetError(HarnessError):
    """The target (callable or HTTP endpoint) cannot be loaded or returns an unusable result."""


class BaselineError(HarnessError):
    """The baseline file is missing or unreadable."""


class ResumeError(HarnessError):
    """`--resume` was asked for but the partial results cannot be used."""


class GateFailedError(HarnessError):
    """The run finished but a threshold, coverage floor or regression check failed."""

    exit_code = EXIT_FAILED


class ReportInputError(HarnessError):
    """An input of `harness report` is missing, unreadable or not the report it should be."""


class RemoteAuditError(HarnessError):
    """A repository given by URL could not be cloned for an audit."""


class UnsafeWriteError(HarnessError):
    """A report or cache file cannot be written where asked: not a regular file, a symlink, a
    directory, outside the project for a config-set path, or refused by the OS."""
