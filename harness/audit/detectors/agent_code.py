"""Agent detectors that stand on agent code read from the AST: tool schemas, an approval step in
the graph, a checkpointer that persists state. Words in tests, docs or comments do not count."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import replace

from harness.audit.detectors.agent_tools import TOOL_DECORATORS, agent_tools
from harness.audit.detectors.python_code import base_names, call_name, last_name
from harness.audit.index import RepoIndex
from harness.audit.layout import is_app_code
from harness.audit.model import Evidence, Outcome
from harness.audit.registry import NoParams, detector

Finder = Callable[[ast.AST], str | None]

# create_agent / create_react_agent / ToolNode wrap plain typed functions into StructuredTools
# whose argument schema is inferred from the signature and checked before the call.
TOOL_FACTORIES = frozenset(
    {
        "StructuredTool",
        "Tool",
        "FunctionTool",
        "from_function",
        "bind_tools",
        "create_agent",
        "create_react_agent",
        "ToolNode",
    }
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
            if last_name(target) in TOOL_DECORATORS:
                return f"@{call_name(target)} on {node.name}"
    if isinstance(node, ast.Call):
        name = last_name(node.func)
        if name in TOOL_FACTORIES or any(k.arg == "args_schema" for k in node.keywords):
            return f"{call_name(node.func)}(...)"
        if name in VALIDATORS and _names_arguments(node):
            return f"arguments validated by {call_name(node.func)}"
    if isinstance(node, ast.ClassDef):
        bases = base_names(node)
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


def _names_arguments(call: ast.Call) -> bool:
    """`Args.model_validate(tool_call["args"])`, `model_validate_json(call.function.arguments)`:
    a validator counts for tools only when what it validates is a tool call's arguments."""
    for arg in [*call.args, *(k.value for k in call.keywords)]:
        for node in ast.walk(arg):
            if isinstance(node, ast.Constant) and node.value in ("args", "arguments"):
                return True
            if isinstance(node, ast.Attribute) and node.attr in ("args", "arguments"):
                return True
            if isinstance(node, ast.Name) and "arg" in node.id.lower():
                return True
    return False


def _is_tool_call(node: ast.expr) -> bool:
    """`tool_call`, `tc`, `msg.tool_calls[0]`: an expression naming one call the model made."""
    if isinstance(node, ast.Subscript):
        return call_name(node.value).endswith("tool_calls")
    name = last_name(node).lower()
    return name in ("tc", "call") or name.endswith("tool_call")


def _raw_args(node: ast.expr) -> bool:
    """`tool_call["args"]`: the model's arguments as the raw dict it sent."""
    return (
        isinstance(node, ast.Subscript)
        and isinstance(node.slice, ast.Constant)
        and node.slice.value == "args"
        and _is_tool_call(node.value)
    )


