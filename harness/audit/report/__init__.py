"""Audit reporters: one module per output format, each a pure function of the report."""

from __future__ import annotations

from collections.abc import Callable

from harness.audit.model import AuditReport
from harness.safeio import printable


def renderers() -> dict[str, Callable[[AuditReport], str]]:
    from harness.audit.report import json_report, junit, markdown, sarif, table

    def encodable(render: Callable[[AuditReport], str], in_json: bool) -> Callable[..., str]:
        # A file name that is not UTF-8 must not make a report unwritable (or unprintable).
        return lambda report: printable(render(report), in_json=in_json)

    return {
        "table": encodable(table.render, False),
        "json": encodable(json_report.render, True),
        "sarif": encodable(sarif.render, True),
        "markdown": encodable(markdown.render, False),
        "junit": encodable(junit.render, False),
    }


FORMATS = ("table", "json", "sarif", "markdown", "junit")
