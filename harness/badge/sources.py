"""Turn `harness audit` and `harness eval` JSON reports into badges.

Reports come from other tools and other versions, so every field is read defensively: a file that
is not the expected report gets one clear error, never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness import safeio
from harness.audit.gitmeta import is_sha
from harness.badge.colors import UNMEASURED_COLOR, Thresholds
from harness.badge.model import Badge, Provenance
from harness.errors import BadgeInputError
from harness.suggest import did_you_mean

SUPPORTED_SCHEMA = "1"
# Audit schema 2 only adds fields (the unknown status, coverage, exclusions) to 1.
SUPPORTED_SCHEMAS = {"harness-audit": ("1", "2"), "harness-eval": (SUPPORTED_SCHEMA,)}
MAX_REPORT_BYTES = 256 * 1024 * 1024
_PRODUCERS = {
    "harness-audit": "`harness audit PATH --format json:audit.json`",
    "harness-eval": "`harness eval` with its JSON report",
}


def load_report(path: Path, kind: str) -> dict[str, Any]:
    """Read a report and check it is a `kind` report this version understands."""
    hint = f"pass the file written by {_PRODUCERS[kind]}"
    try:
        data = safeio.loads_json(safeio.read_text(path, limit=MAX_REPORT_BYTES))
    except FileNotFoundError as exc:
        raise BadgeInputError(f"{path} does not exist", hint) from exc
    except OSError as exc:
        raise BadgeInputError(f"cannot read {path}: {exc.strerror or exc}", hint) from exc
    except UnicodeDecodeError as exc:
        raise BadgeInputError(f"cannot read {path}: not UTF-8", hint) from exc
    except json.JSONDecodeError as exc:
        raise BadgeInputError(f"{path} is not JSON (line {exc.lineno}: {exc.msg})", hint) from exc
    except safeio.NestingError as exc:
        raise BadgeInputError(f"{path} is not a usable report: {exc}", hint) from exc
    if not isinstance(data, dict):
        raise BadgeInputError(f"{path} is not a {kind} report (not a JSON object)", hint)
    _check_kind(path, data, kind, hint)
    return data


def _check_kind(path: Path, data: dict[str, Any], kind: str, hint: str) -> None:
    found = data.get("kind")
    if found != kind:
        if found in _PRODUCERS:
            other = "--audit" if found == "harness-audit" else "--eval"
            raise BadgeInputError(
                f"{path} is a {found} report, not {kind}", f"pass it with {other}"
            )
        raise BadgeInputError(f"{path} is not a {kind} report (kind is {found!r})", hint)
    version = str(data.get("schema_version"))
    if version not in SUPPORTED_SCHEMAS[kind]:
        readable = " or ".join(repr(v) for v in SUPPORTED_SCHEMAS[kind])
        raise BadgeInputError(
            f"{path} has schema_version {version!r}; this harness reads {readable}",
            "regenerate the report with this harness version, or upgrade portfolio-harness",
        )


def provenance(data: dict[str, Any], kind: str) -> Provenance:
    commit = data.get("commit")
    return Provenance(
        kind=kind.removeprefix("harness-"),
        # Only an object id is copied into badges: whatever else a report holds there stays out.
        commit=commit if isinstance(commit, str) and is_sha(commit) else None,
        generated_at=parse_timestamp(data.get("generated_at")),
    )


def parse_timestamp(value: object) -> datetime | None:
    """An ISO-8601 timestamp as aware UTC; None when absent or unparsable."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def audit_badge(path: Path, data: dict[str, Any], thresholds: Thresholds) -> Badge:
    """Overall score and grade, e.g. "A (92.5/100)"."""
    score = data.get("score")
    overall = _number(score.get("overall")) if isinstance(score, dict) else None
    if overall is None or not isinstance(score, dict):
        raise BadgeInputError(
            f"{path} has no numeric score.overall",
            f"pass the file written by {_PRODUCERS['harness-audit']}",
        )
    shown = f"{round(overall, 1):g}"
    grade = score.get("grade")
    message = f"{grade} ({shown}/100)" if isinstance(grade, str) and grade else f"{shown}/100"
    color = thresholds.audit.color_for(float(shown))
    return Badge("audit", "harness audit", message, color, provenance(data, "harness-audit"))


