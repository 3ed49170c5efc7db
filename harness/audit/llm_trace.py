"""Tracing mechanisms that cover LLM calls project-wide, and the switches that turn them off.

A mechanism covers a set of call families ("all" for auto-instrumenting SDKs such as OpenLLMetry,
Weave or `mlflow.autolog()`); a call site is traced when a mechanism covering its family is set
up anywhere in the application, or when a tracing decorator or context manager wraps it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from harness.audit.llm_base import Where, call_path, dotted, qualify

ALL = "all"

# Instrumentor / autolog / logfire names -> the call families they cover.
_FLAVOURS: dict[str, tuple[str, ...]] = {
    "openai": ("openai", "openai-agents", "instructor"),
    "openai_agents": ("openai-agents",),
    "anthropic": ("anthropic",),
    "langchain": ("langchain",),
    "langgraph": ("langchain",),
    "llama_index": ("llamaindex",),
    "llamaindex": ("llamaindex",),
    "litellm": ("litellm",),
    "google_genai": ("google",),
    "gemini": ("google", "google-generativeai"),
    "google_generativeai": ("google-generativeai",),
    "vertexai": ("google-generativeai", "google"),
    "bedrock": ("bedrock",),
    "boto3": ("bedrock",),
    "groq": ("groq",),
    "mistralai": ("mistral",),
    "mistral": ("mistral",),
    "cohere": ("cohere",),
    "together": ("together",),
    "ollama": ("ollama",),
    "dspy": ("dspy",),
    "crewai": ("crewai",),
    "haystack": ("haystack",),
    "smolagents": ("smolagents",),
    "pydantic_ai": ("pydantic-ai",),
    "autogen": ("autogen",),
    "google_adk": ("google-adk",),
    "transformers": ("transformers",),
    "huggingface_hub": ("huggingface",),
}
_ALL_INIT = {
    "traceloop.sdk.Traceloop.init": "OpenLLMetry Traceloop.init",
    "weave.init": "Weave weave.init",
    "agentops.init": "AgentOps agentops.init",
    "mlflow.autolog": "MLflow mlflow.autolog",
    "openlit.init": "OpenLIT openlit.init",
    "langtrace_python_sdk.langtrace.init": "Langtrace init",
}
_DECORATORS = re.compile(
    r"(?:^|\.)(?:observe|traceable|trace|traced|op|instrument|span|start_as_current_span|"
    r"start_as_current_observation|start_as_current_generation|start_observation|start_span|"
    r"generation|agent_span|custom_span|workflow|task|tool_span)\Z"
)
_TRACE_PACKAGES = (
    "langfuse",
    "langsmith",
    "opentelemetry",
    "weave",
    "mlflow",
    "logfire",
    "agents",
    "traceloop",
    "agentops",
    "phoenix",
    "openlit",
    "tracer",
    "self.tracer",
    "self._tracer",
)
LANGSMITH_SWITCHES = ("LANGCHAIN_TRACING_V2", "LANGSMITH_TRACING", "LANGCHAIN_TRACING")
AGENTS_OFF = ("OPENAI_AGENTS_DISABLE_TRACING", "OPENAI_TRACING_DISABLED")
_ENV_LINE = re.compile(
    r"^\s*(?:export\s+|-\s+)?[\"']?("
    + "|".join(LANGSMITH_SWITCHES)
    + r")[\"']?\s*[=:]\s*[\"']?(\w*)",
    re.MULTILINE,
)


@dataclass
class TraceFacts:
    # (families covered, or ALL; where it is set up)
    mechanisms: list[tuple[tuple[str, ...], Where]] = field(default_factory=list)
    disabled: list[tuple[str, Where]] = field(default_factory=list)
    # Callback handlers trace only the runs they are passed to (`config={"callbacks": [h]}`).
    callbacks: list[Where] = field(default_factory=list)


def decorator_trace(qual: str) -> bool:
    """A decorator or context manager that records a span around what it wraps."""
    if not _DECORATORS.search(qual):
        return False
    head = qual.rsplit(".", 1)[0] if "." in qual else ""
    if not head:
        return qual in ("observe", "traceable", "trace", "traced")
    return head.startswith(_TRACE_PACKAGES) or "tracer" in head.lower() or "langfuse" in head


def _flavour(text: str) -> tuple[str, ...]:
    """Families named by an instrumentor or integration (`OpenAIInstrumentor`,
    `mlflow.langchain.autolog`, `logfire.instrument_openai`)."""
    low = text.lower()
    found: list[str] = []
    for name, families in sorted(_FLAVOURS.items(), key=lambda item: -len(item[0])):
        if name.replace("_", "") in low.replace("_", ""):
            found += [f for f in families if f not in found]
    return tuple(found)


def scan_trace(
    tree: ast.Module, nodes: list[ast.AST], aliases: dict[str, str], path: str
) -> TraceFacts:
    """Tracing set-ups in one file."""
    facts = TraceFacts()

    def add(families: tuple[str, ...], line: int, what: str) -> None:
        if families:
            facts.mechanisms.append((families, Where(path, line, what)))

    for module in aliases.values():
        if module.startswith("langfuse.openai"):
            add(("openai",), _import_line(tree, "langfuse.openai"), "Langfuse OpenAI drop-in")
    for node in nodes:
        if isinstance(node, ast.Call):
            name = call_path(node.func)
            qual = qualify(name, aliases) if name else ""
            _call_mechanism(node, name, qual, add, facts, path)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value in LANGSMITH_SWITCHES and _switch_context(tree, node):
                add(("langchain",), node.lineno, f"LangSmith switch {node.value}")
            elif node.value in AGENTS_OFF:
                facts.disabled.append(("openai-agents", Where(path, node.lineno, node.value)))
    return facts


def _call_mechanism(
    node: ast.Call,
    name: str,
    qual: str,
    add: Callable[[tuple[str, ...], int, str], None],
    facts: TraceFacts,
    path: str,
) -> None:
    last = qual.rsplit(".", 1)[-1]
    line = node.lineno
    if qual in _ALL_INIT or (last == "init" and qual.rsplit(".", 2)[-2:-1] == ["Traceloop"]):
        add((ALL,), line, _ALL_INIT.get(qual, "OpenLLMetry Traceloop.init"))
    elif qual.startswith("mlflow.") and last == "autolog":
        add(_flavour(qual) or (ALL,), line, f"MLflow {name}()")
    elif qual.startswith("logfire.instrument_"):
        add(_flavour(last.removeprefix("instrument_")), line, f"Logfire {name}()")
    elif qual.startswith("phoenix.otel.register") or qual == "phoenix.otel.register":
        if any(k.arg == "auto_instrument" and _true(k.value) for k in node.keywords):
            add((ALL,), line, "Phoenix register(auto_instrument=True)")
    elif last == "instrument" and isinstance(node.func, ast.Attribute):
        target = node.func.value
        inner = dotted(target.func) if isinstance(target, ast.Call) else dotted(target)
        inner = inner.rsplit(".", 1)[-1]
        if inner.endswith("Instrumentor"):
            add(_flavour(inner.removesuffix("Instrumentor")), line, f"{inner}().instrument()")
    elif "langfuse" in qual and last in ("CallbackHandler", "LangchainCallbackHandler"):
        if "llama_index" in qual:
            add(("llamaindex",), line, f"Langfuse {last}")
        else:
            facts.callbacks.append(Where(path, line, f"Langfuse {last}"))
    elif last == "LlamaIndexCallbackHandler" or last == "LlamaIndexInstrumentor":
        add(("llamaindex",), line, f"{last}")
    elif last == "set_global_handler" and node.args:
        add(("llamaindex",), line, f"LlamaIndex set_global_handler({ast.unparse(node.args[0])})")
    elif last in ("LangfuseConnector", "OpenTelemetryTracer") and "haystack" in qual:
        add(("haystack",), line, f"Haystack {last}")
    elif last in ("wrap_openai", "wrap_anthropic"):
        add(("openai",) if last == "wrap_openai" else ("anthropic",), line, f"LangSmith {last}")
    elif last in ("set_trace_processors", "add_trace_processor") and qual.startswith("agents"):
        add(("openai-agents",), line, f"openai-agents {last}")
    elif last == "set_tracing_disabled" and node.args and _true(node.args[0]):
        facts.disabled.append(("openai-agents", Where(path, line, "set_tracing_disabled(True)")))
    elif any(k.arg == "tracing_disabled" and _true(k.value) for k in node.keywords):
        facts.disabled.append(("openai-agents", Where(path, line, "tracing_disabled=True")))
    elif last == "Agent" and qual.startswith("pydantic_ai"):
        if any(k.arg == "instrument" and _true(k.value) for k in node.keywords):
            add(("pydantic-ai",), line, "pydantic-ai Agent(instrument=True)")
    elif last == "instrument_all" and qual.startswith("pydantic_ai"):
        add(("pydantic-ai",), line, "pydantic-ai Agent.instrument_all()")


def _true(node: ast.expr) -> bool:
    return not (isinstance(node, ast.Constant) and node.value in (False, None, 0, "false", "0"))


def _switch_context(tree: ast.Module, constant: ast.Constant) -> bool:
    """The LangSmith switch is set in code (`os.environ[...] = "true"`, `setdefault`), not only
    read: reading it proves nothing about whether it is on."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and target.slice is constant:
                    return _true(node.value)
        elif isinstance(node, ast.Call) and constant in node.args[:1]:
            name = ast.unparse(node.func)
            if name.endswith(("setdefault", "putenv")) and len(node.args) > 1:
                return _true(node.args[1])
    return False


def _import_line(tree: ast.Module, module: str) -> int:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(module):
            return node.lineno
        if isinstance(node, ast.Import) and any(n.name.startswith(module) for n in node.names):
            return node.lineno
    return 1


def langgraph_server(path: str) -> tuple[tuple[str, ...], Where]:
    """A LangGraph server deployment (langgraph.json) traces every run to LangSmith."""
    return (("langchain",), Where(path, 1, "LangGraph server (langgraph.json) traces to LangSmith"))


def env_switches(path: str, text: str) -> list[tuple[tuple[str, ...], Where]]:
    """LangSmith tracing switches in env examples, compose files and Dockerfiles."""
    found: list[tuple[tuple[str, ...], Where]] = []
    for match in _ENV_LINE.finditer(text):
        value = match.group(2).lower()
        if value in ("false", "0", "no", "off"):
            continue
        line = text.count("\n", 0, match.start()) + 1
        found.append((("langchain",), Where(path, line, f"LangSmith switch {match.group(1)}")))
    return found
