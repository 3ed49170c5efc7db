"""`harness checklists`: list the checks, show one, print the schema or the detectors."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from harness.audit import registry
from harness.audit.checklist import load_all, schema
from harness.errors import UnknownCheckError
from harness.suggest import did_you_mean

_extra = click.option(
    "--checklist",
    "checklists",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also load this checklist file (repeatable).",
)


@click.group("checklists", invoke_without_command=True)
@_extra
@click.option("--schema", "print_schema", is_flag=True, help="Print the checklist JSON schema.")
@click.option("--detectors", "list_detectors", is_flag=True, help="List registered detectors.")
@click.pass_context
def checklists_group(
    ctx: click.Context, checklists: tuple[Path, ...], print_schema: bool, list_detectors: bool
) -> None:
    """List every check: id, severity, category and title."""
    if ctx.invoked_subcommand is not None:
        return
    if print_schema:
        click.echo(json.dumps(schema(), indent=2))
        return
    if list_detectors:
        for name, found in sorted(registry.detectors().items()):
            click.echo(f"{name}: {found.doc.splitlines()[0] if found.doc else ''}")
        return
    _, checks = load_all(list(checklists))
    table = Table(title=f"{len(checks)} checks")
    for column in ("ID", "Severity", "Category", "Title"):
        table.add_column(column)
    for check in checks:
        table.add_row(check.id, check.severity.value, check.category, check.title)
    Console(width=120, no_color=True).print(table)


@checklists_group.command("show")
@click.argument("check_id")
@_extra
def show_command(check_id: str, checklists: tuple[Path, ...]) -> None:
    """Print one check with its rationale and remediation."""
    _, checks = load_all(list(checklists))
    found = next((c for c in checks if c.id == check_id), None)
    if found is None:
        suggestion = did_you_mean(check_id, [c.id for c in checks], limit=0)
        hint = (
            suggestion if suggestion.startswith("did") else "run `harness checklists` to list them"
        )
        raise UnknownCheckError(f"no check {check_id!r}", hint)
    applies = ", ".join(found.applies_to) or "every repository"
    click.echo(
        f"{found.id}: {found.title}\n"
        f"category: {found.category}\n"
        f"severity: {found.severity.value}{' (blocking)' if found.blocking else ''}\n"
        f"applies to: {applies}\n"
        f"detector: {found.detector}\n\n"
        f"Why: {found.rationale}\n\n"
        f"Fix: {found.remediation}\n\n"
        f"Docs: {found.docs}"
    )
