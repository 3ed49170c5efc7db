"""Detectors that read Python ASTs: routes (environment reads live in `environment`)."""

from __future__ import annotations

import ast

from pydantic import BaseModel, ConfigDict, Field

from harness.audit.index import RepoIndex
from harness.audit.model import Evidence, Outcome
from harness.audit.registry import detector

ROUTE_METHODS = frozenset({"get", "head", "api_route", "route", "post"})


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


def last_name(node: ast.expr) -> str:
    """The last part of the name a call targets: `create` for `client.chat.completions.create`."""
    return call_name(node).rsplit(".", 1)[-1]


def base_names(node: ast.ClassDef) -> set[str]:
    """A class's bases by their last name: `BaseTool` for `crewai.tools.BaseTool`."""
    return {last_name(base) for base in node.bases}


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
    """Passes when a route registers one of `paths`: exactly, under a version or API prefix
    (`/api/v1/health`), or as `/` of a router mounted with such a prefix
    (`APIRouter(prefix="/health")`, a Flask `Blueprint(url_prefix=...)`)."""
    names = {path.rstrip("/").rsplit("/", 1)[-1] for path in params.paths}
    # Quoted path tails: a bare word ("ready") is in "already" and made thousands of files parse.
    needles = tuple(f"/{n}{end}" for n in names for end in ('"', "'", '/"', "/'"))
    for rel, tree in index.iter_python(*needles):
        prefixes = _router_prefixes(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            method = call_name(node.func).rsplit(".", 1)[-1]
            path = (
                string_arg(node, 0, "path") if method in ROUTE_METHODS | {"add_api_route"} else None
            )
            if path is None:
                continue
            full = [path, *(prefix.rstrip("/") + "/" + path.lstrip("/") for prefix in prefixes)]
            for candidate in full:
                trimmed = candidate.rstrip("/") or "/"
                if trimmed in params.paths or trimmed.rsplit("/", 1)[-1] in names:
                    return Outcome.passed(f"route {trimmed} in {rel}", Evidence(rel, node.lineno))
    return Outcome.failed(f"no route for {' or '.join(params.paths)}")


def _router_prefixes(tree: ast.Module) -> list[str]:
    prefixes = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and call_name(node.func).rsplit(".", 1)[-1] in (
            "APIRouter",
            "Blueprint",
            "include_router",
        ):
            prefix = string_arg(node, 99, "prefix") or string_arg(node, 99, "url_prefix")
            if prefix:
                prefixes.append(prefix)
    return prefixes
