"""What the LLM call-site model recognises: SDK clients, framework models, call tails, tracers.

Names are fully qualified through the file's imports (`from langchain_openai import ChatOpenAI`
makes `ChatOpenAI` mean `langchain_openai.ChatOpenAI`), so a class called `OpenAI` of the
project's own is not mistaken for the SDK's. Each entry says which family it belongs to: the
family decides which tracing mechanisms cover it.
"""

from __future__ import annotations

import re
from typing import Literal

Role = Literal["client", "model", "function", "local"]

# Raw SDK clients: the call sites are method calls on them (`client.chat.completions.create`).
CLIENTS: dict[str, str] = {
    "openai.OpenAI": "openai",
    "openai.AsyncOpenAI": "openai",
    "openai.AzureOpenAI": "openai",
    "openai.AsyncAzureOpenAI": "openai",
    "anthropic.Anthropic": "anthropic",
    "anthropic.AsyncAnthropic": "anthropic",
    "anthropic.AnthropicBedrock": "anthropic",
    "anthropic.AsyncAnthropicBedrock": "anthropic",
    "anthropic.AnthropicVertex": "anthropic",
    "anthropic.AsyncAnthropicVertex": "anthropic",
    "google.genai.Client": "google",
    "groq.Groq": "groq",
    "groq.AsyncGroq": "groq",
    "mistralai.Mistral": "mistral",
    "mistralai.client.MistralClient": "mistral",
    "mistralai.async_client.MistralAsyncClient": "mistral",
    "cohere.Client": "cohere",
    "cohere.ClientV2": "cohere",
    "cohere.AsyncClient": "cohere",
    "cohere.AsyncClientV2": "cohere",
    "together.Together": "together",
    "together.AsyncTogether": "together",
    "ollama.Client": "ollama",
    "ollama.AsyncClient": "ollama",
    "huggingface_hub.InferenceClient": "huggingface",
    "huggingface_hub.AsyncInferenceClient": "huggingface",
    "fireworks.client.Fireworks": "fireworks",
    "cerebras.cloud.sdk.Cerebras": "cerebras",
}
# Method tails that make a call on a client of the family (matched on the last attributes).
CLIENT_TAILS: dict[str, tuple[tuple[str, ...], ...]] = {
    "openai": (
        ("chat", "completions", "create"),
        ("chat", "completions", "parse"),
        ("chat", "completions", "stream"),
        ("responses", "create"),
        ("responses", "parse"),
        ("responses", "stream"),
        ("completions", "create"),
        ("embeddings", "create"),
    ),
    "anthropic": (
        ("messages", "create"),
        ("messages", "stream"),
        ("messages", "parse"),
    ),
    "google": (
        ("models", "generate_content"),
        ("models", "generate_content_stream"),
        ("models", "embed_content"),
        ("chats", "create"),
    ),
    "groq": (("chat", "completions", "create"),),
    "mistral": (
        ("chat", "complete"),
        ("chat", "complete_async"),
        ("chat", "stream"),
        ("chat", "stream_async"),
        ("embeddings", "create"),
        ("chat",),
    ),
    "cohere": (("chat",), ("chat_stream",), ("generate",), ("embed",)),
    "together": (("chat", "completions", "create"), ("completions", "create")),
    "ollama": (("chat",), ("generate",), ("embed",), ("embeddings",)),
    "huggingface": (
        ("chat_completion",),
        ("text_generation",),
        ("chat", "completions", "create"),
        ("feature_extraction",),
    ),
    "fireworks": (("chat", "completions", "create"),),
    "cerebras": (("chat", "completions", "create"),),
    "bedrock": (
        ("invoke_model",),
        ("invoke_model_with_response_stream",),
        ("converse",),
        ("converse_stream",),
    ),
    "google-generativeai": (("generate_content",), ("generate_content_async",)),
}
# Tails specific enough to count on a client whose construction was not seen (a parameter, an
# injected dependency) when the file imports the family's package.
STRONG_TAILS: dict[str, tuple[str, ...]] = {
    "openai": ("openai",),
    "anthropic": ("anthropic",),
    "google": ("google.genai",),
    "groq": ("groq",),
    "mistral": ("mistralai",),
    "together": ("together",),
}
# Module-level functions that are call sites themselves.
FUNCTIONS: dict[str, str] = {
    "litellm.completion": "litellm",
    "litellm.acompletion": "litellm",
    "litellm.text_completion": "litellm",
    "litellm.embedding": "litellm",
    "litellm.aembedding": "litellm",
    "ollama.chat": "ollama",
    "ollama.generate": "ollama",
    "ollama.embed": "ollama",
    "ollama.embeddings": "ollama",
    "openai.ChatCompletion.create": "openai",
    "openai.ChatCompletion.acreate": "openai",
    "openai.Completion.create": "openai",
    "openai.Embedding.create": "openai",
    "cohere.chat": "cohere",
}
# Module-level default clients: `openai.chat.completions.create(...)` uses openai's own client.
MODULE_CLIENTS = frozenset({"openai", "anthropic", "ollama"})

