"""Agent detectors that stand on agent code read from the AST: tool schemas, an approval step in
the graph, a checkpointer that persists state. Words in tests, docs or comments do not count."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from harness.audit.detectors.python_code import call_name
from harness.audit.index import RepoIndex
from harness.audit.layout import is_app_code
from harness.audit.model import Evidence, Outcome
from harness.audit.registry import NoParams, detector

Finder = Callable[[ast.AST], str | None]

TOOL_DECORATORS = frozenset({"tool", "function_tool", "tool_plain"})
TOOL_FACTORIES = frozenset(
    {"StructuredTool", "Tool", "FunctionTool", "from_function", "bind_tools"}
)
VALIDATORS = frozenset({"model_validate", "model_validate_json", "TypeAdapter", "validate_call"})
APPROVAL_CALLS = frozenset(
    {
        "interrupt",
        "HumanInTheLoopMiddleware",
        "HumanApprovalCallbackHandler",
        "ApprovalRequired",
        "DeferredToolRequests",
    }
)
APPROVAL_KEYWORDS = frozenset({"interrupt_before", "interrupt_after", "needs_approval"})
IN_MEMORY_SAVERS = frozenset({"MemorySaver", "InMemorySaver"})
PERSISTENT_SESSIONS = frozenset(
    {
        "SQLiteSession",
        "RedisSession",
        "SQLAlchemySession",
        "DatabaseSessionService",  # Google ADK
        "VertexAiSessionService",
    }
)
# The LangGraph server (langgraph.json) checkpoints every thread in its own database.
LANGGRAPH_SERVER = ("langgraph.json",)


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _walk_app(index: RepoIndex, needles: tuple[str, ...], find: Finder) -> Iterator[Evidence]:
    for rel, tree in index.iter_python(*needles, only=is_app_code):
        for node in ast.walk(tree):
            note = find(node)
            if note is not None:
                yield Evidence(rel, getattr(node, "lineno", None), note)


def _tool_schema(node: ast.AST) -> str | None:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if _last(call_name(target)) in TOOL_DECORATORS:
                return f"@{call_name(target)} on {node.name}"
    if isinstance(node, ast.Call):
        name = _last(call_name(node.func))
        if name in TOOL_FACTORIES or any(k.arg == "args_schema" for k in node.keywords):
            return f"{call_name(node.func)}(...)"
        if name in VALIDATORS:
            return f"arguments validated by {call_name(node.func)}"
    if isinstance(node, ast.ClassDef):
        bases = {_last(call_name(b)) for b in node.bases}
        fields = {
            t.id
            for s in node.body
            if isinstance(s, ast.AnnAssign | ast.Assign)
            for t in (s.targets if isinstance(s, ast.Assign) else [s.target])
            if isinstance(t, ast.Name)
        }
        if "BaseTool" in bases and "args_schema" in fields:
            return f"tool class {node.name} with args_schema"
    if isinstance(node, ast.Dict):
        keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
        if "name" in keys and keys & {"parameters", "input_schema"}:
            return "JSON schema of a tool"
    return None


@detector("agent_tool_schemas")
def agent_tool_schemas(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when application code gives tools typed, validated arguments: @tool / @function_tool
    functions, args_schema, StructuredTool/bind_tools, JSON tool schemas, pydantic validation."""
    # Narrow needles: "tool(" and bare "parameters" matched most of a site-packages tree.
    needles = (
        "@tool",
        ".tool(",
        ".tool\n",
        "StructuredTool",
        "function_tool",
        "tool_plain",
        "Tool(",
        "args_schema",
        "bind_tools",
        "from_function",
        "model_validate",
        "TypeAdapter",
        "validate_call",
        '"parameters"',
        "'parameters'",
        '"input_schema"',
        "'input_schema'",
    )
    found = list(_walk_app(index, needles, _tool_schema))
    if found:
        return Outcome.passed(f"tool arguments typed: {found[0].note}", *found[:5])
    return Outcome.failed("no tool schema or argument validation in application code")


