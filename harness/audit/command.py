"""`harness audit PATH`: the verb's command line. The work happens in `engine`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from harness import safeio
from harness.audit.engine import AuditOptions, run_audit
from harness.audit.model import AuditReport, Severity
from harness.audit.remote import cloned, is_url
from harness.audit.report import FORMATS, renderers
from harness.errors import EXIT_FAILED, OutputError
from harness.suggest import did_you_mean

Destination = tuple[str, Path | None]


def parse_destinations(formats: tuple[str, ...], output: Path | None) -> list[Destination]:
    """`FORMAT` or `FORMAT:FILE` specs; at most one may go to standard output (or --output)."""
    destinations: list[Destination] = []
    output = _file(output)
    if not formats and output is not None:
        formats = (_BY_SUFFIX.get(output.suffix.lower(), "table"),)
    for spec in formats or ("table",):
        name, _, file = spec.partition(":")
        if name not in FORMATS:
            raise OutputError(f"unknown format {name!r}", did_you_mean(name, FORMATS))
        destinations.append((name, _file(file) if file else None))
    to_stdout = [d for d in destinations if d[1] is None]
    if output is not None:
        if len(to_stdout) != 1:
            raise OutputError(
                "--output needs exactly one --format without a file",
                "write several formats as --format json:audit.json --format sarif:audit.sarif",
            )
        destinations = [(n, output if f is None else f) for n, f in destinations]
    elif len(to_stdout) > 1:
        raise OutputError(
            "only one format can go to standard output",
            "give the others a file, e.g. --format sarif:harness.sarif",
        )
    return destinations


def _file(value: str | Path | None) -> Path | None:
    return None if value is None or safeio.names_stdout(value) else Path(value)


def write_atomically(path: Path, content: str) -> None:
    """Through the safe-write layer: atomic, never over a device, FIFO, symlink or directory."""
    safeio.write_text(path, content)


# `-o FILE` without --format: the format its suffix names, not the terminal table.
_BY_SUFFIX = {".json": "json", ".sarif": "sarif", ".md": "markdown", ".xml": "junit"}


def _table(report: AuditReport) -> str:
    """The terminal table, in colour on a terminal (rich is imported only for it)."""
    from harness.audit.report import table

    return table.render(report, color=sys.stdout.isatty())


@contextmanager
def audit_root(spec: str) -> Iterator[Path]:
    """A folder as it is, or a URL cloned shallowly into a temporary folder for the audit."""
    if not is_url(spec):
        yield Path(spec)
        return
    with cloned(spec) as root:
        yield root


@click.command("audit")
@click.argument("path", default=".")
@click.option(
    "--checklist",
    "checklists",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="An extra checklist YAML file (repeatable).",
)
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    metavar="FORMAT[:FILE]",
    help=f"Output format, optionally to a file (repeatable): {', '.join(FORMATS)}.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="File for the one format (- or /dev/stdout: standard output).",
)
@click.option("--fail-under", type=click.FloatRange(0, 100), help="Fail below this score.")
@click.option(
    "--fail-on",
    type=click.Choice([s.value for s in Severity]),
    help="Fail when a check of this severity or worse fails (default: critical).",
)
@click.option(
    "--min-coverage",
    type=click.FloatRange(0, 100),
    metavar="PCT",
    help="Fail when fewer than PCT % of the applicable checks reach a verdict (not unknown).",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOB",
    help="Leave these paths out of the audit (gitignore-style, repeatable).",
)
@click.option("--select", multiple=True, help="Only these checks, categories or checklists.")
@click.option("--ignore", multiple=True, help="Skip these checks, categories or checklists.")
def audit_command(
    path: str,
    checklists: tuple[Path, ...],
    formats: tuple[str, ...],
    output: Path | None,
    fail_under: float | None,
    fail_on: str | None,
    min_coverage: float | None,
    exclude: tuple[str, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
) -> None:
    """Audit the repository at PATH (a folder or a git URL) against the production checklists.

    Exit codes: 0 passed, 1 failed (score below --fail-under, coverage below --min-coverage, a
    failing check at or above --fail-on, or an expired waiver), 2 usage error or nothing to audit.
    """
    destinations = parse_destinations(formats, output)
    with audit_root(path) as root:
        report = run_audit(
            AuditOptions(
                root=root,
                checklists=list(checklists),
                select=list(select),
                ignore=list(ignore),
                fail_under=fail_under,
                fail_on=Severity(fail_on) if fail_on else None,
                min_coverage=min_coverage,
                exclude=list(exclude),
            )
        )
    if is_url(path):
        click.echo(f"audited {path} at commit {report.commit or 'unknown'}", err=True)
    render = renderers()
    for name, file in destinations:
        if name == "table" and file is None:
            click.echo(_table(report), nl=False)
        elif file is None:
            click.echo(render[name](report), nl=False)
        else:
            write_atomically(file, render[name](report))
    if all(file is not None for _, file in destinations):
        click.echo(_table(report), nl=False)
    if not report.passed:
        sys.exit(EXIT_FAILED)
