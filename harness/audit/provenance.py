"""Provenance: how much of a project generated from these templates is the owner's own work.

A generated project records its template source, commit and answers in `.copier-answers.yml`.
The pristine project is regenerated from exactly those (Copier, into a temporary folder, in a
child process with a time limit, offline, tasks never run) and compared file by file with the
project: files and lines added, changed and removed, grouped by area. When the recorded source
or commit is not on this machine, or cannot be trusted to be the same templates, the answer is
"unknown" with the reason; it is never guessed. A repository without the answers file is "not
applicable", decided from one `lstat`.

The comparison itself is in `provenance_compare`; `regenerate` is the one Copier call.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from harness import __version__, safeio
from harness.audit.index import RepoIndex
from harness.audit.provenance_compare import AREAS, AreaFigures, FileChange, Unknown, compare

ANSWERS = ".copier-answers.yml"
MAX_ANSWERS_BYTES = 64 * 1024  # a real answers file is well under 2 KB
REGENERATE_SECONDS = 120.0
MAX_WRITTEN_BYTES = 128 * 1024 * 1024  # per file the child may write (RLIMIT_FSIZE)
MAX_CHANGES_LISTED = 200
KINDS = ("rag-qa", "agent-workflow", "production-app")

# Folders never taken as a template source, even when they hold a copier.yml.
SYSTEM_DIRS = ("/proc", "/sys", "/dev", "/etc", "/boot", "/run", "/var/run")
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/+-]{0,199}$")
_REMOTE = ("gh:", "gl:", "git@", "git+", "ssh:", "http:", "https:", "git:")
_PINNED = re.compile(r"==\s*(?P<version>[^\s;,]+)")

Status = Literal["measured", "unknown", "not-applicable"]


# ----- the result ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Provenance:
    status: Status
    reason: str = ""
    template: str | None = None
    source: str | None = None
    commit: str | None = None
    areas: dict[str, AreaFigures] = field(default_factory=dict)
    changes: tuple[FileChange, ...] = ()
    not_counted: tuple[tuple[str, str], ...] = ()

    @property
    def total(self) -> AreaFigures:
        total = AreaFigures()
        for figures in self.areas.values():
            total.add(figures)
        return total

    def owner_share(self) -> float | None:
        total = self.total
        return round(total.owner_lines / total.lines_total, 4) if total.lines_total else None

    def describe(self) -> str:
        """One line for the terminal footer and the Markdown summary."""
        if self.status == "not-applicable":
            return f"Provenance: not applicable, {self.reason}"
        if self.status == "unknown":
            return f"Provenance: unknown, {self.reason}"
        total = self.total
        share = self.owner_share()
        shown = "n/a" if share is None else f"{share * 100:.1f}%"
        return (
            f"Provenance: {total.owner_lines} of {total.lines_total} lines ({shown}) are the "
            f"owner's (+{total.lines_added} ~{total.lines_changed} -{total.lines_removed}); "
            f"files +{total.files_added} ~{total.files_changed} -{total.files_removed} "
            f"against {self.template or 'the template'} at {self.commit or 'its packaged version'}"
        )


def not_applicable(reason: str) -> Provenance:
    return Provenance("not-applicable", reason)


def to_dict(found: Provenance) -> dict[str, Any]:
    """The `provenance` object of the audit JSON (documented in report/json_report.py)."""
    data: dict[str, Any] = {"status": found.status, "reason": found.reason or None}
    if found.status != "measured":
        return data
    total = found.total
    return data | {
        "template": found.template,
        "source": found.source,
        "commit": found.commit,
        "owner_share": found.owner_share(),
        "total": _figures(total),
        "areas": {name: {"title": AREAS[name]} | _figures(found.areas[name]) for name in AREAS},
        "changes": [
            {
                "path": c.path,
                "area": c.area,
                "change": c.change,
                "lines": None
                if c.lines is None
                else dict(zip(("added", "changed", "removed"), c.lines, strict=True)),
            }
            for c in found.changes[:MAX_CHANGES_LISTED]
        ],
        "changes_not_listed": max(0, len(found.changes) - MAX_CHANGES_LISTED),
        "not_counted": [{"path": p, "reason": r} for p, r in found.not_counted],
    }


def _figures(f: AreaFigures) -> dict[str, Any]:
    return {
        "files": {
            "added": f.files_added,
            "changed": f.files_changed,
            "removed": f.files_removed,
            "unchanged": f.files_unchanged,
        },
        "lines": {
            "added": f.lines_added,
            "changed": f.lines_changed,
            "removed": f.lines_removed,
            "owner": f.owner_lines,
            "total": f.lines_total,
        },
    }


# ----- the answers and the source ----------------------------------------------------------


def read_answers(root: Path) -> dict[str, Any]:
    """The recorded answers, or Unknown with the reason (never a crash on a hostile file)."""
    path = root / ANSWERS
    if not safeio.is_plain_file(path):
        raise Unknown(f"{ANSWERS} is not a regular file (a symlink or special file is not read)")
    try:
        data = safeio.loads_yaml(safeio.read_text(path, limit=MAX_ANSWERS_BYTES, root=root))
    except safeio.TooLargeError:
        raise Unknown(f"{ANSWERS} is larger than {MAX_ANSWERS_BYTES // 1024} KB") from None
    except OSError as exc:
        raise Unknown(f"{ANSWERS} cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise Unknown(f"{ANSWERS} is not UTF-8") from None
    except (yaml.YAMLError, ValueError) as exc:  # NestingError is a ValueError
        raise Unknown(f"{ANSWERS} is not valid YAML ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise Unknown(f"{ANSWERS} is not a mapping of answers")
    return {str(key): value for key, value in data.items()}


def is_ours(answers: Mapping[str, Any]) -> bool:
    """Answers written by one of these templates: every one asks these two questions."""
    return "harness_requirement" in answers and "project_slug" in answers


def _data(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers to replay: Copier's own `_` keys are never passed back as data."""
    data: dict[str, Any] = {}
    for key, value in answers.items():
        if key.startswith("_"):
            continue
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,63}", key):
            raise Unknown(f"{ANSWERS} has an answer named {key[:40]!r}, which no template asks")
        if value is not None and not isinstance(value, str | bool | int | float):
            raise Unknown(f"{ANSWERS}: the answer {key!r} is not a plain value")
        data[key] = value
    return data