def eval_badges(
    path: Path, data: dict[str, Any], chosen: Sequence[str], thresholds: Thresholds, cost: bool
) -> list[Badge]:
    """One badge per chosen metric (all when none chosen), then cost per query if asked for."""
    metrics = data.get("metrics")
    if not isinstance(metrics, dict):
        raise BadgeInputError(
            f"{path} has no metrics object",
            f"pass the file written by {_PRODUCERS['harness-eval']}",
        )
    source = provenance(data, "harness-eval")
    names = list(chosen) or [str(name) for name in metrics]
    missing = [name for name in names if name not in metrics]
    if missing:
        known = [safeio.printable(str(name)) for name in metrics]
        hint = did_you_mean(missing[0], known) or "the report has no metrics"
        raise BadgeInputError(f"metric {missing[0]!r} is not in {path}", hint)
    badges = [_metric_badge(name, metrics[name], thresholds, source) for name in names]
    if cost:
        badges.extend(_cost_badge(data, thresholds, source))
    return badges


def _metric_badge(name: str, entry: object, thresholds: Thresholds, source: Provenance) -> Badge:
    fields = entry if isinstance(entry, dict) else {}
    mean = _number(fields.get("mean"))
    n = _number(fields.get("n"))
    measured = _number(fields.get("measured"))
    coverage = _number(fields.get("coverage"))
    if coverage is None and n and measured is not None:
        coverage = measured / n
    badge_id = f"eval-{slug(name)}"
    name = safeio.printable(name)  # a label must encode: no lone surrogates from a hand-made report
    if mean is None:
        counted = f" ({measured:.0f}/{n:.0f})" if n is not None and measured is not None else ""
        return Badge(badge_id, name, f"unmeasured{counted}", UNMEASURED_COLOR, source)
    shown = f"{mean:.2f}"
    message = shown if coverage is None else f"{shown} ({_percent(coverage)} measured)"
    return Badge(badge_id, name, message, thresholds.metric(name).color_for(float(shown)), source)


def _percent(fraction: float) -> str:
    # Floor, so 99.6% measured never reads as a complete 100%.
    return f"{math.floor(max(0.0, min(fraction, 1.0)) * 100)}%"


def _cost_badge(data: dict[str, Any], thresholds: Thresholds, source: Provenance) -> list[Badge]:
    cost = data.get("cost")
    if not isinstance(cost, dict) or _number(cost.get("per_query_usd")) is None:
        return []
    per_query = _number(cost.get("per_query_usd")) or 0.0
    priced = _number(cost.get("priced"))
    unpriced = _number(cost.get("unpriced")) or 0.0
    # A run whose answers carried no price has an average of 0 that means "unknown", not "free".
    if priced == 0:
        return [Badge("cost", "cost", "unpriced", UNMEASURED_COLOR, source)]
    shown = format_usd(per_query)
    message = f"${shown}/query"
    if priced is not None and unpriced > 0:
        message += f" ({priced:.0f}/{priced + unpriced:.0f} priced)"
    return [Badge("cost", "cost", message, thresholds.cost.color_for(float(shown)), source)]


def format_usd(value: float) -> str:
    """Dollars with two significant digits below ten cents, cents above; never scientific."""
    if value <= 0:
        return "0"
    if value >= 0.1:
        return f"{value:.2f}"
    decimals = -math.floor(math.log10(value)) + 1
    return f"{value:.{decimals}f}"


MAX_SLUG = 60


def slug(name: str) -> str:
    """A file-name-safe form of a metric name: "hit@5" -> "hit-5". A very long name is cut and
    given a short hash, so the file name stays short and distinct."""
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "metric"
    if len(text) <= MAX_SLUG:
        return text
    digest = hashlib.sha256(name.encode("utf-8", errors="surrogatepass")).hexdigest()[:8]
    return f"{text[:MAX_SLUG].rstrip('-')}-{digest}"
