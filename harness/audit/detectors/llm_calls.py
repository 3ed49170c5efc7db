"""Detectors over LLM SDK call sites, found by reading the AST (never by importing the code).

A call site is a call like `client.chat.completions.create(...)`, `client.messages.create(...)`,
`client.responses.create(...)` or `litellm.completion(...)`. For each we ask: does it have a
timeout, a retry policy, a trace around it, a configurable model?
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

from harness.audit.detectors.python_code import call_name
from harness.audit.index import RepoIndex, is_test_file
from harness.audit.model import Evidence, Outcome
from harness.audit.registry import NoParams, detector

SDK_TAILS = (
    ("chat", "completions", "create"),
    ("chat", "completions", "parse"),
    ("chat", "completions", "stream"),
    ("responses", "create"),
    ("responses", "parse"),
    ("responses", "stream"),
    ("messages", "create"),
    ("messages", "stream"),
    ("completions", "create"),
    ("embeddings", "create"),
)
LITELLM_CALLS = frozenset(
    {"litellm.completion", "litellm.acompletion", "completion", "acompletion"}
)
CLIENT_CLASSES = frozenset(
    {"OpenAI", "AsyncOpenAI", "AzureOpenAI", "AsyncAzureOpenAI", "Anthropic", "AsyncAnthropic"}
)
TRACE_DECORATORS = frozenset({"observe", "traceable", "trace", "traced", "instrument", "span"})
TRACE_CONTEXTS = frozenset(
    {
        "start_as_current_observation",
        "start_as_current_span",
        "start_as_current_generation",
        "start_span",
        "start_observation",
        "trace",
        "span",
        "observe",
    }
)
# Substrings a file must contain to hold a call site or a client; others are not parsed.
CALL_NEEDLES = (".create(", ".parse(", ".stream(", "completion(", "OpenAI(", "Anthropic(")
TIMEOUT_KWARGS = frozenset({"timeout", "request_timeout"})
RETRY_KWARGS = frozenset({"max_retries", "num_retries"})


@dataclass
class CallSite:
    path: str
    line: int
    kwargs: set[str]
    decorators: set[str] = field(default_factory=set)
    contexts: set[str] = field(default_factory=set)
    model_literal: bool = False


@dataclass
class ClientBuild:
    path: str
    kwargs: set[str]


class _Finder(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.sites: list[CallSite] = []
        self.clients: list[ClientBuild] = []
        self._decorators: list[set[str]] = []
        self._contexts: list[set[str]] = []

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._decorators.append({_last(call_name(_callee(d))) for d in node.decorator_list})
        self.generic_visit(node)
        self._decorators.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def _with(self, node: ast.With | ast.AsyncWith) -> None:
        names = {_last(call_name(_callee(item.context_expr))) for item in node.items}
        names |= {_text_hint(item.context_expr) for item in node.items}
        self._contexts.append(names)
        self.generic_visit(node)
        self._contexts.pop()

    visit_With = _with
    visit_AsyncWith = _with

    def visit_For(self, node: ast.For) -> None:
        self._contexts.append({_text_hint(node.iter)})
        self.generic_visit(node)
        self._contexts.pop()

    visit_AsyncFor = visit_For  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:
        name = call_name(node.func)
        if _last(name) in CLIENT_CLASSES:
            self.clients.append(ClientBuild(self.path, {k.arg for k in node.keywords if k.arg}))
        kwargs = _sdk_call_kwargs(node)
        if kwargs is not None or name in LITELLM_CALLS:
            self.sites.append(self._site(node, kwargs or set()))
        self.generic_visit(node)

    def _site(self, node: ast.Call, chain_kwargs: set[str]) -> CallSite:
        kwargs = {k.arg for k in node.keywords if k.arg} | chain_kwargs
        model = next((k.value for k in node.keywords if k.arg == "model"), None)
        return CallSite(
            self.path,
            node.lineno,
            kwargs,
            set().union(*self._decorators) if self._decorators else set(),
            set().union(*self._contexts) if self._contexts else set(),
            isinstance(model, ast.Constant) and isinstance(model.value, str),
        )


def _callee(node: ast.expr) -> ast.expr:
    return node.func if isinstance(node, ast.Call) else node


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _text_hint(node: ast.expr) -> str:
    text = ast.unparse(node)
    for hint in ("Retrying", "retry", "timeout", "fail_after", "wait_for"):
        if hint in text:
            return hint
    return ""


def _sdk_call_kwargs(node: ast.Call) -> set[str] | None:
    """For an SDK call site: kwargs given along the chain (`with_options(timeout=...)`)."""
    attrs: list[str] = []
    target: ast.expr = node.func
    chain_kwargs: set[str] = set()
    while isinstance(target, ast.Attribute | ast.Call):
        if isinstance(target, ast.Call):
            chain_kwargs |= {k.arg for k in target.keywords if k.arg}
            target = target.func
            continue
        attrs.append(target.attr)
        target = target.value
    attrs.reverse()
    if any(tuple(attrs[-len(tail) :]) == tail for tail in SDK_TAILS) and len(attrs) > 2:
        return chain_kwargs
    return None


def find_call_sites(index: RepoIndex) -> tuple[list[CallSite], list[ClientBuild], bool]:
    """Call sites, client constructions, and whether an auto-instrumentor is switched on."""
    sites: list[CallSite] = []
    clients: list[ClientBuild] = []
    instrumented = False
    for rel, tree in index.iter_python(*CALL_NEEDLES):
        if is_test_file(rel):
            continue
        finder = _Finder(rel)
        finder.visit(tree)
        sites += finder.sites
        clients += finder.clients
        text = index.text(rel) or ""
        instrumented |= "langfuse.openai" in text or "Instrumentor()" in text
    return sites, clients, instrumented


Requirement = Literal["timeout", "retry", "tracing", "configurable_model"]


class CallPolicyParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    require: Requirement


def _client_has(site: CallSite, clients: list[ClientBuild], kwargs: frozenset[str]) -> bool:
    local = [c for c in clients if c.path == site.path]
    relevant = local or clients
    return bool(relevant) and all(c.kwargs & kwargs for c in relevant)


def _satisfies(site: CallSite, need: Requirement, clients: list[ClientBuild], traced: bool) -> bool:
    if need == "timeout":
        return bool(
            site.kwargs & TIMEOUT_KWARGS
            or _client_has(site, clients, TIMEOUT_KWARGS)
            or {"timeout", "fail_after", "wait_for"} & site.contexts
        )
    if need == "retry":
        retry_decorated = any(
            "retry" in d or "backoff" in d or d == "on_exception" for d in site.decorators
        )
        return bool(
            site.kwargs & RETRY_KWARGS
            or _client_has(site, clients, RETRY_KWARGS)
            or retry_decorated
            or {"Retrying", "retry"} & site.contexts
        )
    if need == "tracing":
        return traced or bool(site.decorators & TRACE_DECORATORS or site.contexts & TRACE_CONTEXTS)
    return not site.model_literal


@detector("llm_call_policy", CallPolicyParams)
def llm_call_policy(index: RepoIndex, params: CallPolicyParams) -> Outcome:
    """Reports the ratio of LLM call sites meeting `require`, with file:line of those that don't."""
    sites, clients, instrumented = find_call_sites(index)
    if not sites:
        return Outcome.not_applicable("no LLM SDK call sites found")
    bad = [s for s in sites if not _satisfies(s, params.require, clients, instrumented)]
    ratio = f"{len(sites) - len(bad)}/{len(sites)} call sites"
    label = params.require.replace("_", " ")
    if bad:
        evidence = [Evidence(s.path, s.line, f"no {label}") for s in bad]
        return Outcome.failed(f"{ratio} have {label}", *evidence)
    return Outcome.passed(f"{ratio} have {label}", *(Evidence(s.path, s.line) for s in sites))


