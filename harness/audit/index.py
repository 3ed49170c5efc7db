"""A read-only index of the audited repository.

The file list honours .gitignore (nested, with negation) and never leaves the root through a
symlink. Parsed forms (text, YAML, TOML, JSON, Python AST) are computed once, on demand. Files
that cannot be read as text are remembered with the reason, for the report. The audited code is
never imported or executed.
"""

from __future__ import annotations

import ast
import codecs
import json
import os
import re
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from harness import safeio
from harness.audit.excluded import (
    COPIED_PROJECT,
    INSTALLED,
    copier_subdirectory,
    directory_reason,
    file_reason,
    installed_names,
    installed_records,
    looks_templated,
)
from harness.audit.gitmeta import head_commit, tracked_paths
from harness.audit.ignore import IgnoreRules

T = TypeVar("T")
MAX_TEXT_BYTES = 5 * 1024 * 1024
TOO_DEEP = "nested too deep to parse"
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
        self._text = TextCache()
        self._parsed = ParsedCache()
        self._match_cache: dict[tuple[str, ...], list[str]] = {}
        self.reading: str | None = None
        self.undecided: dict[str, str] = {}
        self._template_root: str | None = None
        self._facts: dict[str, Any] = {}
        # Left out with the reason (vendored copies, template sources, user excludes).
        self.excluded: dict[str, str] = {f"{p}": "excluded by configuration" for p in exclude}
        self._tracked_dirs = _parent_dirs(self.tracked or ())
        exclude_spec = IgnoreRules.from_lines(exclude) if exclude else None
        self._exclude = exclude_spec
        self._copies: list[tuple[str, list[_Spec]]] = []
        self._adopted: set[str] = set()
        self._walk(exclude_spec)
        self._adopt_copies()
        self.files.sort()
        self._file_set = frozenset(self.files)

    # ----- the walk -------------------------------------------------------------------------

    def _walk(self, exclude_spec: IgnoreRules | None) -> None:
        root_specs: list[_Spec] = [("", exclude_spec)] if exclude_spec else []
        self._drain([("", root_specs)])

    def _adopt_copies(self) -> None:
        """A licensed project copied in is someone else's code, unless it is all the Python the
        repository has: then it is a template the owner adopted (a LangGraph starter kept as
        `backend/` with its LICENSE and .github), and auditing nothing would hide the project."""
        if not self._copies or any(f.endswith(".py") for f in self.files):
            return
        for rel_dir, _ in self._copies:
            self.excluded.pop(rel_dir + "/", None)
            self._adopted.add(rel_dir)
        self._drain(self._copies)

    def _drain(self, stack: list[tuple[str, list[_Spec]]]) -> None:
        while stack:
            rel_dir, specs = stack.pop()
            abs_dir = self.root / rel_dir if rel_dir else self.root
            try:
                entries = sorted(os.scandir(abs_dir), key=lambda e: e.name)
            except OSError as exc:
                self.skipped[rel_dir or "."] = f"unreadable directory: {exc.strerror}"
                continue
            specs = self._with_gitignore(rel_dir, abs_dir, specs)
            if self._left_out(rel_dir, entries):
                if self.excluded.get(rel_dir + "/") == COPIED_PROJECT:
                    self._copies.append((rel_dir, specs))
                continue
            installed = self._installed_at_root(entries) if not rel_dir else frozenset()
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                if entry.name in installed:
                    self.excluded[rel + "/" if entry.is_dir() else rel] = INSTALLED
                    continue
                self._visit(entry, rel, specs, stack)

    def _installed_at_root(self, entries: list[os.DirEntry[str]]) -> frozenset[str]:
        """The root's entries that installed distributions own, when the root is itself a
        site-packages: pruned like a vendored folder, before anything in them is read."""
        records = installed_records([entry.name for entry in entries])
        if not records:
            return frozenset()
        owned: set[str] = set(records)
        for record in records:
            owned |= installed_names(
                self._small_text(f"{record}/RECORD"), self._small_text(f"{record}/top_level.txt")
            )
        # __pycache__ and the like are pruned silently, as anywhere else.
        return frozenset(owned & {entry.name for entry in entries}) - PRUNED_DIRS

    def _small_text(self, *names: str) -> str:
        """The first of these root-relative files that is a plain, readable file, or ""."""
        for name in names:
            path = self.root / name
            if safeio.is_plain_file(path):
                try:
                    data = safeio.read_bytes(path, limit=MAX_TEXT_BYTES, root=self.root)
                except OSError:
                    return ""
                return data.decode("utf-8", errors="replace")
        return ""

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
            # The git index is the truth: a tracked file is audited even when .gitignore'd, but
            # never when the user excluded it.
            if self._user_excluded(rel, True):
                return
            if _is_ignored(rel, True, specs) and rel not in self._tracked_dirs:
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

    def _user_excluded(self, rel: str, is_dir: bool) -> bool:
        return self._exclude is not None and bool(self._exclude.match(rel, is_dir))

    def _add_file(self, entry: os.DirEntry[str], rel: str, specs: list[_Spec]) -> None:
        if self._user_excluded(rel, False):
            self.ignored.append(rel)
            return
        if _is_ignored(rel, False, specs) and rel not in (self.tracked or ()):
            self.ignored.append(rel)
            return
        reason = file_reason(rel)
        if reason is not None:
            self.excluded[rel] = reason
            return
        self.files.append(rel)
        try:
            self._sizes[rel] = entry.stat(follow_symlinks=False).st_size
        except OSError as exc:
            self.skipped[rel] = f"unreadable: {exc.strerror}"

    def _left_out(self, rel_dir: str, entries: list[os.DirEntry[str]]) -> bool:
        """Vendored copies and template sources: pruned, listed in `excluded` with the reason."""
        names = [entry.name for entry in entries]
        if not rel_dir:
            if "copier.yml" in names or "copier.yaml" in names:
                self._template_root = copier_subdirectory(
                    self._small_text("copier.yml", "copier.yaml")
                )
            return False
        reason = None if rel_dir in self._adopted else directory_reason(rel_dir, names)
        if reason is None and rel_dir == self._template_root:
            reason = "template source (the Copier template's _subdirectory)"
        if reason is not None:
            self.excluded[rel_dir + "/"] = reason
        return reason is not None

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
        cached = self._text.get(rel)
        if cached is not None or rel in self.skipped:
            return cached
        text = self._read_text(rel)
        if text is not None:
            self._text.put(rel, text)
        return text

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
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            try:  # Windows editors save requirements.txt and the like as UTF-16
                return data.decode("utf-16")
            except UnicodeDecodeError:
                self.skipped[rel] = "invalid UTF-16 (not read)"
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
        return self._parse(rel, "yaml", load_yaml)

    def toml(self, rel: str) -> dict[str, Any] | None:
        result: dict[str, Any] | None = self._parse(rel, "toml", safeio.loads_toml)
        return result

    def json(self, rel: str) -> Any:
        return self._parse(rel, "json", safeio.loads_json)

    def python(self, rel: str) -> ast.Module | None:
        result: ast.Module | None = self._parse(rel, "python", lambda t: parse_python(t, rel))
        return result

    def parse_as(self, rel: str, kind: str, parser: Any) -> Any:
        """Parsed with a detector's own parser (e.g. JSONC), cached and recorded like the rest."""
        return self._parse(rel, kind, parser)

    def _parse(self, rel: str, kind: str, parser: Any) -> Any:
        key = (rel, kind)
        if rel in self.parse_errors or rel in self.excluded:
            return None
        if key not in self._parsed:
            text = self.text(rel)
            value = None
            if text is not None:
                try:
                    value = parser(text)
                except Exception as exc:
                    if looks_templated(text):  # a template's source, not broken code or config
                        self.excluded[rel] = "template source (Jinja markup)"
                    else:
                        self.parse_errors[rel] = _describe_parse_error(kind, exc)
            if value is not None:
                self._parsed.put(key, value, len(text or ""))
            return value
        return self._parsed.get(key)

    def python_files(self) -> list[str]:
        return self.match("*.py")

    def iter_python(
        self, *needles: str, only: Callable[[str], bool] | None = None
    ) -> Iterable[tuple[str, ast.Module]]:
        """Parsed Python files; with `needles`, only files whose text contains one of them
        (a substring test is much cheaper than a parse, and most files mention none); with
        `only`, only the paths it accepts (e.g. application code, not tests).

        A candidate that does not parse is recorded in `undecided`: the check reading it cannot
        tell what that file holds, so the engine will not let it pass or turn N/A silently."""
        for rel in self.python_files():
            if only is not None and not only(rel):
                continue
            if needles:
                text = self.text(rel)
                if text is None or not any(needle in text for needle in needles):
                    continue
            self.reading = rel
            tree = self.python(rel)
            if tree is not None:
                yield rel, tree
            elif rel in self.parse_errors:
                line, message = self.parse_errors[rel]
                self.undecided[rel] = f"{rel}:{line}: {message}" if line else f"{rel}: {message}"
        self.reading = None

    def fact(self, name: str, compute: Callable[[], T]) -> T:
        """A fact several detectors share (env reads, CI commands), computed once per audit."""
        if name not in self._facts:
            before = set(self.undecided)
            value = compute()
            unread = {k: v for k, v in self.undecided.items() if k not in before}
            self._facts[name] = (value, unread)
        found, unread = self._facts[name]
        self.undecided.update(unread)  # every check using the fact is as undecided as its source
        result: T = found
        return result

    # ----- what the current check could not read (the engine turns it into "unknown") ------

    def begin_check(self) -> None:
        self.reading = None
        self.undecided = {}

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


