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
_DOTTED_IMPORT = re.compile(r"\n[ \t]*(?:from|import)[ \t]+([A-Za-z_][\w.]*)")


def imported_modules(text: str) -> set[str]:
    """Dotted module names a file imports (a regex: the stack is a property of the file)."""
    return set(_DOTTED_IMPORT.findall("\n" + text))


def is_rag_module(module: str) -> str | None:
    for known in RAG_MODULES:
        if module == known or module.startswith(known + "."):
            return known
    return None


def rag_evidence(index: RepoIndex) -> str | None:
    """The first application file that imports a vector store or retriever, or None."""
    for rel in index.python_files():
        if not is_app_code(rel):
            continue
        text = index.text(rel)
        if not text or not any(word in text for word in ("import",)):
            continue
        if any(is_rag_module(m) for m in imported_modules(text)):
            return rel
    return None
