"""Stack detection: which kinds of project this is, so checks that don't apply are N/A.

Each tag maps to the first file that gave it away; that file is the evidence in reports.
"""

from __future__ import annotations

import re

from harness.audit.index import RepoIndex, is_test_file

_UPLOAD_IMPORT = re.compile(
    r"^\s*from\s+(?:fastapi|starlette)\S*\s+import[^\n]*\bUploadFile\b", re.MULTILINE
)
_IMPORT = re.compile(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", re.MULTILINE)
# Dotted module paths, for tags a package root alone does not give (`google.genai`,
# `langchain_community.vectorstores`): matched by prefix against DOTTED_TAGS.
_DOTTED_IMPORT = re.compile(r"^\s*(?:from|import)\s+([A-Za-z_][\w.]*)", re.MULTILINE)
DOTTED_TAGS: dict[str, tuple[str, ...]] = {
    "llm": (
        "google.genai",
        "google.generativeai",
        "google.adk",
        "vertexai.generative_models",
        "langchain_",
        "huggingface_hub",
        "llama_cpp",
        "autogen_agentchat",
        "autogen_ext",
        "semantic_kernel",
        "haystack.components.generators",
        "smolagents",
        "crewai",
        "agents",
    ),
    "rag": (
        "langchain_community.vectorstores",
        "langchain_chroma",
        "langchain_pinecone",
        "langchain_qdrant",
        "langchain_postgres",
        "langchain_milvus",
        "langchain_weaviate",
        "langchain_elasticsearch",
        "langchain_community.retrievers",
        "langchain.retrievers",
        "langchain_text_splitters",
        "llama_index.core.indices",
        "llama_index.vector_stores",
        "haystack.document_stores",
        "haystack.components.retrievers",
        "pymilvus",
        "weaviate",
        "pinecone",
        "chromadb",
        "qdrant_client",
        "redisvl",
        "txtai",
    ),
    "agent": (
        "google.adk",
        "langchain.agents",
        "llama_index.core.agent",
        "autogen_agentchat",
        "semantic_kernel.agents",
        "haystack.components.agents",
    ),
}
_FROM_GOOGLE = re.compile(
    r"^\s*from\s+google\s+import\s+[^\n]*?\b(genai|generativeai|adk)\b", re.MULTILINE
)
_AGENTS_SDK = re.compile(
    r"^\s*from\s+agents\s+import\s+[^\n]*\b(?:Runner|function_tool)\b", re.MULTILINE
)
MODULE_TAGS: dict[str, frozenset[str]] = {
    "fastapi": frozenset({"fastapi"}),
    "llm": frozenset(
        {
            "openai",
            "anthropic",
            "litellm",
            "langchain",
            "langchain_core",
            "langchain_openai",
            "llama_index",
            "mistralai",
            "cohere",
            "groq",
            "ollama",
            "langgraph",
            "pydantic_ai",
            "google_genai",
            "together",
            "dspy",
            "instructor",
        }
    ),
    "rag": frozenset(
        {
            "bm25s",
            "rank_bm25",
            "chromadb",
            "pgvector",
            "faiss",
            "qdrant_client",
            "lancedb",
            "sqlite_vec",
            "sentence_transformers",
            "llama_index",
            "weaviate",
            "pinecone",
        }
    ),
    "agent": frozenset({"langgraph", "pydantic_ai", "crewai", "autogen", "smolagents", "agents"}),
}
WEB_FRAMEWORKS = frozenset({"fastapi", "flask", "django", "starlette", "streamlit", "gradio"})
FILE_TAGS: dict[str, tuple[str, ...]] = {
    "docker": ("Dockerfile", "Dockerfile.*", "*.Dockerfile", "Containerfile"),
    "compose": ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"),
    "github-actions": ("/.github/workflows/*.yml", "/.github/workflows/*.yaml"),
    "python": ("*.py", "/pyproject.toml", "/setup.py", "/setup.cfg"),
}
STACK_TAGS = (*FILE_TAGS, *MODULE_TAGS, "uploads", "app")


def detect_stack(index: RepoIndex) -> dict[str, str]:
    """Detected tags, each with the file that showed it."""
    stack: dict[str, str] = {}
    for tag, patterns in FILE_TAGS.items():
        found = index.match(*patterns)
        if found:
            stack[tag] = found[0]
    for rel in index.python_files():
        if is_test_file(rel):
            continue
        text = index.text(rel) or ""
        modules = set(_IMPORT.findall(text))
        if "agents" in modules and not _AGENTS_SDK.search(text):
            modules.discard("agents")  # a package of the project's own, not openai-agents
        dotted = set(_DOTTED_IMPORT.findall(text))
        dotted |= {f"google.{m}" for m in _FROM_GOOGLE.findall(text)}
        for tag, wanted in MODULE_TAGS.items():
            if tag not in stack and (modules & wanted or _dotted_match(dotted, modules, tag)):
                stack[tag] = rel
        if "app" not in stack and modules & (WEB_FRAMEWORKS | MODULE_TAGS["llm"]):
            stack["app"] = rel
        if "uploads" not in stack and _UPLOAD_IMPORT.search(text):
            stack["uploads"] = rel
    return dict(sorted(stack.items()))


def _dotted_match(dotted: set[str], roots: set[str], tag: str) -> bool:
    for prefix in DOTTED_TAGS.get(tag, ()):
        if prefix == "agents":
            found = "agents" in roots  # the openai-agents SDK, checked above
        elif prefix.endswith("_"):
            found = any(m.startswith(prefix) for m in dotted)
        else:
            found = any(m == prefix or m.startswith(prefix + ".") for m in dotted)
        if found:
            return True
    return False


def applies(applies_to: list[str], stack: dict[str, str]) -> tuple[bool, str]:
    """Whether every condition holds ('a|b' = either); otherwise the reason it does not."""
    for condition in applies_to:
        options = condition.split("|")
        if not any(option in stack for option in options):
            return False, f"applies to {' or '.join(options)} projects; none detected"
    return True, ""