# Python 3.12 syntax this interpreter (3.11) cannot parse: PEP 695 `type X = ...` aliases and
# `def f[T]` / `class C[T]` type parameters. Rewritten within their lines (line numbers hold).
_PEP695 = (
    (re.compile(r"^([ \t]*)type[ \t]+(\w+)[ \t]*(?:\[[^\]\n]*\])?[ \t]*=", re.M), r"\1\2 ="),
    (re.compile(r"^([ \t]*(?:async[ \t]+)?def[ \t]+\w+)\[[^\]\n]*\](?=[ \t]*\()", re.M), r"\1"),
    (re.compile(r"^([ \t]*class[ \t]+\w+)\[[^\]\n]*\](?=[ \t]*[(:])", re.M), r"\1"),
)


def parse_python(text: str, rel: str) -> ast.Module:
    """The module's AST; code in newer syntax (type parameters) is read after a line-preserving
    rewrite, so a project on Python 3.12+ is not 'unparsable' to the audit."""
    try:
        return ast.parse(text, rel)
    except SyntaxError:
        rewritten = text
        for pattern, replacement in _PEP695:
            rewritten = pattern.sub(replacement, rewritten)
        if rewritten == text:
            raise
        try:
            return ast.parse(rewritten, rel)
        except SyntaxError:
            pass
        raise


