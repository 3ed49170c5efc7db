"""A read-only index of the audited repository.

The file list honours .gitignore (nested, with negation) and never leaves the root through a
symlink. Parsed forms (text, YAML, TOML, JSON, Python AST) are computed once, on demand. Files
that cannot be read as text are remembered with the reason, for the report. The audited code is
never imported or executed.
"""

from __future__ import annotations

import ast
import json
import os
import re
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from harness import safeio
from harness.audit.gitmeta import head_commit, tracked_paths
from harness.audit.ignore import IgnoreRules

MAX_TEXT_BYTES = 5 * 1024 * 1024
_AT_LINE = re.compile(r"line (\d+)")
BINARY_SNIFF_BYTES = 8192
# Directories no reviewer reads and no check needs; pruned even when .gitignore forgets them.
PRUNED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".tox",
        ".nox",
        ".harness-cache",
    }
)

_Spec = tuple[str, IgnoreRules]


class RepoIndex:
    """Files of a repository and their parsed forms. Build once, share between detectors."""

    def __init__(self, root: Path, exclude: Sequence[str] = ()) -> None:
        self.root = root.resolve()
        self.files: list[str] = []
        self.ignored: list[str] = []
        self.skipped: dict[str, str] = {}
        self.parse_errors: dict[str, tuple[int | None, str]] = {}
        self._sizes: dict[str, int] = {}
        self._text: dict[str, str | None] = {}
        self._parsed: dict[tuple[str, str], Any] = {}
        self._match_cache: dict[tuple[str, ...], list[str]] = {}
        exclude_spec = IgnoreRules.from_lines(exclude) if exclude else None
        self._walk(exclude_spec)
        self.files.sort()
        self._file_set = frozenset(self.files)

    # ----- the walk -------------------------------------------------------------------------

    def _walk(self, exclude_spec: IgnoreRules | None) -> None:
        root_specs: list[_Spec] = [("", exclude_spec)] if exclude_spec else []
        stack: list[tuple[str, list[_Spec]]] = [("", root_specs)]
        while stack:
            rel_dir, specs = stack.pop()
            abs_dir = self.root / rel_dir if rel_dir else self.root
            try:
                entries = sorted(os.scandir(abs_dir), key=lambda e: e.name)
            except OSError as exc:
                self.skipped[rel_dir or "."] = f"unreadable directory: {exc.strerror}"
                continue
            specs = self._with_gitignore(rel_dir, abs_dir, specs)
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                self._visit(entry, rel, specs, stack)

    def _with_gitignore(self, rel_dir: str, abs_dir: Path, specs: list[_Spec]) -> list[_Spec]:
        gitignore = abs_dir / ".gitignore"
        if not safeio.is_plain_file(gitignore):
            return specs
        try:
            data = safeio.read_bytes(gitignore, limit=MAX_TEXT_BYTES, root=self.root)
        except OSError as exc:
            rel = f"{rel_dir}/.gitignore" if rel_dir else ".gitignore"
            unsafe = isinstance(exc, safeio.UnsafeReadError)
            reason = exc.strerror or "unreadable"
            self.skipped[rel] = reason if unsafe else f"unreadable: {reason}"
            return specs
        lines = data.decode("utf-8", errors="replace").splitlines()
        return [*specs, (rel_dir, IgnoreRules.from_lines(lines))]

    def _visit(
        self,
        entry: os.DirEntry[str],
        rel: str,
        specs: list[_Spec],
        stack: list[tuple[str, list[_Spec]]],
    ) -> None:
        if entry.is_symlink():
            self._visit_symlink(entry, rel, specs)
            return
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            is_file = entry.is_file(follow_symlinks=False)
        except OSError as exc:
            self.skipped[rel] = f"unreadable: {exc.strerror}"
            return
        if is_dir:
            if entry.name in PRUNED_DIRS:
                return
            if _is_ignored(rel, True, specs):
                return
            stack.append((rel, specs))
        elif is_file:
            self._add_file(entry, rel, specs)

    def _visit_symlink(self, entry: os.DirEntry[str], rel: str, specs: list[_Spec]) -> None:
        try:
            target = Path(entry.path).resolve(strict=True)
        except (RuntimeError, OSError) as exc:
            looping = isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == 40
            self.skipped[rel] = "symlink loop" if looping else "broken symlink"
            return
        if not target.is_relative_to(self.root):
            self.skipped[rel] = "symlink points outside the repository (not followed)"
            return
        if target.is_dir():
            self.skipped[rel] = "symlink to a directory (not followed; its target is indexed)"
            return
        if not target.is_file():
            self.skipped[rel] = "symlink to a special file (FIFO, device or socket; not read)"
            return
        if _is_ignored(rel, False, specs):
            self.ignored.append(rel)
            return
        self.files.append(rel)
        self._sizes[rel] = target.stat().st_size

    def _add_file(self, entry: os.DirEntry[str], rel: str, specs: list[_Spec]) -> None:
        if _is_ignored(rel, False, specs):
            self.ignored.append(rel)
            return
        self.files.append(rel)
        try:
            self._sizes[rel] = entry.stat(follow_symlinks=False).st_size
        except OSError as exc:
            self.skipped[rel] = f"unreadable: {exc.strerror}"

    # ----- file lookups ---------------------------------------------------------------------

    def has(self, rel: str) -> bool:
        return rel in self._file_set

    def match(self, *patterns: str) -> list[str]:
        """Files matching gitignore-style patterns ('Dockerfile' anywhere, '/x' at the root)."""
        key = tuple(patterns)
        if key not in self._match_cache:
            by_name, by_path = compile_globs(patterns)
            self._match_cache[key] = [
                f
                for f in self.files
                if (by_name and by_name.match(f.rsplit("/", 1)[-1]))
                or (by_path and by_path.match(f))
            ]
        return self._match_cache[key]

    def size(self, rel: str) -> int:
        return self._sizes.get(rel, 0)

    # ----- parsed forms ---------------------------------------------------------------------

    def text(self, rel: str) -> str | None:
        """The file as text, or None (the reason is recorded in `skipped`)."""
        if rel not in self._text:
            self._text[rel] = self._read_text(rel)
        return self._text[rel]

    def _read_text(self, rel: str) -> str | None:
        if rel in self.skipped:
            return None
        if self.size(rel) > MAX_TEXT_BYTES:
            self.skipped[rel] = "larger than 5 MB (not read)"
            return None
        try:
            data = safeio.read_bytes(self.root / rel, limit=MAX_TEXT_BYTES, root=self.root)
        except safeio.TooLargeError:
            self.skipped[rel] = "larger than 5 MB (not read)"
            return None
        except OSError as exc:
            self.skipped[rel] = f"unreadable: {exc.strerror}"
            return None
        if b"\0" in data[:BINARY_SNIFF_BYTES]:
            self.skipped[rel] = "binary file (not read)"
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.skipped[rel] = "not UTF-8 (not read)"
            return None

    def lines(self, rel: str) -> list[str]:
        text = self.text(rel)
        return text.splitlines() if text is not None else []

    def yaml(self, rel: str) -> Any:
        """Parsed YAML (first document), or None when unreadable or invalid (see parse_errors)."""
        return self._parse(rel, "yaml", _load_yaml)

    def toml(self, rel: str) -> dict[str, Any] | None:
        result: dict[str, Any] | None = self._parse(rel, "toml", safeio.loads_toml)
        return result

    def json(self, rel: str) -> Any:
        return self._parse(rel, "json", safeio.loads_json)

    def python(self, rel: str) -> ast.Module | None:
        result: ast.Module | None = self._parse(rel, "python", lambda t: ast.parse(t, rel))
        return result

    def _parse(self, rel: str, kind: str, parser: Any) -> Any:
        key = (rel, kind)
        if key not in self._parsed:
            text = self.text(rel)
            value = None
            if text is not None:
                try:
                    value = parser(text)
                except Exception as exc:
                    self.parse_errors[rel] = _describe_parse_error(kind, exc)
            self._parsed[key] = value
        return self._parsed[key]

    def python_files(self) -> list[str]:
        return self.match("*.py")

    def iter_python(self, *needles: str) -> Iterable[tuple[str, ast.Module]]:
        """Parsed Python files; with `needles`, only files whose text contains one of them
        (a substring test is much cheaper than a parse, and most files mention none)."""
        for rel in self.python_files():
            if needles:
                text = self.text(rel)
                if text is None or not any(needle in text for needle in needles):
                    continue
            tree = self.python(rel)
            if tree is not None:
                yield rel, tree

    @cached_property
    def pyproject(self) -> dict[str, Any]:
        return (self.toml("pyproject.toml") if self.has("pyproject.toml") else None) or {}

    @cached_property
    def commit(self) -> str | None:
        return head_commit(self.root)

    @cached_property
    def tracked(self) -> frozenset[str] | None:
        """Paths in the git index, or None when the repository has no readable index."""
        return tracked_paths(self.root)


