"""`harness report`: write the evidence page from audit/eval JSON, history and load results."""

from __future__ import annotations

import os
import webbrowser
from pathlib import Path

import click

from harness.errors import ReportInputError
from harness.report.history import read as read_history
from harness.report.inputs import load_report, load_stages

FILE = click.Path(dir_okay=False, path_type=Path)


def _default_repo_url() -> str | None:
    # In GitHub Actions the page links evidence to the repository it was built from.
    server, repo = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_REPOSITORY")
    return f"{server.rstrip('/')}/{repo}" if server and repo else None


@click.command("report")
@click.option("--audit", "audit_path", type=FILE, help="Audit JSON (audit --format json:F).")
@click.option("--eval", "eval_path", type=FILE, help="Eval JSON (harness eval --json F).")
@click.option("--history", "history_path", type=FILE, help="Eval history JSONL for the trend.")
@click.option("--load", "load_path", type=FILE, help="Load-test result JSON (a list of stages).")
@click.option("--repo-url", help="https://host/owner/name: evidence links to files on the host.")
@click.option("--title", help="Page title [<project> — evidence].")
@click.option(
    "-o", "--out", type=FILE, default=Path("report.html"), show_default=True, help="HTML file."
)
@click.option("--open", "open_page", is_flag=True, help="Open the page in a browser afterwards.")
@click.option(
    "--summary-md",
    "summary_path",
    type=FILE,
    help="Also write the eval's deltas against --against's last run as Markdown (a job summary).",
)
@click.option(
    "--against",
    "against_path",
    type=FILE,
    help="History JSONL of the branch to compare with (main's); its last run is the reference.",
)
def report_command(
    audit_path: Path | None,
    eval_path: Path | None,
    history_path: Path | None,
    load_path: Path | None,
    repo_url: str | None,
    title: str | None,
    out: Path,
    open_page: bool,
    summary_path: Path | None,
    against_path: Path | None,
) -> None:
    """Write one self-contained HTML evidence page (no network needed to view it)."""
    try:
        from harness.report.page import Inputs, render
    except ModuleNotFoundError as exc:
        raise ReportInputError(
            f"the evidence page needs {exc.name}, which is not installed",
            "pip install 'portfolio-harness[report]'",
        ) from exc
    from harness.report.write import write_page

    if not (audit_path or eval_path):
        raise ReportInputError(
            "nothing to report on", "pass --audit audit.json and/or --eval eval.json"
        )
    if repo_url and not repo_url.startswith(("https://", "http://")):
        raise ReportInputError(
            f"--repo-url {repo_url!r} is not an http(s) URL",
            "pass e.g. https://github.com/owner/name",
        )
    if summary_path and not eval_path:
        raise ReportInputError("--summary-md compares eval runs", "pass --eval eval.json too")
    if against_path and not summary_path:
        raise ReportInputError(
            "--against is only read for the summary", "pass --summary-md FILE too"
        )
    # Read before anything is written, so a wrong reference leaves no half-done output.
    against = read_history(against_path) if against_path else None
    inputs = Inputs(
        audit=load_report(audit_path, "harness-audit") if audit_path else None,
        eval=load_report(eval_path, "harness-eval") if eval_path else None,
        history=read_history(history_path) if history_path else None,
        load=load_stages(load_path) if load_path else None,
        repo_url=repo_url or _default_repo_url(),
        title=title,
    )
    html = render(inputs)
    write_page(out, html)
    click.echo(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB)")
    if summary_path and inputs.eval is not None:
        from harness.report.summary import summary_markdown

        write_page(summary_path, summary_markdown(inputs.eval, against))
        click.echo(f"wrote {summary_path}")
    if open_page:
        webbrowser.open(out.resolve().as_uri())
