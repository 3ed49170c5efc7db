"""`harness readme`: fill the README's measured-results block from the project's own reports."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from harness import safeio
from harness.badge import results
from harness.badge.sources import MAX_REPORT_BYTES, load_report
from harness.errors import EXIT_FAILED, BadgeInputError, ReadmeError

MAX_README_BYTES = 5 * 1024 * 1024


@click.command("readme")
@click.argument(
    "readme_path",
    metavar="README",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("README.md"),
)
@click.option(
    "--eval",
    "eval_path",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="JSON report of `harness eval` (commit it, e.g. evals/report.json, so the audit can "
    "check the figures against it).",
)
@click.option(
    "--load",
    "load_path",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="JSON written by `loadtest/load.py --json FILE` (one object per stage).",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the README would change.")
def readme_command(
    readme_path: Path, eval_path: Path | None, load_path: Path | None, check: bool
) -> None:
    """Fill the README's results block from your own eval and load-test reports.

    Rewrites only the lines between <!-- harness:results:start --> and
    <!-- harness:results:end -->: eval metrics with their coverage and 95% CI, latency, $ per
    query and load-test stages, each table naming the report it came from. Running it again on
    the same reports changes nothing. A README without the markers is left untouched.
    """
    if eval_path is None and load_path is None:
        raise BadgeInputError(
            "no report to fill the results block from", "pass --eval FILE and/or --load FILE"
        )
    text = _read_readme(readme_path)
    if results.find_block(text) is None:
        raise ReadmeError(
            f"{readme_path} has no results block ({results.START} ... {results.END})",
            "add the two marker lines where the measured figures belong; nothing was changed",
        )
    eval_report = load_report(eval_path, "harness-eval") if eval_path is not None else None
    load_report_ = _load_stages(load_path) if load_path is not None else None
    sources = results.Sources(
        eval_path=_relative(eval_path, readme_path), load_path=_relative(load_path, readme_path)
    )
    updated = results.rewrite(text, results.render_body(eval_report, load_report_, sources))
    if updated == text:
        click.echo(f"{readme_path}: results block up to date")
        return
    if check:
        click.echo(f"would update {readme_path}")
        raise click.exceptions.Exit(EXIT_FAILED)
    safeio.write_text(readme_path, updated)
    click.echo(f"{readme_path}: results block updated")


def _relative(path: Path | None, readme: Path) -> str | None:
    """The report's path as a link from the README would name it."""
    if path is None:
        return None
    base = readme.parent.resolve()
    return Path(os.path.relpath(path.resolve(), base)).as_posix()


def _read_readme(path: Path) -> str:
    try:
        return safeio.read_text(path, limit=MAX_README_BYTES)
    except FileNotFoundError as exc:
        raise ReadmeError(f"{path} does not exist", "point README at your README.md") from exc
    except UnicodeDecodeError as exc:
        raise ReadmeError(f"cannot read {path}: not UTF-8", "pass a UTF-8 README") from exc
    except OSError as exc:
        raise ReadmeError(f"cannot read {path}: {exc.strerror or exc}", "") from exc


def _load_stages(path: Path) -> list[Any]:
    hint = "pass the file written by `python loadtest/load.py --json FILE`"
    try:
        data = safeio.loads_json(safeio.read_text(path, limit=MAX_REPORT_BYTES))
    except FileNotFoundError as exc:
        raise BadgeInputError(f"{path} does not exist", hint) from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, safeio.NestingError) as exc:
        raise BadgeInputError(f"{path} is not a readable JSON load-test report", hint) from exc
    if not isinstance(data, list) or not all(isinstance(s, dict) for s in data):
        raise BadgeInputError(f"{path} is not a load-test report (a list of stages)", hint)
    return data