def is_test_file(rel: str) -> bool:
    """Test code (a tests/ folder or a test_*.py file): stack detection and the LLM call-site
    detectors read application code only."""
    name = rel.rsplit("/", 1)[-1]
    return rel.startswith("tests/") or "/tests/" in rel or name.startswith("test_")


def compile_globs(patterns: Sequence[str]) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """Two regexes for gitignore-style globs: one over base names (patterns without a slash
    match at any depth), one over whole paths (anchored patterns)."""
    by_name: list[str] = []
    by_path: list[str] = []
    for pattern in patterns:
        anchored = "/" in pattern.rstrip("/")
        body = _glob_regex(pattern.lstrip("/"))
        (by_path if anchored else by_name).append(body)
    return (
        re.compile("(?:" + "|".join(by_name) + r")\Z") if by_name else None,
        re.compile("(?:" + "|".join(by_path) + r")\Z") if by_path else None,
    )


def _glob_regex(glob: str) -> str:
    out: list[str] = []
    position = 0
    while position < len(glob):
        char = glob[position]
        if glob.startswith("**/", position):
            out.append("(?:.*/)?")
            position += 3
            continue
        if glob.startswith("**", position):
            out.append(".*")
            position += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = glob.find("]", position + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                out.append("[" + glob[position + 1 : end].replace("!", "^", 1) + "]")
                position = end
        else:
            out.append(re.escape(char))
        position += 1
    return "".join(out)


def _is_ignored(rel: str, is_dir: bool, specs: list[_Spec]) -> bool:
    ignored = False
    for base, spec in specs:
        sub = rel[len(base) + 1 :] if base else rel
        verdict = spec.match(sub, is_dir)
        if verdict is not None:
            ignored = verdict
    return ignored


def _load_yaml(text: str) -> Any:
    return safeio.loads_yaml(text)


def _describe_parse_error(kind: str, exc: Exception) -> tuple[int | None, str]:
    line: int | None = None
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        line = mark.line + 1
    elif isinstance(exc, SyntaxError | json.JSONDecodeError):
        line = exc.lineno
    else:  # tomllib only says "(at line N, column M)" before Python 3.14
        found = _AT_LINE.search(str(exc))
        line = int(found.group(1)) if found else None
    text = str(exc).strip()
    first_line = text.splitlines()[0] if text else type(exc).__name__
    label = "Python" if kind == "python" else kind.upper()
    return line, f"invalid {label}: {first_line}"
