"""`harness eval [PATH]`: the click command. Parses flags, runs the pipeline, writes reports."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from harness import safeio
from harness.errors import EvalConfigError, GateFailedError
from harness.eval.config import load_config, parse_thresholds

_DEFAULT = "\0default"


@click.command("eval")
@click.argument("path", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--dataset", help="JSONL dataset [PATH/evals/dataset.jsonl].")
@click.option("--target", help="Python callable module:function to evaluate.")
@click.option("--url", help="HTTP endpoint to evaluate, e.g. http://127.0.0.1:8000/ask.")
@click.option(
    "--metrics", help="Comma-separated metric or group names (retrieval,ragas,llm,agent)."
)
@click.option("-k", "k", type=int, help="Cut-off for hit@k, nDCG@k, recall@k [5].")
@click.option("--threshold", multiple=True, help="METRIC=VALUE: fail below this mean. Repeatable.")
@click.option("--concurrency", type=int, help="Calls in flight per endpoint (target, judge) [4].")
@click.option("--timeout", type=float, help="Per-call timeout in seconds [60].")
@click.option("--retries", type=int, help="Retries on 429/5xx, exponential backoff [4].")
@click.option("--judge-base-url", help="OpenAI-compatible base URL of the judge.")
@click.option("--judge-model", help="Judge model name; enables the LLM metrics.")
@click.option("--cache-dir", help="Cache directory [PATH/.harness-cache/eval].")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the target/judge cache.")
@click.option("--no-target-cache", is_flag=True, help="Always call the target afresh.")
@click.option("--resume", is_flag=True, help="Continue an interrupted run from its partial file.")
@click.option(
    "--min-coverage",
    type=float,
    help="Fail when a metric measures a smaller share of the samples it applies to [0.8].",
)
@click.option(
    "--accept",
    "accept",
    multiple=True,
    type=click.Choice(["underpowered", "incomparable"]),
    help="Let the gate pass a comparison in this undecided state (repeatable); by default "
    "it is not a pass.",
)
@click.option("--tolerance", type=float, help="Regression tolerance on a metric's mean [0.02].")
@click.option(
    "--baseline",
    "baseline",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Compare to the baseline FILE.",
)
@click.option(
    "--save-baseline",
    is_flag=False,
    flag_value=_DEFAULT,
    default=None,
    metavar="FILE",
    help="Store this run as the baseline [evals/baseline.json or FILE].",
)
@click.option(
    "--json",
    "json_out",
    metavar="FILE",
    help="JSON report path [<cache dir>/report.json]; - prints it instead of the table.",
)
@click.option(
    "--history",
    "history_out",
    metavar="FILE",
    help="Append this run to FILE [<cache dir>/history.jsonl].",
)
@click.option(
    "--markdown", "md_out", type=click.Path(path_type=Path), help="Markdown summary (- to print)."
)
@click.option(
    "--junit", "junit_out", type=click.Path(path_type=Path), help="JUnit XML report (- to print)."
)
@click.option("--langfuse", is_flag=True, help="Record the run as a Langfuse dataset run.")
@click.option("--run-name", help="Langfuse dataset run name [harness-eval-<commit|time>].")
@click.option("--quiet", is_flag=True, help="No progress bar or table; reports only.")
def eval_command(path: Path, **flags: Any) -> None:
    """Evaluate the project at PATH against its dataset and gate CI on regressions.

    File flags are relative to the working directory; paths in [tool.harness.eval] are
    relative to PATH.

    Exit codes: 0 ok, 1 a threshold, coverage floor or baseline check failed, or the baseline
    comparison is inconclusive (underpowered or incomparable, see --accept), 2 usage.
    """
    try:
        from harness.eval.pipeline import RunOptions, run
    except ModuleNotFoundError as exc:
        raise EvalConfigError(
            f"harness eval needs the eval extra (module {exc.name!r} is not installed)",
            "pip install 'portfolio-harness[eval]'",
        ) from None

    if not path.is_dir():
        raise EvalConfigError(f"{path} is not a directory", "pass the project directory")
    printed = _printed_output(flags)
    config = load_config(path, _overrides(flags, path))
    json_path = _report_path(path, config, flags)
    if flags["langfuse"]:
        from harness.eval.langfuse_export import check_credentials

        check_credentials()
    err = Console(stderr=True)
    with _progress(err, flags["quiet"]) as progress:
        report = run(
            RunOptions(
                project=path,
                config=config,
                resume=flags["resume"],
                use_cache=not flags["no_cache"],
                target_cache=not flags["no_target_cache"],
                baseline=_from_cwd(flags["baseline"]),
                baseline_label=str(flags["baseline"]),
                progress=progress,
            )
        )
    _write_reports(report, json_path, flags, printed)
    if flags["save_baseline"] is not None:
        from harness.eval.baseline import save_baseline

        target = config.baseline if flags["save_baseline"] == _DEFAULT else flags["save_baseline"]
        default = flags["save_baseline"] == _DEFAULT
        save_baseline(path / target if default else Path(target).absolute(), report)
        err.print(f"baseline saved to {target}", markup=False, highlight=False)
    from harness.report.history import append, entry_from_report

    history = _from_cwd(flags["history_out"]) or safeio.confined(
        path, config.history_path, "[tool.harness.eval] history"
    )
    append(history, entry_from_report(report, baseline=flags["save_baseline"] is not None))
    if flags["langfuse"]:
        from harness.eval.langfuse_export import export_run

        export_run(report, path, flags["run_name"], err)
    from harness.eval.render import terminal, verdicts

    if not flags["quiet"] and printed is None:  # standard output holds the report asked for
        terminal(report, Console())
    verdicts(report, err)
    gate = report["gate"]
    failures = gate["failures"]
    if failures:
        raise GateFailedError(
            f"{len(failures)} check(s) failed: {failures[0]}",
            f"see {json_path.name} and the table above",
        )
    if gate["inconclusive"]:
        raise GateFailedError(
            f"gate inconclusive, not a pass: {gate['inconclusive'][0]}",
            "add samples or re-save the baseline; a CI that accepts this state passes "
            "--accept underpowered (or incomparable)",
        )


def _report_path(project: Path, config: Any, flags: dict[str, Any]) -> Path:
    """Where the JSON report goes. Paths set in the project's config stay inside the project (a
    cloned repository must not make CI write elsewhere); flags are the user's own choice."""
    if flags["dataset"] is None and not safeio.inside(project / config.dataset, project):
        raise EvalConfigError(
            f"[tool.harness.eval] dataset = {config.dataset!r} points outside the project",
            "use a path inside the project (--dataset can still name any file)",
        )
    from_config = [("report", config.report)]
    if flags["cache_dir"] is None:
        from_config.append(("cache_dir", config.cache_dir))
    if flags["save_baseline"] == _DEFAULT:
        from_config.append(("baseline", config.baseline))
    for setting, value in from_config:
        if value is not None:
            # An unset path that leaves the project does so through a symlink in the project:
            # naming it as the user's setting would send them looking for a line that is not there.
            where = "[tool.harness.eval]" if setting in config.model_fields_set else "the default"
            safeio.confined(project, value, f"{where} {setting}")
    if flags["json_out"] is not None:
        return Path(flags["json_out"]).absolute()  # a symlink is refused, not followed
    path = Path(config.report_path)
    return path if path.is_absolute() else project / path


