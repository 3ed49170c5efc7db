"""Detectors over LLM call sites: small queries over the project's LLM model.

The model (`harness.audit.llm_model`) is built once per audit and shared by every check here;
it says, for each call site, where its timeout, retry policy, tracing and model name come from.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict

from harness.audit.detectors.python_code import call_name
from harness.audit.index import RepoIndex, is_test_file
from harness.audit.llm_model import LLMCall, LLMModel, llm_model
from harness.audit.model import Evidence, Outcome
from harness.audit.registry import NoParams, detector

Requirement = Literal["timeout", "retry", "tracing", "configurable_model"]
MAX_EVIDENCE = 25


class CallPolicyParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    require: Requirement


def _no_calls(model: LLMModel) -> Outcome:
    """No call site understood: unknown when something was seen but not read, else n/a."""
    if model.unknown:
        first = model.unknown[0]
        more = f" (+{len(model.unknown) - 1} more)" if len(model.unknown) > 1 else ""
        return Outcome.unknown(
            f"no LLM call site understood: {first.location()} {first.what}{more}",
            *(Evidence(w.path, w.line, w.what) for w in model.unknown[:MAX_EVIDENCE]),
        )
    if model.llm_imports:
        first = model.llm_imports[0]
        return Outcome.unknown(
            f"imports {first.what} ({first.location()}) but no LLM call site was recognised",
            *(Evidence(w.path, w.line, f"imports {w.what}") for w in model.llm_imports[:5]),
        )
    return Outcome.not_applicable("no LLM call sites found")


def _source(call: LLMCall, need: Requirement) -> str | None:
    """Where the call's `need` comes from, as evidence text; None when it has none."""
    if need == "configurable_model":
        if call.model is None:
            return None
        return f"model {call.model.where.what} ({call.model.kind} at {call.model.where.location()})"
    where = {"timeout": call.timeout, "retry": call.retry, "tracing": call.trace}[need]
    return f"{where.what} at {where.location()}" if where else None


@detector("llm_call_policy", CallPolicyParams)
def llm_call_policy(index: RepoIndex, params: CallPolicyParams) -> Outcome:
    """Every LLM call site meets `require`; evidence names each call and where its setting
    comes from (SDK defaults do not count: see the check's rationale)."""
    model = llm_model(index)
    if not model.calls:
        return _no_calls(model)
    need = params.require
    label = {
        "timeout": "a timeout",
        "retry": "an explicit retry policy",
        "tracing": "tracing",
        "configurable_model": "a configurable model",
    }[need]
    calls = model.calls
    if need in ("timeout", "retry"):
        calls = [c for c in calls if not c.local]
        if not calls:
            return Outcome.not_applicable("only local model runtimes (no network call to time out)")
    if need == "configurable_model":
        calls = [c for c in calls if c.model is not None]
        if not calls:
            return Outcome.not_applicable("no call site names a model (library defaults only)")
        bad = [c for c in calls if c.model is not None and c.model.kind == "literal"]
    else:
        bad = [c for c in calls if _source(c, need) is None]
    ratio = f"{len(calls) - len(bad)}/{len(calls)} LLM call sites have {label}"
    if bad:
        evidence = [Evidence(c.where.path, c.where.line, _missing(c, need)) for c in bad]
        return Outcome.failed(ratio, *evidence[:MAX_EVIDENCE])
    evidence = []
    for call in calls[:MAX_EVIDENCE]:
        text = _source(call, need) or ""
        evidence.append(Evidence(call.where.path, call.where.line, f"{call.where.what}: {text}"))
    if model.unknown:
        first = model.unknown[0]
        return Outcome.unknown(
            f"{ratio}, but {first.location()} {first.what}: calls there were not read",
            *evidence,
            *(Evidence(w.path, w.line, w.what) for w in model.unknown[:5]),
        )
    return Outcome.passed(ratio, *evidence)


def _missing(call: LLMCall, need: Requirement) -> str:
    if need == "configurable_model" and call.model is not None:
        model = call.model.where
        return f"{call.where.what}: hard-coded model {model.what} at {model.location()}"
    what = {
        "timeout": "no timeout",
        "retry": "no explicit retry policy",
        "tracing": "not traced",
        "configurable_model": "hard-coded model",
    }[need]
    if need == "timeout" and call.family in ("openai", "anthropic", "langchain"):
        what += " (the SDK's 600 s default does not count)"
    if need == "retry" and call.family in ("openai", "anthropic", "langchain"):
        what += " (the SDK's implicit retries are not a policy)"
    if need == "tracing" and call.why_untraced:
        what += f": {call.why_untraced}"
    return f"{call.where.what}: {what}"


@detector("llm_token_accounting")
def llm_token_accounting(index: RepoIndex, params: NoParams) -> Outcome:
    """Token usage is read from model responses (or a cost computed from it), in code."""
    model = llm_model(index)
    if not model.calls and not model.usage:
        return _no_calls(model)
    if model.usage:
        first = model.usage[0]
        return Outcome.passed(
            f"token usage read at {first.location()} ({len(model.usage)} reads)",
            *(Evidence(w.path, w.line, w.what) for w in model.usage[:MAX_EVIDENCE]),
        )
    sites = model.calls
    return Outcome.failed(
        f"{len(sites)} LLM call sites, and no token usage is read from any response",
        *(
            Evidence(c.where.path, c.where.line, f"{c.where.what}: usage not read")
            for c in sites[:MAX_EVIDENCE]
        ),
    )


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


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


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


__all__ = ["NoParams", "llm_model"]
