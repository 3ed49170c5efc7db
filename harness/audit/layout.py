"""Where things live in real repositories: application code versus tests and docs, vendored
third-party copies and template sources (left out of the audit, with the reason), and the
recognisers of a stack that need more than a top-level import name."""

from __future__ import annotations

import re

from harness.audit.index import RepoIndex, is_test_file

_DOCS = re.compile(r"(^|/)(docs?|documentation)/")


def is_app_code(rel: str) -> bool:
    """Code the project runs: not tests, not documentation snippets."""
    return not is_test_file(rel) and not _DOCS.search(rel) and "/test/" not in f"/{rel}"


# Vector stores and retrievers, by the module a project imports them from.
RAG_MODULES = (
    "chromadb",
    "faiss",
    "qdrant_client",
    "pgvector",
    "pinecone",
    "weaviate",
    "lancedb",
    "pymilvus",
    "milvus",
    "sqlite_vec",
    "bm25s",
    "rank_bm25",
    "llama_index",
    "langchain_chroma",
    "langchain_qdrant",
    "langchain_pinecone",
    "langchain_postgres",
    "langchain_milvus",
    "langchain_weaviate",
    "langchain_elasticsearch",
    "langchain_mongodb",
    "langchain_community.vectorstores",
    "langchain_community.retrievers",
    "langchain.vectorstores",
    "langchain.retrievers",
    "langchain_core.vectorstores",
    "haystack.document_stores",
    "haystack_integrations.document_stores",
    "txtai",
    "vectordb",
    "docarray",
    "redisvl",
    "elasticsearch",
    "opensearchpy",
    "turbopuffer",
)
_IMPORT_WORD = re.compile(r"import[ \t]+([A-Za-z_][\w.]*)")


def imported_modules(text: str) -> set[str]:
    """Dotted module names a file imports (`import a.b`, `from a.b import c`, at any indent).
    The regex starts with a literal, so the engine jumps from one `import` to the next in C."""
    modules: set[str] = set()
    for match in _IMPORT_WORD.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        before = text[line_start : match.start()].strip()
        if not before:
            modules.add(match.group(1))
        elif before.startswith("from ") and len(parts := before.split()) == 2:
            modules.add(parts[1])
    return modules


def is_rag_module(module: str) -> str | None:
    for known in RAG_MODULES:
        if module == known or module.startswith(known + "."):
            return known
    return None


# One of these is in every file that imports a RAG module: most files are skipped unread by
# the import parser.
RAG_NEEDLES = tuple(sorted({m.split(".")[0].split("_")[0] for m in RAG_MODULES} | {"vectorstore"}))


def rag_evidence(index: RepoIndex) -> str | None:
    """The first application file that imports a vector store or retriever, or None."""
    for rel in index.python_files():
        if not is_app_code(rel):
            continue
        text = index.text(rel)
        if not text or not any(needle in text for needle in RAG_NEEDLES):
            continue
        if any(is_rag_module(m) for m in imported_modules(text)):
            return rel
    return None
