"""Detectors that read Python ASTs: routes and the environment variables code reads."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, Field

from harness.audit.detectors._common import plural
from harness.audit.index import RepoIndex
from harness.audit.model import Evidence, Outcome
from harness.audit.registry import NoParams, detector

ROUTE_METHODS = frozenset({"get", "head", "api_route", "route", "post"})
ENV_EXAMPLES = (".env.example", ".env.sample", ".env.template", "example.env", ".env.dist")
_ENV_KEY = re.compile(r"^\s*#?\s*(?:export\s+)?([A-Z][A-Z0-9_]*)\s*=", re.MULTILINE)


def call_name(node: ast.expr) -> str:
    """The dotted name a call targets: `a.b.c` for `a.b.c(...)`, '' when it is not a name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ".".join(reversed(parts)) if parts else ""


def string_arg(call: ast.Call, position: int = 0, keyword: str = "") -> str | None:
    if len(call.args) > position:
        arg = call.args[position]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg.value
    for kw in call.keywords:
        if kw.arg == keyword and isinstance(kw.value, ast.Constant):
            return str(kw.value.value)
    return None


class RouteParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    paths: list[str] = Field(min_length=1)


@detector("http_route_exists", RouteParams)
def http_route_exists(index: RepoIndex, params: RouteParams) -> Outcome:
    """Passes when a route decorator or add_api_route registers one of `paths`."""
    needles = tuple(f'"{path}"' for path in params.paths) + tuple(f"'{p}'" for p in params.paths)
    for rel, tree in index.iter_python(*needles):
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            method = call_name(node.func).rsplit(".", 1)[-1]
            path = string_arg(node, 0, "path")
            if path in params.paths and (method in ROUTE_METHODS or method == "add_api_route"):
                return Outcome.passed(f"route {path} in {rel}", Evidence(rel, node.lineno))
    return Outcome.failed(f"no route for {' or '.join(params.paths)}")


_ENV_READ = re.compile(
    r"""(?:getenv|environ\.get|environ\.setdefault)\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']"""
    r"""|environ\[\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*\]"""
)


def env_reads(text: str) -> Iterator[tuple[str, int]]:
    """Names read through os.getenv / os.environ (a regex: cheaper than an AST, same answer
    for the literal names that can be documented)."""
    for match in _ENV_READ.finditer(text):
        yield match.group(1) or match.group(2), text.count("\n", 0, match.start()) + 1


def settings_reads(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """Names read through pydantic-settings `BaseSettings` subclasses' fields."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and _is_settings_class(node):
            yield from _settings_fields(node)


def _is_test(rel: str) -> bool:
    return rel.startswith(("tests/", "test/")) or "/tests/" in rel


def _is_settings_class(node: ast.ClassDef) -> bool:
    return any(call_name(base).endswith("BaseSettings") for base in node.bases)


def _settings_fields(node: ast.ClassDef) -> Iterator[tuple[str, int]]:
    prefix = ""
    for statement in node.body:
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call):
            prefix = string_arg(statement.value, 99, "env_prefix") or prefix
    for statement in node.body:
        if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
            continue
        field = statement.target.id
        if field.startswith("_") or field == "model_config" or _is_classvar(statement):
            continue
        alias = None
        if isinstance(statement.value, ast.Call):
            alias = string_arg(statement.value, 99, "validation_alias") or string_arg(
                statement.value, 99, "alias"
            )
        yield (alias or f"{prefix}{field}").upper(), statement.lineno


def _is_classvar(statement: ast.AnnAssign) -> bool:
    return "ClassVar" in ast.unparse(statement.annotation)


@detector("env_example_complete")
def env_example_complete(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when .env.example lists every environment variable the code reads."""
    reads: dict[str, Evidence] = {}
    for rel in index.python_files():
        if not _is_test(rel) and "environ" in (text := index.text(rel) or ""):
            for key, line in env_reads(text):
                reads.setdefault(key, Evidence(rel, line, key))
    for rel, tree in index.iter_python("BaseSettings"):
        if not _is_test(rel):
            for key, line in settings_reads(tree):
                reads.setdefault(key, Evidence(rel, line, key))
    if not reads:
        return Outcome.not_applicable("the code reads no environment variables")
    examples = index.match(*(f"/{name}" for name in ENV_EXAMPLES))
    if not examples:
        return Outcome.failed(
            f"no .env.example for {plural(len(reads), 'variable')} the code reads"
        )
    documented = set(_ENV_KEY.findall(index.text(examples[0]) or ""))
    missing = [ev for key, ev in sorted(reads.items()) if key not in documented]
    if missing:
        names = ", ".join(ev.note for ev in missing)
        return Outcome.failed(f"{examples[0]} misses {names}", *missing)
    return Outcome.passed(
        f"{examples[0]} covers all {plural(len(reads), 'variable')}", Evidence(examples[0])
    )
