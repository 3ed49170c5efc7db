"""`harness badge`: write SVG badges and shields.io endpoint JSON, and link them from a README."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from harness import safeio
from harness.badge import readme
from harness.badge.colors import Thresholds, load_thresholds
from harness.badge.files import Plan, plan_badges, read_manifest
from harness.badge.model import Badge, mark_stale
from harness.badge.sources import audit_badge, eval_badges, load_report, parse_timestamp
from harness.errors import EXIT_FAILED, BadgeInputError, NoBadgesError, UnsafeWriteError

MAX_README_BYTES = 5 * 1024 * 1024
_THRESHOLDS_HELP = (
    "YAML or JSON colour scales overriding the defaults, e.g. "
    "'audit: {better: higher, steps: [[90, brightgreen], [75, yellow]], otherwise: red}'; "
    "keys: audit, cost, metrics (per metric name, or 'default')."
)


@click.command("badge")
@click.option(
    "--audit",
    "audit_path",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="JSON report of `harness audit --format json`.",
)
@click.option(
    "--eval",
    "eval_path",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="JSON report of `harness eval` (it writes .harness-cache/eval/report.json by default).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("badges"),
    show_default=True,
    help="Folder for the SVGs, endpoint JSON and badges.json.",
)
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    metavar="NAME",
    help="Eval metric to badge (repeatable; default: every metric in the report).",
)
@click.option(
    "--cost/--no-cost", default=True, help="Badge the eval's cost per query (default: --cost)."
)
@click.option(
    "--thresholds",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help=_THRESHOLDS_HELP,
)
@click.option(
    "--stale-after",
    type=click.IntRange(min=0),
    metavar="DAYS",
    help="Render results older than DAYS (or of unknown date) grey.",
)
@click.option(
    "--as-of",
    metavar="DATE",
    help="ISO date or time to judge staleness against (default: now, UTC).",
)
@click.option(
    "--readme",
    "readme_path",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Rewrite this README's badge block to link the badges.",
)
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 if any badge or the README would change."
)
def badge_command(
    audit_path: Path | None,
    eval_path: Path | None,
    out: Path,
    metrics: tuple[str, ...],
    cost: bool,
    thresholds: Path | None,
    stale_after: int | None,
    as_of: str | None,
    readme_path: Path | None,
    check: bool,
) -> None:
    """Write README badges from audit and eval reports, with no network.

    One SVG and one shields.io endpoint JSON per figure go to --out, with badges.json recording
    the commit and date each was made from. With --readme, the block between
    <!-- harness:badges:start --> and <!-- harness:badges:end --> is rewritten (inserted under
    the title if missing) to link them; running again with the same reports changes nothing.
    """
    if audit_path is None and eval_path is None and readme_path is None:
        raise NoBadgesError(
            "nothing to badge",
            "pass --audit FILE and/or --eval FILE, or --readme FILE to link existing badges",
        )
    scales = load_thresholds(thresholds)
    badges = _badges(audit_path, eval_path, metrics, cost, scales)
    window = timedelta(days=stale_after) if stale_after is not None else None
    moment = _as_of(as_of)
    badges = _unique_ids([mark_stale(badge, moment, window) for badge in badges])
    plan, entries = _plan(out, badges)
    if readme_path is not None:
        _plan_readme(plan, readme_path, out, entries)
    _report(badges)
    _finish(plan, check)


def _badges(
    audit_path: Path | None,
    eval_path: Path | None,
    metrics: tuple[str, ...],
    cost: bool,
    scales: Thresholds,
) -> list[Badge]:
    badges: list[Badge] = []
    if audit_path is not None:
        badges.append(audit_badge(audit_path, load_report(audit_path, "harness-audit"), scales))
    if eval_path is not None:
        report = load_report(eval_path, "harness-eval")
        badges.extend(eval_badges(eval_path, report, metrics, scales, cost))
    elif metrics:
        raise NoBadgesError("--metric needs an eval report", "pass --eval FILE as well")
    return badges


def _as_of(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    parsed = parse_timestamp(value)
    if parsed is None:
        raise BadgeInputError(f"--as-of {value!r} is not an ISO date", "use e.g. 2026-11-24")
    return parsed


def _unique_ids(badges: list[Badge]) -> list[Badge]:
    """Two metric names can share a slug ("hit@5", "hit-5"): number the later ones."""
    seen: set[str] = set()
    unique: list[Badge] = []
    for badge in badges:
        badge_id, count = badge.id, 1
        while badge_id in seen:
            count += 1
            badge_id = f"{badge.id}-{count}"
        seen.add(badge_id)
        unique.append(replace(badge, id=badge_id))
    return unique


def _plan(out: Path, badges: list[Badge]) -> tuple[Plan, list[dict[str, Any]]]:
    if out.is_symlink():
        # A cloned repository can plant `badges -> elsewhere`; the default --out would then
        # write (and remove stale badges) wherever it points.
        raise UnsafeWriteError(
            f"--out {out} is a symlink (not followed)",
            "pass the folder it points to as --out, or remove the link",
        )
    previous = read_manifest(out)
    if not badges:
        return Plan(), previous
    return plan_badges(out, badges, previous)


def _plan_readme(plan: Plan, path: Path, out: Path, entries: list[dict[str, Any]]) -> None:
    if not entries:
        raise NoBadgesError(
            f"no badges in {out} to link from {path}",
            "run harness badge --audit FILE and/or --eval FILE first, or point --out at them",
        )
    try:
        text = safeio.read_text(path, limit=MAX_README_BYTES)
    except FileNotFoundError as exc:
        raise BadgeInputError(
            f"{path} does not exist", "create it or point --readme at it"
        ) from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise BadgeInputError(f"cannot read {path}: {reason}", "pass a UTF-8 README") from exc
    except UnicodeDecodeError as exc:
        raise BadgeInputError(f"cannot read {path}: not UTF-8", "pass a UTF-8 README") from exc
    links = [_link(entry, out, path.parent) for entry in entries]
    plan.writes[path] = readme.rewrite(text, links).encode("utf-8", "backslashreplace")


def _link(entry: dict[str, Any], out: Path, readme_dir: Path) -> str:
    target = Path(os.path.relpath(out / entry["svg"], readme_dir)).as_posix()
    alt = f"{entry.get('label', '')}: {entry.get('message', '')}".strip(": ")
    alt = re.sub(r"([\\`*_\[\]<>])", r"\\\1", alt)
    return f"![{alt}]({target.replace(' ', '%20')})"


def _report(badges: list[Badge]) -> None:
    for badge in badges:
        stale = ", stale" if badge.stale else ""
        click.echo(f"{badge.id}: {badge.label}: {badge.message} [{badge.color}{stale}]")


def _finish(plan: Plan, check: bool) -> None:
    changed = plan.changed()
    if check:
        for path in changed:
            click.echo(f"would update {path}")
        if changed:
            raise click.exceptions.Exit(EXIT_FAILED)
        click.echo("badges up to date")
        return
    plan.apply(changed)
    unchanged = len(plan.writes) - len([path for path in changed if path in plan.writes])
    click.echo(f"updated {len(changed)} file(s), {unchanged} unchanged")