def _from_cwd(value: str | Path | None) -> Path | None:
    """Paths given as flags are relative to the working directory, as in any shell command."""
    return None if value is None else Path(value).resolve()


def _in_project(value: str | None, project: Path) -> str | None:
    """A flag path re-expressed relative to the project, where config paths are relative to."""
    if value is None:
        return None
    absolute = Path(value).resolve()
    try:
        return absolute.relative_to(project.resolve()).as_posix()
    except ValueError:
        return str(absolute)


def _overrides(flags: dict[str, Any], project: Path) -> dict[str, Any]:
    metrics = flags["metrics"]
    return {
        "dataset": _in_project(flags["dataset"], project),
        "target": flags["target"],
        "url": flags["url"],
        "metrics": [m.strip() for m in metrics.split(",") if m.strip()] if metrics else None,
        "k": flags["k"],
        "thresholds": parse_thresholds(flags["threshold"]),
        "concurrency": flags["concurrency"],
        "timeout": flags["timeout"],
        "retries": flags["retries"],
        "judge_base_url": flags["judge_base_url"],
        "judge_model": flags["judge_model"],
        "cache_dir": _in_project(flags["cache_dir"], project),
        "min_coverage": flags["min_coverage"],
        "accept": list(flags["accept"]) or None,
        "tolerance": flags["tolerance"],
    }


class _progress:
    """A rich progress bar on stderr, handed to the pipeline as a factory of tick functions."""

    def __init__(self, console: Console, quiet: bool) -> None:
        self.bar = Progress(
            TextColumn("eval"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=quiet,
            transient=False,
        )
        self.started = False

    def __enter__(self) -> Callable[[int], Callable[[], None]]:
        def factory(total: int) -> Callable[[], None]:
            # Started only once samples run, so a usage error prints nothing but its one line.
            self.started = not self.bar.disable
            if self.started:
                self.bar.start()
            task = self.bar.add_task("samples", total=total)
            return lambda: self.bar.advance(task)

        return factory

    def __exit__(self, *exc: object) -> None:
        if self.started:
            self.bar.stop()


_OUTPUT_FLAGS = {"json_out": "--json", "md_out": "--markdown", "junit_out": "--junit"}


def _printed_output(flags: dict[str, Any]) -> str | None:
    """The one output flag naming standard output, if any; the JSON report then still goes to
    its default path."""
    printed = [key for key in _OUTPUT_FLAGS if safeio.names_stdout(flags[key])]
    if len(printed) > 1:
        raise EvalConfigError(
            f"{' and '.join(_OUTPUT_FLAGS[key] for key in printed)} both name standard output",
            "print one of them; give the other a file",
        )
    if printed and printed[0] == "json_out":
        flags["json_out"] = None
    return printed[0] if printed else None


def _write_reports(
    report: dict[str, Any], json_path: Path, flags: dict[str, Any], printed: str | None
) -> None:
    from harness.eval.render import junit, markdown

    content = json.dumps(report, indent=2, sort_keys=False) + "\n"
    safeio.write_text(json_path, content)
    md = markdown(report)
    if printed is not None:
        shown = {"json_out": content, "md_out": md}.get(printed) or junit(report)
        click.echo(shown, nl=False)
    if flags["md_out"] and printed != "md_out":
        safeio.write_text(flags["md_out"], md)
    if flags["junit_out"] and printed != "junit_out":
        safeio.write_text(flags["junit_out"], junit(report))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        safeio.append_text(Path(summary), md)