@dataclass(frozen=True)
class Source:
    location: str  # an absolute local path
    ref: str | None  # the commit to check out; None for the packaged templates
    template: str | None


def _packaged_root() -> Path:
    from harness.scaffold.source import _packaged_root as packaged

    return packaged().resolve()


def locate_source(answers: Mapping[str, Any], root: Path) -> Source:
    """The recorded template source, when it is on this machine and can be trusted to be the
    templates the project was generated from; Unknown with the reason otherwise."""
    recorded = answers.get("_src_path")
    if not isinstance(recorded, str) or not recorded.strip():
        raise Unknown(f"{ANSWERS} records no template source (_src_path)")
    if len(recorded) > 4096 or "\0" in recorded:
        raise Unknown(f"{ANSWERS}: _src_path is not a usable path")
    shown = recorded if len(recorded) <= 200 else recorded[:197] + "..."
    location = recorded.removeprefix("file://")
    if location.startswith(_REMOTE) or "://" in location:
        raise Unknown(
            f"the template source {shown} is remote and the audit does not fetch it (offline)"
        )
    path = Path(location)
    if not path.is_absolute():
        raise Unknown(f"the template source {shown} is a relative path; where it was is unknown")
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        raise Unknown(f"the template source {shown} cannot be resolved") from None
    text = str(resolved)
    if text == "/" or any(text == d or text.startswith(d + "/") for d in SYSTEM_DIRS):
        raise Unknown(f"refused: the template source {shown} is a system path")
    if resolved.is_relative_to(root):
        raise Unknown(f"refused: the template source {shown} is inside the audited repository")
    if not resolved.is_dir():
        raise Unknown(f"the template source {shown} is not available on this machine")
    template = _template_kind(resolved, answers)
    if template is None:
        raise Unknown(f"the template source {shown} is not a portfolio-harness template")
    commit = answers.get("_commit")
    if commit is None:
        _check_packaged(resolved, answers, shown)
        return Source(location, None, template)
    if not isinstance(commit, str) or not _REF.fullmatch(commit):
        raise Unknown(f"{ANSWERS}: _commit is not a git revision")
    if not (resolved / ".git").exists():
        raise Unknown(f"the template source {shown} is not a git repository, so {commit} is lost")
    if not _has_commit(resolved, commit):
        raise Unknown(f"the template source {shown} does not have the recorded commit {commit}")
    return Source(location, commit, template)


def _template_kind(source: Path, answers: Mapping[str, Any]) -> str | None:
    """rag-qa, agent-workflow or production-app when `source` is these templates' root (the
    `template` answer picks the kind) or one kind's folder; None for anything else."""
    if not safeio.is_plain_file(source / "copier.yml"):
        return None
    kind = answers.get("template")
    if (source / "templates" / "_shared").is_dir() and kind in KINDS:
        return str(kind) if (source / "templates" / str(kind) / "copier.yml").is_file() else None
    if source.name in KINDS and (source.parent / "_shared").is_dir():
        return source.name
    return None


def _check_packaged(source: Path, answers: Mapping[str, Any], shown: str) -> None:
    """A source with no recorded commit is usable only when it is this harness's packaged
    templates and the project pins this very version; a folder's templates may have changed."""
    if source != _packaged_root():
        raise Unknown(
            f"{ANSWERS} records no template commit (_commit), so the version of {shown} "
            "the project was generated from is unknown"
        )
    requirement = answers.get("harness_requirement")
    pinned = _PINNED.search(requirement) if isinstance(requirement, str) else None
    if pinned is None or pinned.group("version") != __version__:
        made_by = pinned.group("version") if pinned else "an unrecorded version"
        raise Unknown(
            f"generated from the packaged templates of portfolio-harness {made_by}; this is "
            f"{__version__}, whose templates may differ"
        )


