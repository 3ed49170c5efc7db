"""Errors raised by `harness badge`; the CLI edge prints each as one line with its hint."""

from __future__ import annotations

from harness.errors import HarnessError


class BadgeInputError(HarnessError):
    """An audit or eval report is missing, unreadable or not the kind of report expected."""


class ThresholdsError(HarnessError):
    """The thresholds file is unreadable or describes an impossible colour scale."""


class ReadmeError(HarnessError):
    """The README's badge markers are duplicated, unbalanced or out of order."""


class NoBadgesError(HarnessError):
    """Nothing to badge: no report given and no earlier badges to link."""
