"""Comparing a project with its pristine template: files and lines added, changed and removed,
grouped by area. Pure computation over two folders, bounded in bytes read and in time; running
out of either makes the result unknown, never partial (`provenance` uses it)."""

from __future__ import annotations

import difflib
import hashlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from harness import safeio

MAX_FILE_BYTES = 1024 * 1024  # larger files are compared by digest; their lines are not counted
MAX_DIFF_LINES = 5_000  # difflib is quadratic at worst: longer files are not line-counted
READ_BUDGET_BYTES = 256 * 1024 * 1024  # bytes read from both trees in one audit
COMPARE_SECONDS = 30.0
BINARY_SNIFF = 8192

AREAS: dict[str, str] = {
    "app": "app code",
    "tests": "tests",
    "evals": "eval data",
    "docs": "docs",
    "config": "config/CI",
    "other": "other",
}

Change = Literal["added", "changed", "removed"]


class Unknown(Exception):
    """Provenance cannot be measured; the message is the reason shown to the reader."""


@dataclass
class AreaFigures:
    files_added: int = 0
    files_changed: int = 0
    files_removed: int = 0
    files_unchanged: int = 0
    lines_added: int = 0
    lines_changed: int = 0
    lines_removed: int = 0
    lines_total: int = 0  # lines of the project's counted text files in this area

    @property
    def owner_lines(self) -> int:
        return self.lines_added + self.lines_changed

    def add(self, other: AreaFigures) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class FileChange:
    path: str
    area: str
    change: Change
    lines: tuple[int, int, int] | None  # added, changed, removed; None when not counted


# ----- areas -----------------------------------------------------------------------------------

_CONFIG_NAMES = frozenset(
    {
        "Makefile",
        "Procfile",
        "alembic.ini",
        "fly.toml",
        "railway.json",
        "render.yaml",
        "setup.cfg",
        "setup.py",
        "tox.ini",
        "noxfile.py",
    }
)
_CODE_SUFFIXES = (".py", ".pyi", ".js", ".ts", ".tsx", ".jsx", ".html", ".css", ".sql", ".sh")
_CONFIG_SUFFIXES = (".toml", ".ini", ".cfg", ".yml", ".yaml", ".json", ".lock")


def area_of(path: str) -> str:
    """The area a project file belongs to (its path decides, never its content)."""
    parts = path.split("/")
    top, name = parts[0], parts[-1]
    if top in ("tests", "test") or name == "conftest.py":
        return "tests"
    if (name.startswith("test_") and name.endswith(".py")) or name.endswith("_test.py"):
        return "tests"
    if top in ("evals", "eval", "sample_docs"):
        return "evals"
    if top == "docs" or name.endswith((".md", ".rst")) or name.upper().startswith("LICENSE"):
        return "docs"
    if top in (".github", ".gitlab", ".circleci", "deploy") or (len(parts) == 1 and top[:1] == "."):
        return "config"
    if name in _CONFIG_NAMES or name.startswith(("Dockerfile", "requirements")):
        return "config"
    if name.startswith(("compose.", "docker-compose")):
        return "config"
    if top in ("app", "src", "alembic") or name.endswith(_CODE_SUFFIXES):
        return "app"
    if len(parts) == 1 and name.endswith(_CONFIG_SUFFIXES):
        return "config"
    return "other"


# ----- line counts ------------------------------------------------------------------------------


def split_lines(data: bytes) -> list[bytes]:
    """Lines as `wc -l` and git count them (a last line without a newline still counts)."""
    if not data:
        return []
    lines = data.split(b"\n")
    return lines[:-1] if data.endswith(b"\n") else lines


def line_delta(old: Sequence[bytes], new: Sequence[bytes]) -> tuple[int, int, int]:
    """(added, changed, removed) lines from `old` to `new`: a replaced block counts its common
    length as changed and the rest as added or removed."""
    added = changed = removed = 0
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "replace":
            common = min(i2 - i1, j2 - j1)
            changed += common
            added += (j2 - j1) - common
            removed += (i2 - i1) - common
        elif tag == "insert":
            added += j2 - j1
        elif tag == "delete":
            removed += i2 - i1
    return added, changed, removed


# ----- comparison -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Content:
    lines: list[bytes] | None  # None: not line-counted (binary, too large, unreadable)
    key: str | None  # SHA-256 of the bytes; None when they could not be read
    why: str = ""