# Framework models and agents: the construction is the call site (timeout, retry and model are
# configured there). Exact names, then package prefixes matched with a class-name pattern.
MODELS: dict[str, str] = {
    "langchain.chat_models.init_chat_model": "langchain",
    "langchain.chat_models.base.init_chat_model": "langchain",
    "langchain_openai.OpenAI": "langchain",
    "langchain_openai.AzureOpenAI": "langchain",
    "langchain_community.llms.Ollama": "langchain",
    "langchain_community.llms.OpenAI": "langchain",
    "langchain.llms.OpenAI": "langchain",
    "langchain_ollama.OllamaLLM": "langchain",
    "google.generativeai.GenerativeModel": "google-generativeai",
    "google.adk.agents.Agent": "google-adk",
    "google.adk.agents.LlmAgent": "google-adk",
    "google.adk.Agent": "google-adk",
    "pydantic_ai.Agent": "pydantic-ai",
    "dspy.LM": "dspy",
    "dspy.OpenAI": "dspy",
    "agents.Agent": "openai-agents",
    "crewai.LLM": "crewai",
    "crewai.Agent": "crewai",
    "litellm.Router": "litellm",
    "autogen_ext.models.openai.OpenAIChatCompletionClient": "autogen",
    "autogen_ext.models.openai.AzureOpenAIChatCompletionClient": "autogen",
    "vertexai.generative_models.GenerativeModel": "google-generativeai",
    "vertexai.preview.generative_models.GenerativeModel": "google-generativeai",
}
MODEL_PREFIXES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("langchain", re.compile(r"[A-Z]\w*\Z"), "langchain"),
    ("llama_index.llms.", re.compile(r"[A-Z]\w*\Z"), "llamaindex"),
    ("haystack", re.compile(r"\w*(?:Chat)?Generator\Z"), "haystack"),
    ("smolagents", re.compile(r"\w*Model\Z"), "smolagents"),
    ("pydantic_ai.models.", re.compile(r"\w+Model\Z"), "pydantic-ai"),
    ("agents", re.compile(r"OpenAI(?:ChatCompletions|Responses)Model\Z"), "openai-agents"),
    ("google.adk.models", re.compile(r"\w*(?:Llm|Gemini|Claude)\Z"), "google-adk"),
    (
        "semantic_kernel.connectors.ai",
        re.compile(r"\w*(?:ChatCompletion|TextCompletion|Prompt\w*)\Z"),
        "semantic-kernel",
    ),
)
# Local runtimes: no network, so timeouts and retries are not asked of them.
LOCAL: dict[str, str] = {
    "llama_cpp.Llama": "llama-cpp",
    "transformers.pipeline": "transformers",
    "transformers.AutoModelForCausalLM": "transformers",
    "transformers.AutoModelForSeq2SeqLM": "transformers",
    "vllm.LLM": "vllm",
}
LOCAL_TASKS = frozenset({"text-generation", "text2text-generation", "conversational"})

# Keyword arguments that configure a timeout or retries, at any depth of a constructor's
# arguments (`http_client=httpx.Client(timeout=30)`, `config=Config(read_timeout=...)`).
TIMEOUT_KEYS = frozenset(
    {
        "timeout",
        "request_timeout",
        "default_request_timeout",
        "read_timeout",
        "timeout_s",
        "timeout_seconds",
        "timeout_ms",
        "max_execution_time",
    }
)
RETRY_KEYS = frozenset(
    {
        "max_retries",
        "num_retries",
        "retries",
        "max_attempts",
        "retry",
        "retry_policy",
        "retry_options",
        "retry_config",
    }
)
MODEL_KEYS = (
    "model",
    "model_name",
    "model_id",
    "modelId",
    "deployment_name",
    "azure_deployment",
    "ai_model_id",
    "repo_id",
    "llm",
)
# Families whose models fall back to a library default when none is named: a construction that
# names none has its model fixed in code (the library's choice), not in configuration.
DEFAULT_MODEL_FAMILIES = frozenset({"langchain", "llamaindex", "smolagents", "haystack"})