def _raw_uses(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Where the model's tool arguments are used without the tool's schema: a field read off
    the raw dict (`tool_call["args"]["to"]`, or through a variable bound to it) or the dict
    spread into a function (`upsert(**tc["args"])`). Passing it to `tool.invoke(...)` validates
    it against the tool's schema, so that is not a raw use."""
    for scope in ast.walk(tree):
        if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        aliases = {
            t.id
            for n in ast.walk(scope)
            if isinstance(n, ast.Assign) and _raw_args(n.value)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        for node in ast.walk(scope):
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                inner = node.value
                raw = _raw_args(inner) or (isinstance(inner, ast.Name) and inner.id in aliases)
                if raw and isinstance(node.slice.value, str) and node.slice.value != "args":
                    yield node.lineno, f"field {node.slice.value!r} read off the raw tool-call args"
            elif isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg is None and _raw_args(keyword.value):
                        yield node.lineno, f"raw tool-call args spread into {call_name(node.func)}"


def _hand_parsed(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """A tool taking one free-text argument it splits or decodes itself (`to|subject|body`):
    the schema says "a string", so nothing checks what the model put in it."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        decorators = [d.func if isinstance(d, ast.Call) else d for d in node.decorator_list]
        if not any(last_name(d) in TOOL_DECORATORS for d in decorators):
            continue
        params = {a.arg for a in node.args.args + node.args.kwonlyargs} - {"self", "cls"}
        for inner in ast.walk(node):
            if not isinstance(inner, ast.Call):
                continue
            func = inner.func
            split = (
                isinstance(func, ast.Attribute)
                and func.attr in ("split", "rsplit")
                and isinstance(func.value, ast.Name)
                and func.value.id in params
            )
            decoded = (
                call_name(func) in ("json.loads", "loads")
                and bool(inner.args)
                and isinstance(inner.args[0], ast.Name)
                and inner.args[0].id in params
            )
            if split or decoded:
                how = "split" if split else "decoded"
                yield (
                    inner.lineno,
                    f"tool {node.name} parses its free-text argument by hand ({how})",
                )
                break


def _code_agents(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """smolagents' CodeAgent runs Python the model writes, which calls the tools directly."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and last_name(node.func) == "CodeAgent":
            yield node.lineno, "CodeAgent runs model-written Python that calls the tools directly"


def _adk_function(index: RepoIndex, found: Evidence) -> bool:
    """Google ADK's FunctionTool declares the signature to the model but calls the function
    with the arguments as the model sent them; AutoGen's FunctionTool validates them."""
    text = index.text(found.path) or ""
    return found.note == "FunctionTool(...)" and "google.adk" in text and "autogen" not in text


BYPASS_NEEDLES = ('"args"', "'args'", "CodeAgent", "@tool", "@function_tool", "tool_plain")


@detector("agent_tool_schemas")
def agent_tool_schemas(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when application code gives tools typed, validated arguments: @tool / @function_tool
    / @kernel_function functions, args_schema, StructuredTool/bind_tools, JSON tool schemas,
    pydantic validation of a tool call's arguments. Fails, schemas or not, where the model's
    arguments bypass them: fields read off the raw tool-call dict, the dict spread into a
    function, or a smolagents CodeAgent (the model writes the code that calls the tools)."""
    bypass = [
        Evidence(rel, line, note)
        for rel, tree in index.iter_python(*BYPASS_NEEDLES, only=is_app_code)
        for line, note in [*_raw_uses(tree), *_code_agents(tree), *_hand_parsed(tree)]
    ]
    if bypass:
        return Outcome.failed(f"tool arguments bypass validation: {bypass[0].note}", *bypass[:5])
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
        "kernel_function",
        "create_agent",
        "create_react_agent",
        "ToolNode",
        "model_validate",
        "TypeAdapter",
        "validate_call",
        '"parameters"',
        "'parameters'",
        '"input_schema"',
        "'input_schema'",
    )
    found = [e for e in _walk_app(index, needles, _tool_schema) if not _adk_function(index, e)]
    found = found or _declared_crewai_tools(index)
    if found:
        return Outcome.passed(f"tool arguments typed: {found[0].note}", *found[:5])
    return Outcome.failed("no tool schema or argument validation in application code")


# CrewAI agents declared in files: `"tools": ["SerperDevTool"]` (JSON) or `tools: [...]` (YAML).
_DECLARED_TOOLS = re.compile(r"""["']?tools["']?\s*:\s*\[([^\]]*)\]""")
_TOOL_CLASS = re.compile(r"""^\s*["']?([A-Z]\w*Tool)["']?\s*$""")
AGENT_FILES = ("*.json", "*.jsonc", "*.yaml", "*.yml")


def _declared_crewai_tools(index: RepoIndex) -> list[Evidence]:
    """Tools an agent file names by class (`SerperDevTool`) in a CrewAI project: crewai_tools'
    tools are BaseTools with a pydantic args_schema, which CrewAI validates before the call."""
    if not any("crewai" in (index.text(rel) or "") for rel in _manifests(index)):
        return []
    found: list[Evidence] = []
    for rel in index.match(*AGENT_FILES):
        text = index.text(rel) or ""
        if not is_app_code(rel) or "tools" not in text:
            continue
        for match in _DECLARED_TOOLS.finditer(text):
            names = [
                m.group(1) for part in match.group(1).split(",") if (m := _TOOL_CLASS.match(part))
            ]
            if names:
                line = text.count("\n", 0, match.start()) + 1
                found.append(Evidence(rel, line, f"{names[0]} declared in an agent file"))
    return found


def _manifests(index: RepoIndex) -> list[str]:
    return index.match("pyproject.toml", "requirements*.txt", "setup.py", "setup.cfg")


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
        if last_name(target) in APPROVAL_CALLS:
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
    AutoGen human_input_mode, openai-agents needs_approval, pydantic-ai ApprovalRequired.
    Without one it fails, naming the side-effecting tools when it finds them, unless every tool
    it finds only reads or computes (and none is loaded at run time): then nothing needs
    approval and the check does not apply."""
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
    given = agent_tools(index)
    acting = [tool for tool in given.tools if tool.acts]
    if acting:
        names = ", ".join(tool.name for tool in acting[:3])
        return Outcome.failed(
            f"no approval step before side-effecting tools: {names}",
            *(replace(tool.where, note=f"{tool.name}: {tool.acts}") for tool in acting[:5]),
        )
    if given.tools and given.runtime is None:
        names = ", ".join(sorted({tool.name for tool in given.tools})[:5])
        return Outcome.not_applicable(
            f"the agent's tools only read or compute ({names}): nothing to approve"
        )
    return Outcome.failed("no interrupt or approval step in the agent's code")


# openai-agents' session interface, and pydantic-ai's documented way of storing a run's messages.
SESSION_BASES = frozenset({"SessionABC", "Session"})
HISTORY_SERIALISERS = frozenset({"ModelMessagesTypeAdapter", "to_jsonable_python"})


def _saver(node: ast.AST) -> str | None:
    if isinstance(node, ast.ClassDef):
        bases = base_names(node)
        if bases & SESSION_BASES and any(
            isinstance(f, ast.AsyncFunctionDef | ast.FunctionDef) and f.name == "add_items"
            for f in node.body
        ):
            return f"session store {node.name} (an agents SDK Session kept outside memory)"
        return None
    if (
        isinstance(node, ast.Attribute)
        and node.attr in ("dump_json", "dump_python")
        and last_name(node.value) == "ModelMessagesTypeAdapter"
    ):
        return "run messages serialised with ModelMessagesTypeAdapter for a store"
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


def _in_memory_name(index: RepoIndex, found: Evidence) -> Evidence:
    """`checkpointer=memory` where the same file binds `memory = MemorySaver()`: in memory."""
    prefix = "checkpointer="
    if not found.note.startswith(prefix) or found.note.endswith(")"):
        return found
    name = found.note.removeprefix(prefix)
    tree = index.python(found.path)
    for node in ast.walk(tree) if tree is not None else ():
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
            and last_name(node.value.func) in IN_MEMORY_SAVERS
        ):
            return Evidence(found.path, found.line, f"in-memory:{name}")
    return found


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
        "SessionABC",
        "ModelMessagesTypeAdapter",
    )
    found = [_in_memory_name(index, e) for e in _walk_app(index, needles, _saver)]
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
