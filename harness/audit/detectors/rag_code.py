"""RAG detectors that read code: chunking set from configuration, not literals at the splitter."""

from __future__ import annotations

import ast

from harness.audit.detectors.python_code import call_name
from harness.audit.index import RepoIndex
from harness.audit.layout import is_app_code
from harness.audit.model import Evidence, Outcome
from harness.audit.registry import NoParams, detector

CHUNK_KEYWORDS = ("chunk_size", "chunk_overlap")
CONFIG_FILES = ("*.yml", "*.yaml", "*.toml")


def _configured(index: RepoIndex) -> tuple[dict[str, Evidence], list[Evidence]]:
    """Where each chunking knob comes from configuration, and the literals at call sites."""
    configured: dict[str, Evidence] = {}
    literal: list[Evidence] = []
    needles = ("chunk_size", "chunk_overlap", "CHUNK_SIZE", "CHUNK_OVERLAP")
    for rel, tree in index.iter_python(*needles, only=is_app_code):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg in CHUNK_KEYWORDS:
                        where = Evidence(
                            rel, node.lineno, f"{keyword.arg} in {call_name(node.func)}"
                        )
                        if isinstance(keyword.value, ast.Constant):
                            literal.append(where)
                        else:
                            configured.setdefault(keyword.arg, where)
            elif isinstance(node, ast.Attribute) and node.attr.lower() in CHUNK_KEYWORDS:
                # settings.CHUNK_OVERLAP read where the splitter is built
                name = node.attr.lower()
                configured.setdefault(name, Evidence(rel, node.lineno, f"{name} setting"))
            elif isinstance(node, ast.AnnAssign | ast.FunctionDef | ast.AsyncFunctionDef):
                for name in _declared(node):
                    configured.setdefault(name, Evidence(rel, node.lineno, f"{name} setting"))
    for rel in index.match(*CONFIG_FILES):
        for number, line in enumerate(index.lines(rel), start=1):
            for name in CHUNK_KEYWORDS:
                if name in line.lower():
                    configured.setdefault(name, Evidence(rel, number, f"{name} in {rel}"))
    return configured, literal


@detector("chunking_configurable")
def chunking_configurable(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when chunk size and overlap come from configuration (a settings field, a config
    file, a function parameter, a variable at the splitter), not literals at the splitter."""
    configured, literal = _configured(index)
    if all(name in configured for name in CHUNK_KEYWORDS):
        return Outcome.passed(
            "chunk size and overlap come from configuration",
            *(configured[name] for name in CHUNK_KEYWORDS),
        )
    if literal:
        return Outcome.failed("chunking is set by literals in code", *literal)
    missing = " and ".join(name for name in CHUNK_KEYWORDS if name not in configured)
    return Outcome.failed(f"no {missing} setting")


def _declared(node: ast.AnnAssign | ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """Settings/class fields and function parameters named like a chunking knob."""
    if isinstance(node, ast.AnnAssign):
        target = node.target
        named = isinstance(target, ast.Name) and target.id.lower() in CHUNK_KEYWORDS
        return [target.id.lower()] if named and isinstance(target, ast.Name) else []
    args = node.args.args + node.args.kwonlyargs
    return [a.arg.lower() for a in args if a.arg.lower() in CHUNK_KEYWORDS]
