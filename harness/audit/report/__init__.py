"""Audit reporters: one module per output format, each a pure function of the report."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from harness.audit.model import AuditReport
from harness.safeio import printable


def renderers() -> dict[str, Callable[[AuditReport], str]]:
    """Each format's renderer, its module imported on first use: a JSON report never pays for
    the terminal table's rich import."""

    def lazy(module: str, in_json: bool) -> Callable[[AuditReport], str]:
        def render(report: AuditReport) -> str:
            loaded = importlib.import_module(f"harness.audit.report.{module}")
            # A file name that is not UTF-8 must not make a report unwritable (or unprintable).
            return printable(loaded.render(report), in_json=in_json)

        return render

    return {
        "table": lazy("table", False),
        "json": lazy("json_report", True),
        "sarif": lazy("sarif", True),
        "markdown": lazy("markdown", False),
        "junit": lazy("junit", False),
    }


FORMATS = ("table", "json", "sarif", "markdown", "junit")