def _approval(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        name = call_name(node.func)
        if _last(name) in APPROVAL_CALLS:
            return f"{name}(...)"
        if _last(name) == "add_node" and node.args:
            first = node.args[0]
            label = first.value if isinstance(first, ast.Constant) else ""
            if isinstance(label, str) and any(
                w in label.lower() for w in ("approv", "human", "review")
            ):
                return f"graph node {label!r}"
        for keyword in node.keywords:
            value = keyword.value
            if keyword.arg in APPROVAL_KEYWORDS and not _empty(value):
                return f"{keyword.arg}= in {name}(...)"
            if (
                keyword.arg == "human_input"
                and isinstance(value, ast.Constant)
                and value.value is True
            ):
                return f"human_input=True in {name}(...)"
            if (
                keyword.arg == "human_input_mode"
                and isinstance(value, ast.Constant)
                and value.value in ("ALWAYS", "TERMINATE")
            ):
                return f"human_input_mode={value.value!r} in {name}(...)"
    if isinstance(node, ast.Raise) and node.exc is not None:
        target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        if _last(call_name(target)) in APPROVAL_CALLS:
            return f"raise {call_name(target)}"
    return None


def _empty(value: ast.expr) -> bool:
    if isinstance(value, ast.Constant):
        return value.value in (None, False, "")
    return isinstance(value, ast.List | ast.Tuple) and not value.elts


@detector("agent_approval_step")
def agent_approval_step(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when the agent has a human-approval step in code: LangGraph interrupt() or
    interrupt_before/after, an approval node, human-in-the-loop middleware, CrewAI human_input,
    AutoGen human_input_mode, openai-agents needs_approval, pydantic-ai ApprovalRequired."""
    needles = (
        "interrupt(",
        "interrupt_before",
        "interrupt_after",
        "human_input",
        "needs_approval",
        "HumanInTheLoop",
        "HumanApproval",
        "ApprovalRequired",
        "DeferredToolRequests",
        "add_node",
    )
    found = list(_walk_app(index, needles, _approval))
    if found:
        return Outcome.passed(f"approval step: {found[0].note}", *found[:5])
    return Outcome.failed("no interrupt or approval step in the agent's code")


def _saver(node: ast.AST) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    name = call_name(node.func)
    parts = name.split(".")
    owner = next(
        (p for p in reversed(parts) if p.endswith("Saver") or p in PERSISTENT_SESSIONS), ""
    )
    if owner in IN_MEMORY_SAVERS:
        return "in-memory:" + name
    if owner:
        return f"{name}(...)"
    for keyword in node.keywords:
        uri = keyword.value
        if (
            keyword.arg == "session_service_uri"
            and isinstance(uri, ast.Constant)
            and isinstance(uri.value, str)
            and not uri.value.startswith("memory")
        ):
            return f"session_service_uri={uri.value.split(':', 1)[0]}:..."
        if keyword.arg == "checkpointer" and not _empty(keyword.value):
            value = keyword.value
            inner = call_name(value.func) if isinstance(value, ast.Call) else call_name(value)
            if _last(inner) in IN_MEMORY_SAVERS:
                return "in-memory:" + inner
            called = "(...)" if isinstance(value, ast.Call) else ""
            return f"checkpointer={inner or '...'}{called}"
    return None


@detector("agent_checkpointer")
def agent_checkpointer(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when the agent builds a checkpointer that persists run state (SqliteSaver,
    PostgresSaver, RedisSaver..., a checkpointer= argument, an openai-agents SQLiteSession);
    an in-memory saver alone fails: state is lost on restart."""
    needles = (
        "Saver",
        "checkpointer",
        "SQLiteSession",
        "RedisSession",
        "SQLAlchemySession",
        "SessionService",
        "session_service_uri",
    )
    found = list(_walk_app(index, needles, _saver))
    persistent = [e for e in found if not e.note.startswith("in-memory:")]
    server = index.match(*LANGGRAPH_SERVER)
    if server and not persistent:
        note = "served by the LangGraph server, which checkpoints threads in its database"
        return Outcome.passed(
            f"state persisted: {server[0]} {note}", Evidence(server[0], None, note)
        )
    if persistent:
        return Outcome.passed(f"state persisted: {persistent[0].note}", *persistent[:5])
    if found:
        return Outcome.failed(
            "only an in-memory checkpointer: run state is lost on restart",
            *(Evidence(e.path, e.line, e.note.removeprefix("in-memory:")) for e in found),
        )
    return Outcome.failed("no checkpointer object in the agent's code")
