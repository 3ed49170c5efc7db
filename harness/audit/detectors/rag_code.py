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


# ----- citations -----------------------------------------------------------------------------

ANSWER_KEYS = frozenset({"answer", "response", "result", "output", "reply", "completion"})
SOURCE_KEYS = frozenset(
    {
        "sources",
        "citations",
        "citation",
        "references",
        "source_documents",
        "source_nodes",
        "source_docs",
        "retrieved_docs",
        "docs",
        "documents",
        "context",
        "contexts",
    }
)
# Names that are sources whatever sits next to them.
CITATION_NAMES = frozenset({"citations", "citation", "source_documents", "source_nodes"})
SOURCE_LISTS = frozenset({"sources", "citations", "references", "source_ids", "source_list"})


def _keys(node: ast.AST) -> set[str]:
    """The field names a response carries: dict keys, call keywords or class fields."""
    if isinstance(node, ast.Dict):
        return {
            k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
        }
    if isinstance(node, ast.Call):
        return {k.arg for k in node.keywords if k.arg}
    if isinstance(node, ast.ClassDef):
        return {
            s.target.id
            for s in node.body
            if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
        }
    return set()


def _citation(node: ast.AST) -> str | None:
    if isinstance(node, ast.keyword) and node.arg == "return_source_documents":
        value = node.value
        if not (isinstance(value, ast.Constant) and value.value in (False, None)):
            return "return_source_documents= on the chain"
    if isinstance(node, ast.Attribute) and node.attr in CITATION_NAMES:
        return f"reads .{node.attr} of the answer"
    if isinstance(node, ast.Dict | ast.Call | ast.ClassDef):
        keys = {k.lower() for k in _keys(node)}
        cited = keys & CITATION_NAMES
        paired = keys & SOURCE_KEYS if keys & ANSWER_KEYS else set()
        if cited or paired:
            field = sorted(cited or paired)[0]
            where = {ast.Dict: "response dict", ast.Call: "call", ast.ClassDef: "response model"}
            return f"{field} returned with the answer ({where[type(node)]})"
    if isinstance(node, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id in SOURCE_LISTS for t in node.targets
    ):
        reads = ast.walk(node.value)
        if any(isinstance(n, ast.Attribute) and n.attr == "metadata" for n in reads):
            return "source list built from the retrieved documents' metadata"
    return None


@detector("rag_citations")
def rag_citations(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when application code returns sources with the answer, read from its structure:
    a response model or dict with an answer and its sources/citations, a chain asked to return
    source documents, source nodes read off the response, a source list built from the retrieved
    documents' metadata. The words in comments, prompts or tests do not count."""
    needles = (
        "citation",
        "source_documents",
        "source_nodes",
        "sources",
        "references",
        "docs",
        "documents",
        "context",
    )
    found: list[Evidence] = []
    for rel, tree in index.iter_python(*needles, only=is_app_code):
        for node in ast.walk(tree):
            note = _citation(node)
            if note is not None:
                found.append(Evidence(rel, getattr(node, "lineno", None), note))
                break
        if len(found) >= 5:
            break
    if found:
        return Outcome.passed(f"answers carry their sources: {found[0].note}", *found)
    return Outcome.failed("answers are returned without their sources or citations")
