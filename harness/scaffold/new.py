"""`harness new KIND DIR`: generate a portfolio project with Copier."""

from __future__ import annotations

import warnings
from pathlib import Path

import click
import yaml

from harness.errors import ScaffoldError
from harness.scaffold.answers import answer_errors, answer_refusal
from harness.scaffold.guard import check_destination, failure_message, quiet_copier
from harness.scaffold.source import (
    HARNESS_DIST,
    KINDS,
    ci_install_problem,
    packaged_requirement,
    resolve_source,
)

# One line, since a CI that cannot install the harness fails its audit, eval and badges jobs.
HARNESS_ADVICE = (
    f"set --data harness_requirement='{HARNESS_DIST}[eval]==X.Y.Z' (a release) or "
    f"'{HARNESS_DIST}[eval] @ git+https://github.com/OWNER/{HARNESS_DIST}@COMMIT' "
    "and generate again"
)


def parse_data(pairs: tuple[str, ...]) -> dict[str, str]:
    data: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ScaffoldError(
                f"--data {pair!r} is not KEY=VALUE", "e.g. --data llm_provider=openai"
            )
        data[key] = value
    return data


def _render_failure(exc: Exception) -> tuple[str, str]:
    message = f"the template failed to render: {type(exc).__name__}: {exc}"
    return message, "report it with the template version"


@click.command("new")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--data", "-d", "pairs", multiple=True, metavar="KEY=VALUE", help="An answer.")
@click.option("--source", help="Template source: a git URL or a clone of portfolio-harness.")
@click.option("--vcs-ref", help="Git ref of the source (default: its latest tag, else HEAD).")
@click.option("--ask", is_flag=True, help="Ask every question instead of taking defaults.")
def new_command(
    kind: str,
    directory: Path,
    pairs: tuple[str, ...],
    source: str | None,
    vcs_ref: str | None,
    ask: bool,
) -> None:
    """Generate a KIND project (rag-qa, agent-workflow, production-app) in DIRECTORY."""
    import copier  # imported here: only this verb pays for it
    from copier.errors import CopierError

    check_destination(directory)
    template = resolve_source(source)
    data = {"template": kind, **parse_data(pairs)}
    if template.packaged and "harness_requirement" not in data:
        # No git history for Copier to read a version from: the installed wheel is the release.
        from harness import __version__

        data["harness_requirement"] = packaged_requirement(__version__)
    copier_yml = Path(template.location) / "copier.yml"
    problems = answer_errors(data, copier_yml)
    if problems:  # only a local source is read here; Copier reads a remote one itself
        raise ScaffoldError(problems[0], "change that --data answer and run again")
    try:
        with warnings.catch_warnings(record=True) as caught, quiet_copier():
            warnings.simplefilter("always")
            copier.run_copy(
                template.location,
                str(directory),
                data=data,
                vcs_ref=vcs_ref,
                defaults=not ask,
                unsafe=False,
                quiet=True,
            )
    except CopierError as exc:
        raise ScaffoldError(
            f"copier could not generate the project: {exc}", "check --data"
        ) from exc
    except ValueError as exc:
        refusal = answer_refusal(exc)
        if refusal is None:
            raise ScaffoldError(*_render_failure(exc)) from exc
        raise ScaffoldError(refusal, "change that --data answer and run again") from exc
    except Exception as exc:  # a broken template must still end in one line, not a traceback
        raise ScaffoldError(*(failure_message(exc, directory) or _render_failure(exc))) from exc
    click.echo(f"created {directory} ({kind}) from {template.describe()}")
    requirement = _recorded_answer(directory, "harness_requirement")
    problem = ci_install_problem(requirement) if requirement else None
    if problem:
        click.echo(
            f"warning: CI will not be able to install the harness this project names "
            f"({requirement}): {problem}; {HARNESS_ADVICE}",
            err=True,
        )
    if any("Dirty template changes" in str(w.message) for w in caught):
        click.echo("note: the source has uncommitted changes; they were included")
    if not template.versioned:
        click.echo("note: `harness update` needs a git source; see `harness new --help`")
    click.echo(f"next: cd {directory} && git init && make install && make test")


def _recorded_answer(directory: Path, name: str) -> str | None:
    answers = directory / ".copier-answers.yml"
    try:
        recorded = yaml.safe_load(answers.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    value = recorded.get(name) if isinstance(recorded, dict) else None
    return str(value) if value else None
