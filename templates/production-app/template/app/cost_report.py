"""Cost analysis from the ledger: `python -m app.cost_report [--days 30] [--readme README.md]`.

Prints a Markdown table (per model and route: requests, cache share, tokens, $ total and per
1k requests) and, with --readme, rewrites the block between the cost markers in README.md.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import case, func, select

from app.core.db import session_scope
from app.models import Usage

START, END = "<!-- cost-report:start -->", "<!-- cost-report:end -->"


def report(days: int) -> str:
    since = datetime.now(UTC) - timedelta(days=days)
    with session_scope() as session:
        rows = session.execute(
            select(
                Usage.model,
                Usage.route,
                func.count(),
                func.sum(case((Usage.cached, 1), else_=0)),
                func.sum(Usage.input_tokens),
                func.sum(Usage.output_tokens),
                func.sum(Usage.cost_usd),
                func.avg(Usage.latency_ms),
            )
            .where(Usage.created_at >= since)
            .group_by(Usage.model, Usage.route)
            .order_by(Usage.model, Usage.route)
        ).all()
    lines = [
        f"Ledger of the last {days} day(s), generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "| model | route | requests | cached | input tok | output tok | $ total | $ / 1k req "
        "| mean latency ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    total_requests, total_cost = 0, 0.0
    for model, route, count, cached, tokens_in, tokens_out, cost, latency in rows:
        cost = float(cost or 0)
        total_requests += count
        total_cost += cost
        lines.append(
            f"| {model} | {route} | {count} | {int(cached or 0) / count:.0%} | {tokens_in or 0} "
            f"| {tokens_out or 0} | {cost:.4f} | {1000 * cost / count:.4f} | {latency or 0:.1f} |"
        )
    if not rows:
        lines.append("| (no requests yet) | | 0 | | | | | | |")
    per_k = 1000 * total_cost / total_requests if total_requests else 0.0
    lines += ["", f"Total: {total_requests} requests, ${total_cost:.4f} (${per_k:.4f} per 1k)."]
    return "\n".join(lines)


def rewrite_readme(path: Path, table: str) -> None:
    text = path.read_text()
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{path}: no {START} ... {END} block")
    path.write_text(pattern.sub(lambda _: f"{START}\n{table}\n{END}", text))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.cost_report")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--readme", type=Path, help="rewrite the cost block in this README")
    args = parser.parse_args(argv)
    table = report(args.days)
    if args.readme:
        rewrite_readme(args.readme, table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