def _parent_dirs(paths: Iterable[str]) -> frozenset[str]:
    parents: set[str] = set()
    for path in paths:
        position = path.find("/")
        while position != -1:
            parents.add(path[:position])
            position = path.find("/", position + 1)
    return frozenset(parents)


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


def load_yaml(text: str) -> Any:
    """The first document: libyaml when available, alias bombs and deep nesting refused."""
    return safeio.loads_yaml(text)


def _describe_parse_error(kind: str, exc: Exception) -> tuple[int | None, str]:
    if isinstance(exc, RecursionError | MemoryError):
        # Valid but too deep for the parser: the file is not broken, the audit is limited.
        return None, f"{TOO_DEEP} ({type(exc).__name__})"
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


# ----- memory-bounded caches -------------------------------------------------------------------
# A real tree (a copied site-packages: 30,000 files, 200 MB of text) does not fit in memory as
# text plus syntax trees. Text is kept compressed (source compresses ~5x and decompresses far
# faster than it is read from disk); parsed forms, ~10x the size of their source, are kept only
# for the most recently used files.

TEXT_RAW_BYTES = 2048  # shorter texts are kept as they are
TEXT_UNCOMPRESSED_BUDGET = 64 * 1024 * 1024  # repositories under ~60 MB never pay for compression
PARSED_SOURCE_BUDGET = 2 * 1024 * 1024  # bytes of source whose parsed forms stay in memory


class TextCache:
    def __init__(self) -> None:
        self._items: dict[str, str | bytes] = {}
        self._raw = 0

    def get(self, rel: str) -> str | None:
        item = self._items.get(rel)
        if item is None or isinstance(item, str):
            return item
        return zlib.decompress(item).decode("utf-8", "surrogatepass")

    def put(self, rel: str, text: str) -> None:
        if len(text) <= TEXT_RAW_BYTES or self._raw + len(text) <= TEXT_UNCOMPRESSED_BUDGET:
            self._raw += len(text)
            self._items[rel] = text
        else:
            self._items[rel] = zlib.compress(text.encode("utf-8", "surrogatepass"), 1)

    def __contains__(self, rel: str) -> bool:
        return rel in self._items


class ParsedCache:
    """Least-recently-used parsed forms, bounded by the size of their sources."""

    def __init__(self, budget: int = PARSED_SOURCE_BUDGET) -> None:
        self._items: OrderedDict[tuple[str, str], tuple[Any, int]] = OrderedDict()
        self._budget = budget
        self._used = 0

    def __contains__(self, key: tuple[str, str]) -> bool:
        return key in self._items

    def get(self, key: tuple[str, str]) -> Any:
        found = self._items.get(key)
        if found is None:
            return None
        self._items.move_to_end(key)
        return found[0]

    def put(self, key: tuple[str, str], value: Any, size: int) -> None:
        self._items[key] = (value, size)
        self._used += size
        while self._used > self._budget and len(self._items) > 1:
            _, (_, dropped) = self._items.popitem(last=False)
            self._used -= dropped
