"""Checks around Copier that turn hostile destinations and answer files into one line.

`harness new` and `harness update` call these before (and around) Copier, so a destination that
is a file, a place that cannot be written, a malformed `.copier-answers.yml` or Copier's own
stderr notices never reach the user as a traceback or noise.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import yaml

from harness import safeio
from harness.errors import ScaffoldError

MAX_ANSWERS_BYTES = 1024 * 1024
# Copier prints this on every copy/update from a source without version tags; the harness says
# it once, in its own words, when it matters.
_NOISE = ("No git tags found in template; using HEAD as ref",)


def check_destination(directory: Path) -> None:
    """ScaffoldError unless `directory` is absent or an empty directory that can be filled."""
    if directory.exists() or directory.is_symlink():
        if not directory.is_dir():
            raise ScaffoldError(f"{directory} exists and is not a directory", "choose a new path")
        try:
            empty = not any(directory.iterdir())
        except OSError as exc:
            message = f"cannot read {directory}: {exc.strerror}"
            raise ScaffoldError(message, "choose a new path") from None
        if not empty:
            raise ScaffoldError(f"{directory} is not empty", "choose a new directory")
        probe = directory
    else:
        probe = next((p for p in directory.absolute().parents if p.exists()), Path("/"))
        if not probe.is_dir():
            raise ScaffoldError(
                f"cannot create {directory}: {probe} is not a directory", "choose another path"
            )
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ScaffoldError(f"cannot create {directory}: permission denied", "choose another path")


def failure_message(exc: BaseException, directory: Path) -> tuple[str, str] | None:
    """A one-line reason when Copier failed on the file system rather than in the template."""
    if not isinstance(exc, OSError):
        return None
    where = exc.filename if isinstance(exc.filename, str) else str(directory)
    return f"cannot write {where}: {exc.strerror or exc}", "choose another destination"


class _Filtered(io.TextIOBase):
    """A stderr that drops Copier's known notices, line by line, and passes the rest."""

    def __init__(self, target: TextIO) -> None:
        self.target = target
        self.pending = ""

    def write(self, text: str) -> int:
        self.pending += text
        while "\n" in self.pending:
            line, self.pending = self.pending.split("\n", 1)
            if not any(noise in line for noise in _NOISE):
                self.target.write(line + "\n")
        return len(text)

    def flush(self) -> None:
        if self.pending and not any(noise in self.pending for noise in _NOISE):
            self.target.write(self.pending)
        self.pending = ""
        self.target.flush()


@contextlib.contextmanager
def quiet_copier() -> Iterator[None]:
    """Run Copier without its "No git tags found" notice on stderr."""
    filtered = _Filtered(sys.stderr)
    with contextlib.redirect_stderr(filtered):
        try:
            yield
        finally:
            filtered.flush()


def read_answers(directory: Path, name: str) -> dict[str, Any]:
    """The recorded answers of a generated project, checked enough for `copier update`."""
    path = directory / name
    hint = f"restore {name} from git history, or regenerate the project with `harness new`"
    try:
        # root: a symlinked answers file must not feed a file from elsewhere to the template.
        data = safeio.loads_yaml(safeio.read_text(path, limit=MAX_ANSWERS_BYTES, root=directory))
    except FileNotFoundError:
        raise ScaffoldError(
            f"{directory}: no {name}", "run this in a project made by `harness new`"
        ) from None
    except OSError as exc:
        raise ScaffoldError(f"cannot read {path}: {exc.strerror or exc}", hint) from None
    except UnicodeDecodeError:
        raise ScaffoldError(f"{path} is not UTF-8", hint) from None
    except (yaml.YAMLError, safeio.NestingError) as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1})" if mark is not None else ""
        reason = str(exc).splitlines()[0] if mark is None else "malformed YAML"
        raise ScaffoldError(f"{path} is not valid YAML{at}: {reason}", hint) from None
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise ScaffoldError(f"{path} must be a mapping of answers, not {kind}", hint)
    source = data.get("_src_path")
    if not isinstance(source, str) or not source.strip():
        raise ScaffoldError(f"{path} has no _src_path (the template source)", hint)
    commit = data.get("_commit")
    if commit is not None and not isinstance(commit, str):
        raise ScaffoldError(f"{path}: _commit must be a string", hint)
    return data
