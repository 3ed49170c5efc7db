"""`harness update DIR`: pull template improvements into a generated project.

Copier replays the project's answers on the old and the new template version and merges the
difference into the project, so the user's own edits survive. It needs a clean git tree (the
merge must be reviewable and revertible), which is checked first with a clear message.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import click

from harness.errors import EXIT_FAILED, ScaffoldError
from harness.scaffold.answers import answer_refusal
from harness.scaffold.guard import quiet_copier, read_answers

ANSWERS = ".copier-answers.yml"
CONFLICT_MARKER = "<<<<<<< "


def _git(directory: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), *args], capture_output=True, text=True, check=True
        )
    except FileNotFoundError as exc:
        raise ScaffoldError("git is not installed", "install git: copier update needs it") from exc
    except subprocess.CalledProcessError as exc:
        raise ScaffoldError(
            f"{directory}: git {' '.join(args)} failed: {exc.stderr.strip()}",
            "make the project a git repository (git init && git add -A && git commit)",
        ) from exc
    return done.stdout


def changed_files(directory: Path) -> list[str]:
    lines = _git(directory, "status", "--porcelain", "--untracked-files=all").splitlines()
    return sorted(line[3:].split(" -> ")[-1] for line in lines if line.strip())


def conflicted(directory: Path, files: list[str]) -> list[str]:
    found = []
    for name in files:
        path = directory / name
        if path.suffix == ".rej":
            found.append(name)
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if any(line.startswith(CONFLICT_MARKER) for line in text.splitlines()):
            found.append(name)
    return found


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def _hint(answers: dict[str, object]) -> str:
    commit = answers.get("_commit")
    if commit:
        return (
            f"check that {answers.get('_src_path')} is reachable and has the commit {commit} "
            "recorded in .copier-answers.yml"
        )
    return "check _src_path in .copier-answers.yml"


@click.command("update")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=".")
@click.option("--vcs-ref", help="Template ref to update to (default: latest tag, else HEAD).")
def update_command(directory: Path, vcs_ref: str | None) -> None:
    """Update a generated project in DIRECTORY to a newer template version."""
    import copier
    from copier.errors import CopierError

    answers = read_answers(directory, ANSWERS)
    if changed_files(directory):
        raise ScaffoldError(
            f"{directory}: the git tree has uncommitted changes",
            "commit or stash them first, so the update can be reviewed and reverted",
        )
    try:
        with quiet_copier():
            copier.run_update(
                str(directory),
                vcs_ref=vcs_ref,
                defaults=True,
                overwrite=True,
                skip_answered=True,
                conflict="inline",
                unsafe=False,
                quiet=True,
            )
    except CopierError as exc:
        raise ScaffoldError(f"copier update failed: {_first_line(exc)}", _hint(answers)) from exc
    except ValueError as exc:
        refusal = answer_refusal(exc)
        if refusal is None:
            raise ScaffoldError(
                f"copier update failed: {_first_line(exc)}", _hint(answers)
            ) from exc
        # The new template version refuses an answer recorded by an older one.
        hint = "fix it in .copier-answers.yml (or pass the answer with `copier update --data`)"
        raise ScaffoldError(refusal, hint) from exc
    except Exception as exc:  # git or the file system failed under Copier: still one line
        raise ScaffoldError(f"copier update failed: {_first_line(exc)}", _hint(answers)) from exc
    files = changed_files(directory)
    conflicts = conflicted(directory, files)
    click.echo(f"updated {len(files)} files; {len(conflicts)} with conflicts")
    for name in files:
        click.echo(f"  {'CONFLICT ' if name in conflicts else ''}{name}")
    if conflicts:
        click.echo("resolve the conflict markers, then commit", err=True)
        raise SystemExit(EXIT_FAILED)