@dataclass
class _Reader:
    """Bounded reads of one tree: regular files inside its root, a shared byte budget and a
    deadline; running out of either makes the whole comparison unknown, never partial."""

    root: Path
    budget: list[int]  # bytes left to read, shared by the project and the pristine tree
    deadline: float

    def content(self, rel: str) -> _Content:
        if time.monotonic() > self.deadline:
            raise Unknown(f"comparing with the template took longer than {COMPARE_SECONDS:g} s")
        path = self.root / rel
        try:
            data = safeio.read_bytes(path, limit=MAX_FILE_BYTES, root=self.root)
        except safeio.TooLargeError:
            return _Content(None, self._digest(path), "larger than 1 MB (lines not counted)")
        except OSError as exc:
            return _Content(None, None, f"not read: {getattr(exc, 'strerror', None) or exc}")
        self._spend(len(data))
        key = hashlib.sha256(data).hexdigest()
        if b"\0" in data[:BINARY_SNIFF]:
            return _Content(None, key, "binary file (lines not counted)")
        return _Content(split_lines(data), key)

    def _spend(self, size: int) -> None:
        self.budget[0] -= size
        if self.budget[0] < 0:
            limit = READ_BUDGET_BYTES // (1024 * 1024)
            raise Unknown(f"the project is too large to compare (more than {limit} MB of files)")

    def _digest(self, path: Path) -> str | None:
        try:
            with path.open("rb") as handle:
                digest = hashlib.sha256()
                while chunk := handle.read(1 << 20):
                    self._spend(len(chunk))
                    digest.update(chunk)
        except OSError:
            return None
        return digest.hexdigest()


def compare(
    project: Path,
    project_files: Iterable[str],
    pristine: Path,
    pristine_files: Iterable[str],
    seconds: float = COMPARE_SECONDS,
) -> tuple[dict[str, AreaFigures], list[FileChange], list[tuple[str, str]]]:
    """Figures per area, the changed files, and the changed files whose lines were not counted.

    `lines_total` counts the project's lines whose origin is known (unchanged, added or diffed
    files), so the owner's share is taken over a consistent base."""
    budget = [READ_BUDGET_BYTES]
    deadline = time.monotonic() + seconds
    mine, theirs = _Reader(project, budget, deadline), _Reader(pristine, budget, deadline)
    ours, template = set(project_files), set(pristine_files)
    areas = {name: AreaFigures() for name in AREAS}
    changes: list[FileChange] = []
    not_counted: list[tuple[str, str]] = []
    for rel in sorted(ours | template):
        figures = areas[area_of(rel)]
        new = mine.content(rel) if rel in ours else None
        old = theirs.content(rel) if rel in template else None
        change: Change | None
        lines: tuple[int, int, int] | None = None
        why = ""
        if old is None and new is not None:
            change, why = "added", new.why
            figures.files_added += 1
            lines = None if new.lines is None else (len(new.lines), 0, 0)
        elif new is None and old is not None:
            change, why = "removed", old.why
            figures.files_removed += 1
            lines = None if old.lines is None else (0, 0, len(old.lines))
        elif new is not None and old is not None and new.key is not None and new.key == old.key:
            change, lines = None, (0, 0, 0)
            figures.files_unchanged += 1
        elif new is not None and old is not None:
            change = "changed"
            figures.files_changed += 1
            lines, why = _diffed(new, old)
        else:  # pragma: no cover - every path comes from one of the two trees
            continue
        if new is not None and new.lines is not None and lines is not None:
            figures.lines_total += len(new.lines)
        if lines is not None:
            figures.lines_added += lines[0]
            figures.lines_changed += lines[1]
            figures.lines_removed += lines[2]
        elif change is not None:
            not_counted.append((rel, why))
        if change is not None:
            changes.append(FileChange(rel, area_of(rel), change, lines))
    return areas, changes, not_counted


def _diffed(new: _Content, old: _Content) -> tuple[tuple[int, int, int] | None, str]:
    if new.lines is None or old.lines is None:
        return None, new.why or old.why
    if max(len(new.lines), len(old.lines)) > MAX_DIFF_LINES:
        return None, f"longer than {MAX_DIFF_LINES} lines (lines not counted)"
    return line_delta(old.lines, new.lines), ""
