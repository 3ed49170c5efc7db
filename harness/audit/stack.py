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
# `langchain_community.vectorstores`): one regular expression per tag over the file's imports.
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


def _tag_pattern(prefixes: tuple[str, ...], google: str) -> re.Pattern[str]:
    alternatives = "|".join(
        re.escape(p) + (r"\w*" if p.endswith("_") else r"(?![\w])") for p in prefixes
    )
    if google:  # `from google import genai`
        alternatives += rf"|google[ \t]+import[ \t]+[^\n]*?\b(?:{google})\b"
    return re.compile(rf"^[ \t]*(?:from|import)[ \t]+(?:{alternatives})", re.MULTILINE)


_GOOGLE = {"llm": "genai|generativeai|adk", "agent": "adk", "rag": ""}
_DOTTED_PATTERNS = {
    tag: _tag_pattern(prefixes, _GOOGLE[tag]) for tag, prefixes in DOTTED_TAGS.items()
}
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
    "docker": (
        "Dockerfile",
        "dockerfile",
        "Dockerfile.*",
        "dockerfile.*",
        "*.Dockerfile",
        "*.dockerfile",
        "Containerfile",
    ),
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
        model_code = False
        for tag, wanted in MODULE_TAGS.items():
            if tag in stack and not (tag in ("llm", "agent") and "app" not in stack):
                continue
            if modules & wanted or _dotted_match(text, modules, tag):
                stack.setdefault(tag, rel)
                model_code = model_code or tag in ("llm", "agent")
        if "app" not in stack and (model_code or modules & WEB_FRAMEWORKS):
            stack["app"] = rel
        if "uploads" not in stack and _UPLOAD_IMPORT.search(text):
            stack["uploads"] = rel
    if "app" not in stack and "docker" in stack and "python" in stack:
        # Python shipped as an image is run as a service or a tool: it has configuration.
        stack["app"] = stack["docker"]
    return dict(sorted(stack.items()))


def _dotted_match(text: str, roots: set[str], tag: str) -> bool:
    if tag in ("llm", "agent") and "agents" in roots:  # the openai-agents SDK, checked above
        return True
    pattern = _DOTTED_PATTERNS.get(tag)
    return pattern is not None and pattern.search(text) is not None


def applies(applies_to: list[str], stack: dict[str, str]) -> tuple[bool, str]:
    """Whether every condition holds ('a|b' = either); otherwise the reason it does not."""
    for condition in applies_to:
        options = condition.split("|")
        if not any(option in stack for option in options):
            return False, f"applies to {' or '.join(options)} projects; none detected"
    return True, ""