USER_INPUT_NAMES = frozenset({"question", "query", "user_input", "user_message", "message"})


@detector("system_prompt_no_user_input")
def system_prompt_no_user_input(index: RepoIndex, params: NoParams) -> Outcome:
    """Fails where a system prompt is built by interpolating a function's raw input into it."""
    found: list[Evidence] = []
    considered = 0
    for rel, tree in index.iter_python(
        '"system"', "'system'", "system=", "SystemMessage", "instructions=", '"developer"'
    ):
        if is_test_file(rel):
            continue
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                inputs = {a.arg for a in function.args.args + function.args.kwonlyargs}
                inputs -= {"self", "cls"}
                for expr, line in _system_prompts(function):
                    considered += 1
                    if _interpolates(expr, inputs):
                        found.append(Evidence(rel, line, "user input interpolated into system"))
    if not considered:
        return Outcome.not_applicable("no system prompts built in code")
    if found:
        return Outcome.failed(f"{len(found)} system prompts interpolate raw input", *found)
    return Outcome.passed(f"{considered} system prompts keep user input out")


def _system_prompts(function: ast.AST) -> Iterator[tuple[ast.expr, int]]:
    for node in ast.walk(function):
        if isinstance(node, ast.Dict):
            pairs = dict(zip((_const(k) for k in node.keys), node.values, strict=True))
            role = pairs.get("role")
            if isinstance(role, ast.Constant) and role.value in ("system", "developer"):
                content = pairs.get("content")
                if content is not None:
                    yield content, node.lineno
        elif isinstance(node, ast.Call):
            if _last(call_name(node.func)) == "SystemMessage" and node.args:
                yield node.args[0], node.lineno
            for kw in node.keywords:
                if kw.arg in ("system", "instructions", "system_prompt"):
                    yield kw.value, node.lineno


def _const(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _interpolates(expr: ast.expr, inputs: set[str]) -> bool:
    dynamic: list[ast.expr] = []
    if isinstance(expr, ast.JoinedStr):
        dynamic = [v.value for v in expr.values if isinstance(v, ast.FormattedValue)]
    elif isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add | ast.Mod):
        dynamic = [expr.left, expr.right]
    elif isinstance(expr, ast.Call) and call_name(expr.func).endswith("format"):
        dynamic = [*expr.args, *(k.value for k in expr.keywords)]
    names = {n.id for d in dynamic for n in ast.walk(d) if isinstance(n, ast.Name)}
    return bool(names & (inputs | USER_INPUT_NAMES))


__all__ = ["NoParams", "find_call_sites"]
