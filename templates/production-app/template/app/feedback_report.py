"""What users think, per model and route: `python -m app.feedback_report [--days 7]`.

The iteration loop: thumbs-up rate per model/route shows whether the routing rule sends the
right requests to the cheap model; the latest thumbs-down comments, each with its Langfuse
trace id, are the cases to open in Langfuse, fix (prompt, rule, model) and re-run the eval on.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, select

from app.core.db import session_scope
from app.models import Feedback, Message

# C0 and C1 control characters (ESC starts ANSI sequences) and DEL.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str | None) -> str:
    """A user's comment made safe for a terminal: escape sequences and newlines shown, not run."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text or "")


def report(days: int, worst: int = 10) -> str:
    since = datetime.now(UTC) - timedelta(days=days)
    with session_scope() as session:
        rates = session.execute(
            select(
                Message.model,
                Message.route,
                func.count(),
                func.sum(case((Feedback.thumbs_up, 1), else_=0)),
            )
            .select_from(Feedback)
            .join(Message, Message.id == Feedback.message_id)
            .where(Feedback.created_at >= since)
            .group_by(Message.model, Message.route)
            .order_by(Message.model, Message.route)
        ).all()
        negatives = session.execute(
            select(
                Feedback.created_at,
                Message.model,
                Message.route,
                Message.trace_id,
                Feedback.comment,
            )
            .select_from(Feedback)
            .join(Message, Message.id == Feedback.message_id)
            .where(Feedback.created_at >= since, ~Feedback.thumbs_up)
            .order_by(Feedback.id.desc())
            .limit(worst)
        ).all()
    lines = [
        f"Feedback of the last {days} day(s).",
        "",
        "| model | route | ratings | thumbs up |",
        "|---|---|---:|---:|",
    ]
    lines += [f"| {m} | {r} | {n} | {int(up or 0) / n:.0%} |" for m, r, n, up in rates]
    if not rates:
        lines.append("| (no feedback yet) | | 0 | |")
    lines += ["", "Latest thumbs-down (open the trace in Langfuse):", ""]
    lines += [
        f"- {when:%Y-%m-%d %H:%M} {model}/{route} trace {trace or '-'}: "
        f"{printable(comment) or '(no comment)'}"
        for when, model, route, trace, comment in negatives
    ] or ["- none"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.feedback_report")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--worst", type=int, default=10, help="thumbs-down comments to list")
    args = parser.parse_args(argv)
    print(report(args.days, args.worst))
    return 0


if __name__ == "__main__":
    sys.exit(main())