# Calls that run a framework model or a chain built from one.
INVOKE_METHODS = frozenset(
    {
        "invoke",
        "ainvoke",
        "stream",
        "astream",
        "astream_events",
        "batch",
        "abatch",
        "predict",
        "apredict",
        "complete",
        "acomplete",
        "chat",
        "achat",
        "stream_chat",
        "stream_complete",
        "generate_content",
        "generate_content_async",
        "send_message",
        "run",
        "arun",
        "run_sync",
        "run_stream",
        "kickoff",
        "kickoff_async",
        "query",
        "aquery",
    }
)
# Methods that derive a runnable from a model: the result is the same model for our purposes.
DERIVE_METHODS = frozenset(
    {
        "bind_tools",
        "bind",
        "with_structured_output",
        "with_config",
        "with_fallbacks",
        "with_retry",
        "with_options",
        "configurable_fields",
        "as_query_engine",
        "as_chat_engine",
        "start_chat",
        "compile",
    }
)
# Functions that wrap a client or a model and return something that calls it.
WRAPPERS = frozenset(
    {
        "from_openai",
        "from_anthropic",
        "from_litellm",
        "from_provider",
        "patch",
        "wrap_openai",
        "wrap_anthropic",
        "create_react_agent",
        "create_agent",
        "create_tool_calling_agent",
        "create_openai_tools_agent",
        "AgentExecutor",
        "LLMChain",
        "RetrievalQA",
        "ConversationChain",
        "OpenAIChatCompletionsModel",
        "OpenAIResponsesModel",
        "OpenAIProvider",
        "OpenAIModel",
        "AnthropicProvider",
    }
)

PROVIDER_HOSTS = (
    "api.openai.com",
    "api.anthropic.com",
    "generativelanguage.googleapis.com",
    ":generateContent",
    ":streamGenerateContent",
    ":rawPredict",
    "api.groq.com",
    "api.mistral.ai",
    "api.cohere.ai",
    "api.cohere.com",
    "api.together.xyz",
    "openrouter.ai/api",
    "api.deepseek.com",
    "api-inference.huggingface.co",
    "router.huggingface.co",
    "api.fireworks.ai",
    "api.perplexity.ai",
    "openai.azure.com",
    ":11434/api/",
    "/v1/chat/completions",
)
HTTP_POSTS = frozenset({"post", "stream", "request"})
HTTP_MODULES = frozenset({"httpx", "requests", "aiohttp"})

# Import roots that show a file talks to models (also the stack's `llm` tag).
LLM_MODULES = frozenset(
    {
        "openai",
        "anthropic",
        "litellm",
        "langchain",
        "langchain_core",
        "langchain_community",
        "langgraph",
        "llama_index",
        "llama_cpp",
        "mistralai",
        "cohere",
        "groq",
        "ollama",
        "together",
        "pydantic_ai",
        "google.genai",
        "google.generativeai",
        "google.adk",
        "vertexai",
        "dspy",
        "instructor",
        "haystack",
        "smolagents",
        "crewai",
        "autogen",
        "autogen_agentchat",
        "autogen_ext",
        "huggingface_hub",
        "semantic_kernel",
        "vllm",
        "fireworks",
        "cerebras",
    }
)
# Imports of model libraries that make no model call by themselves (splitters, loaders, vector
# stores, graph plumbing, types): a project importing only these has no call to look for.
NO_CALL_IMPORTS = (
    "langchain_text_splitters",
    "langchain_core",
    "langchain.text_splitter",
    "langchain.schema",
    "langchain.prompts",
    "langchain.document_loaders",
    "langchain.vectorstores",
    "langchain.embeddings",
    "langchain_community.document_loaders",
    "langchain_community.vectorstores",
    "langchain_community.embeddings",
    "langchain_community.utilities",
    "langchain_community.tools",
    "langgraph",
    "huggingface_hub",
    "openai.types",
    "anthropic.types",
)
# Frameworks seen in imports whose model calls this model does not read: a project using only
# these is `unknown`, not `n/a`.
OPAQUE_MODULES = frozenset({"semantic_kernel", "autogen", "autogen_agentchat", "camel", "langroid"})
# Model calls through an HTTP client count only when the URL names a provider's API.
HTTP_CALLS = frozenset({"post", "request", "stream"})