def _git_env() -> dict[str, str]:
    # Local repositories only: a submodule or remote in the source is never fetched (offline),
    # and git never prompts for a password.
    return {**os.environ, "GIT_ALLOW_PROTOCOL": "file", "GIT_TERMINAL_PROMPT": "0"}


def _has_commit(source: Path, commit: str) -> bool:
    try:
        done = subprocess.run(
            [
                "git",
                "-C",
                str(source),
                "-c",
                "core.fsmonitor=false",
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                f"{commit}^{{commit}}",
            ],
            capture_output=True,
            timeout=20,
            env=_git_env(),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


# ----- regeneration (the one Copier call) -------------------------------------------------------


def regenerate(source: Source, data: Mapping[str, Any], destination: Path) -> None:
    """Render the pristine project into `destination` with Copier, in a child process bounded
    in time and file size; Unknown with Copier's one-line reason when it fails."""
    request = json.dumps(
        {"src": source.location, "dst": str(destination), "ref": source.ref, "data": dict(data)}
    )
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "harness.audit.provenance"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=_git_env(),
            cwd=destination.parent,
            start_new_session=True,  # its own process group: a timeout ends its git children too
            preexec_fn=_limit_child if os.name == "posix" else None,
        )
    except OSError as exc:
        raise Unknown(f"cannot run Copier: {exc.strerror or exc}") from None
    try:
        _, stderr = child.communicate(request, timeout=REGENERATE_SECONDS)
    except subprocess.TimeoutExpired:
        _end(child)
        raise Unknown(
            f"regenerating the template took longer than {REGENERATE_SECONDS:g} s"
        ) from None
    if child.returncode != 0:
        lines = [line for line in stderr.splitlines() if line.strip()]
        why = lines[-1] if lines else f"exit code {child.returncode}"
        raise Unknown(f"the template could not be regenerated: {why[:300]}")


def _end(child: subprocess.Popen[str]) -> None:
    """Kill the child's process group (Copier's git clones included) and reap it."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (OSError, AttributeError):  # already gone, or no process groups here
        child.kill()
    child.communicate()


def _limit_child() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_WRITTEN_BYTES, MAX_WRITTEN_BYTES))


def _child() -> int:
    """The child process: one Copier copy with tasks, migrations and extensions refused."""
    import warnings

    import copier

    request = json.loads(sys.stdin.read())
    warnings.simplefilter("ignore")
    try:
        copier.run_copy(
            request["src"],
            request["dst"],
            data=request["data"],
            vcs_ref=request["ref"],
            settings=copier.Settings(defaults={}, trust=[]),
            defaults=True,
            overwrite=True,
            unsafe=False,
            skip_tasks=True,
            quiet=True,
        )
    except Exception as exc:  # the parent shows one line, whatever Copier raised
        text = " ".join(str(exc).split()) or type(exc).__name__
        print(f"{type(exc).__name__}: {text}", file=sys.stderr)
        return 1
    return 0


# ----- the audit's entry point ------------------------------------------------------------------


def tree_files(index: RepoIndex) -> list[str]:
    """The files of an indexed tree the comparison covers: what the audit reads, plus template
    files (`*.jinja`) it leaves out of code checks; vendored folders stay out on both sides."""
    extra = [
        path
        for path, reason in index.excluded.items()
        if not path.endswith("/") and reason.startswith("template source (Jinja)")
    ]
    return sorted({*index.files, *extra})


def measure(index: RepoIndex, exclude: Sequence[str] = ()) -> Provenance:
    """Provenance of the indexed repository; computed once per audit by the engine."""
    root = index.root
    try:
        os.lstat(root / ANSWERS)
    except OSError:
        return not_applicable(f"no {ANSWERS}: not generated from the portfolio-harness templates")
    try:
        answers = read_answers(root)
        if not is_ours(answers):
            return not_applicable(f"{ANSWERS} was not written by a portfolio-harness template")
        source = locate_source(answers, root)
        data = _data(answers)
        scratch_dir = tempfile.TemporaryDirectory(
            prefix="harness-provenance-", ignore_cleanup_errors=True
        )
        with scratch_dir as scratch:
            pristine = Path(scratch) / "pristine"
            regenerate(source, data, pristine)
            pristine_index = RepoIndex(pristine, exclude=exclude)
            areas, changes, not_counted = compare(
                root, tree_files(index), pristine, tree_files(pristine_index)
            )
    except Unknown as exc:
        return Provenance("unknown", str(exc))
    except Exception as exc:  # the audit reports what it could not measure; it never crashes
        return Provenance("unknown", f"provenance could not be measured ({type(exc).__name__})")
    commit = source.ref
    return Provenance(
        "measured",
        template=source.template,
        source=str(answers.get("_src_path")),
        commit=commit,
        areas=areas,
        changes=tuple(changes),
        not_counted=tuple(not_counted),
    )


if __name__ == "__main__":
    sys.exit(_child())
