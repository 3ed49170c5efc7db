"""Small AST helpers and the `Where` record the LLM model's modules share."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Where:
    """A place in the repository and what was found there."""

    path: str
    line: int
    what: str

    def location(self) -> str:
        return f"{self.path}:{self.line}"


def dotted(node: ast.expr) -> str:
    """`a.b.c` for a Name/Attribute chain, '' otherwise."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def import_aliases(nodes: list[ast.AST]) -> dict[str, str]:
    """Local name -> fully qualified name, for absolute imports anywhere in the file."""
    aliases: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for name in node.names:
                if name.asname:
                    aliases[name.asname] = name.name
                else:
                    head = name.name.split(".", 1)[0]
                    aliases.setdefault(head, head)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for name in node.names:
                aliases[name.asname or name.name] = f"{node.module}.{name.name}"
    return aliases


def qualify(name: str, aliases: dict[str, str]) -> str:
    head, _, rest = name.partition(".")
    bare = head.split("(", 1)[0]
    if bare in aliases:
        return aliases[bare] + head[len(bare) :] + ("." + rest if rest else "")
    return name


def call_path(node: ast.expr) -> str:
    """Like `dotted`, through calls: `get_client().start_span` for that expression."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute | ast.Call):
        if isinstance(node, ast.Call):
            parts.append("()")
            node = node.func
        else:
            parts.append("." + node.attr)
            node = node.value
    if not isinstance(node, ast.Name):
        return ""
    return node.id + "".join(reversed(parts))


Kind = Literal["timeout", "retry", "trace"]


# A symbolic reference, resolved in phase two: a construction of this file (by index), a name
# bound in this file, or a call to a function of that name anywhere in the project (a factory).
Ref = tuple[Literal["ctor", "name", "factory"], str | int]


@dataclass(frozen=True)
class ModelRef:
    """Where a call's model name comes from: a literal in code, or configuration."""

    kind: Literal["literal", "config"]
    where: Where
