"""Audit reporters: one module per output format, each a pure function of the report."""

from __future__ import annotations

from collections.abc import Callable

from harness.audit.model import AuditReport


def renderers() -> dict[str, Callable[[AuditReport], str]]:
    from harness.audit.report import json_report, junit, markdown, sarif, table

    return {
        "table": table.render,
        "json": json_report.render,
        "sarif": sarif.render,
        "markdown": markdown.render,
        "junit": junit.render,
    }


FORMATS = ("table", "json", "sarif", "markdown", "junit")
