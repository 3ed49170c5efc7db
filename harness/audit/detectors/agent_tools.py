"""The tools an agent is given, and which of them act on the world.

`agent-human-approval` is about side-effecting tools: an agent whose every tool only searches,
reads or computes has nothing to approve, and failing it would flag the wrong thing. A tool acts
when its name says so (`send_email`, `cancel_flight`, CrewAI's `@tool("Create Draft")`) or its
body does (mail, a subprocess, a file or database write, an HTTP PUT/PATCH/DELETE). Tools are
found where frameworks declare them: tool decorators, `BaseTool` classes, and the functions or
library tools listed in `tools=[...]`, `bind_tools`, `ToolNode`, `FunctionTool`. Tools loaded at
run time (an MCP client, `load_tools`) cannot be read, so with those the set is never complete.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from harness.audit.detectors.python_code import base_names, call_name, last_name
from harness.audit.index import RepoIndex
from harness.audit.layout import is_app_code
from harness.audit.model import Evidence

TOOL_DECORATORS = frozenset({"tool", "function_tool", "tool_plain", "kernel_function"})
TOOL_BASES = frozenset({"BaseTool"})
# Calls whose arguments are tools: `bind_tools([a, b])`, `ToolNode([a])`, `FunctionTool(func=a)`.
LISTING_CALLS = frozenset({"bind_tools", "ToolNode", "FunctionTool", "from_function", "Tool"})
# The tools these hand over are defined elsewhere (an MCP server, a toolkit registry).
RUNTIME_SOURCES = frozenset(
    {
        "load_mcp_tools",
        "MultiServerMCPClient",
        "MCPToolset",
        "McpToolset",
        "MCPServerStdio",
        "MCPServerSse",
        "MCPServerStreamableHttp",
        "MCPTools",
        "load_tools",
        "get_tools",
    }
)
# The first word of a tool's name, when it is one of these, says the tool changes something.
ACTING_VERBS = frozenset(
    {
        "approve", "book", "buy", "cancel", "charge", "commit", "copy", "create", "delete",
        "deploy", "drop", "edit", "email", "exec", "execute", "insert", "invite", "issue",
        "merge", "modify", "move", "notify", "order", "pay", "post", "publish", "purchase",
        "push", "refund", "register", "remove", "rename", "reply", "reset", "revoke", "run",
        "save", "schedule", "sell", "send", "submit", "terminate", "trade", "transfer",
        "update", "upload", "write",
    }
)  # fmt: skip
# Anywhere in the name, these still do.
ACTING_ANYWHERE = frozenset({"send", "delete", "refund", "cancel", "transfer", "publish", "pay"})
ACTING_CALLS = frozenset(
    {
        "sendmail", "send_message", "send_email", "Popen", "check_call", "check_output",
        "rmtree", "unlink", "write_text", "write_bytes", "insert_one", "insert_many",
        "update_one", "update_many", "delete_one", "delete_many", "replace_one",
    }
)  # fmt: skip
ACTING_DOTTED = frozenset(
    {
        "os.system", "os.remove", "subprocess.run", "subprocess.call", "shutil.move",
        "requests.put", "requests.patch", "requests.delete",
        "httpx.put", "httpx.patch", "httpx.delete",
    }
)  # fmt: skip
WRITING_SQL = re.compile(r"\s*(insert|update|delete|drop|create|alter|truncate)\b", re.IGNORECASE)
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


@dataclass(frozen=True)
class Tool:
    name: str
    where: Evidence
    acts: str | None  # why it changes something, or None when it only reads or computes


@dataclass(frozen=True)
class AgentTools:
    tools: tuple[Tool, ...]
    runtime: Evidence | None  # where tools are loaded at run time, when they are


def agent_tools(index: RepoIndex) -> AgentTools:
    return index.fact("agent_tools", lambda: _collect(index))


def _collect(index: RepoIndex) -> AgentTools:
    functions: dict[str, tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = {}
    declared: dict[str, Tool] = {}
    listed: list[tuple[str, ast.expr]] = []
    runtime: Evidence | None = None
    for rel, tree in index.iter_python("tool", "Tool", only=is_app_code):
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions.setdefault(node.name, (rel, node))
                tool = _decorated(rel, node)
                if tool is not None:
                    declared.setdefault(f"{rel}:{node.name}", tool)
            elif isinstance(node, ast.ClassDef) and base_names(node) & TOOL_BASES:
                declared.setdefault(f"{rel}:{node.name}", _class_tool(rel, node))
            elif isinstance(node, ast.Call):
                name = last_name(node.func)
                if name in RUNTIME_SOURCES and runtime is None:
                    runtime = Evidence(rel, node.lineno, f"tools loaded at run time: {name}(...)")
                listed.extend((rel, item) for item in _listed(node, name))
            elif isinstance(node, ast.Assign) and _names_a_tool_list(node):
                listed.extend((rel, item) for item in node.value.elts)  # type: ignore[attr-defined]
    found = dict(declared)
    for rel, item in listed:
        if runtime is None and _built_at_run_time(item):
            runtime = Evidence(rel, item.lineno, "tools built at run time")
            continue
        tool = _resolve(rel, item, functions)
        if tool is not None:
            found.setdefault(f"{tool.where.path}:{tool.name}", tool)
    return AgentTools(tuple(found.values()), runtime)


def _decorated(rel: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> Tool | None:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if last_name(target) not in TOOL_DECORATORS:
            continue
        label = _first_string(decorator) if isinstance(decorator, ast.Call) else None
        names = [node.name, label] if label else [node.name]
        return Tool(label or node.name, Evidence(rel, node.lineno), _acts(names, [node]))
    return None


def _class_tool(rel: str, node: ast.ClassDef) -> Tool:
    label = next(
        (
            s.value.value
            for s in node.body
            if isinstance(s, ast.Assign | ast.AnnAssign)
            and isinstance(s.value, ast.Constant)
            and isinstance(s.value.value, str)
            and any(
                isinstance(t, ast.Name) and t.id == "name"
                for t in (s.targets if isinstance(s, ast.Assign) else [s.target])
            )
        ),
        None,
    )
    bodies: list[ast.AST] = [
        f for f in node.body if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    names = [node.name, label] if label else [node.name]
    return Tool(label or node.name, Evidence(rel, node.lineno), _acts(names, bodies))


def _first_string(call: ast.Call) -> str | None:
    named = [k.value for k in call.keywords if k.arg in ("name", "name_or_callable")]
    for arg in [*call.args, *named]:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg.value
    return None


def _listed(call: ast.Call, name: str) -> list[ast.expr]:
    """The tool expressions a call hands to an agent."""
    items: list[ast.expr] = []
    for keyword in call.keywords:
        if keyword.arg == "tools" and isinstance(keyword.value, ast.List | ast.Tuple):
            items.extend(keyword.value.elts)
        elif keyword.arg == "func" and name in LISTING_CALLS:
            items.append(keyword.value)
    if name in LISTING_CALLS and call.args:
        first = call.args[0]
        if isinstance(first, ast.List | ast.Tuple):
            items.extend(first.elts)
        elif name in ("FunctionTool", "from_function", "Tool"):
            items.append(first)  # one function; `bind_tools(tools)` names a list found elsewhere
    if name in ("create_react_agent", "create_agent") and len(call.args) > 1:
        second = call.args[1]
        if isinstance(second, ast.List | ast.Tuple):
            items.extend(second.elts)
    return items


def _names_a_tool_list(node: ast.Assign) -> bool:
    """`tools = [search, send_email]`, `AGENT_TOOLS = (...)`: the list an agent is given."""
    return (
        len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id.lower().endswith("tools")
        and isinstance(node.value, ast.List | ast.Tuple)
    )


def _built_at_run_time(item: ast.expr) -> bool:
    """`make_tools(config)`, `_func_from_string(src)`: a function call that returns tools
    (a class call such as `TavilySearch(...)` is a tool instance, read by its class name)."""
    if not isinstance(item, ast.Call):
        return False
    name = last_name(item.func)
    return not name or (name not in LISTING_CALLS and not name[0].isupper())


def _resolve(
    rel: str,
    item: ast.expr,
    functions: dict[str, tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]],
) -> Tool | None:
    if isinstance(item, ast.Call):  # a library tool built in place: `TavilySearch(max_results=3)`
        name = last_name(item.func)
        if name in LISTING_CALLS:
            return None  # `Tool(func=f)` is read when the walk reaches that call itself
        return Tool(name, Evidence(rel, item.lineno), _acts([name], [])) if name else None
    name = last_name(item)
    if not name or (name[0].isupper() and name not in functions):
        return None  # a class or constant named here is found by its own definition, if any
    if name in functions:
        where, node = functions[name]
        return Tool(name, Evidence(where, node.lineno), _acts([name], [node]))
    return Tool(name, Evidence(rel, item.lineno), _acts([name], []))


def _acts(names: list[str], bodies: list[ast.AST]) -> str | None:
    for name in names:
        words = [w.lower() for w in _WORDS.findall(name)]
        if words and (words[0] in ACTING_VERBS or set(words) & ACTING_ANYWHERE):
            return f"its name says it acts ({name})"
    for body in bodies:
        for node in ast.walk(body):
            if isinstance(node, ast.Call):
                reason = _acting_call(node)
                if reason is not None:
                    return f"it calls {reason}"
    return None


def _acting_call(call: ast.Call) -> str | None:
    dotted = call_name(call.func)
    last = dotted.rsplit(".", 1)[-1]
    if last in ACTING_CALLS or dotted in ACTING_DOTTED:
        return f"{dotted}(...) (line {call.lineno})"
    if last == "open" and len(call.args) > 1 and set(_text(call.args[1])) & set("wax+"):
        return f"open(..., {_text(call.args[1])!r}) (line {call.lineno})"
    if last == "execute" and call.args and WRITING_SQL.match(_text(call.args[0])):
        return f"{dotted}(...) writing SQL (line {call.lineno})"
    return None


def _text(node: ast.expr) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""
