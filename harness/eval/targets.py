"""The system under evaluation: a Python callable or an HTTP endpoint, normalised to one result.

A callable is "module:function" (sync or async), imported with the project directory on
sys.path and called with the dataset row as a dict. An HTTP target gets a JSON POST and its answer
is read through the configurable field mapping of `[tool.harness.eval.response]`.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import inspect
import math
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

from harness.errors import DatasetError, TargetError
from harness.eval.config import EvalConfig, ResponseMapping
from harness.eval.dataset import Sample, ToolCall, parse_tool_calls
from harness.eval.retry import MAX_RESPONSE_BYTES, RetryingTransport, RetryPolicy

# Answer plus retrieved contexts of one sample, in characters: larger is refused for that sample.
MAX_RESULT_CHARS = MAX_RESPONSE_BYTES


@dataclass(frozen=True)
class Context:
    id: str
    text: str


@dataclass(frozen=True)
class TargetResult:
    response: str
    contexts: list[Context]
    input_tokens: int | None
    output_tokens: int | None
    model: str | None
    cost_usd: float | None
    tool_calls: list[ToolCall] | None
    outcome: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TargetResult:
        calls = data.get("tool_calls")
        return cls(
            response=data["response"],
            contexts=[Context(**c) for c in data["contexts"]],
            input_tokens=data.get("input_tokens"),
            output_tokens=data.get("output_tokens"),
            model=data.get("model"),
            cost_usd=data.get("cost_usd"),
            tool_calls=None if calls is None else [ToolCall(**c) for c in calls],
            outcome=data.get("outcome"),
        )


class Target(Protocol):
    def identity(self) -> dict[str, Any]:
        """What determines the target's answers, for cache keys and the report."""
        ...

    async def call(self, sample: Sample) -> TargetResult: ...

    async def aclose(self) -> None: ...


def build_target(config: EvalConfig, project: Path) -> Target:
    if config.url:
        return HttpTarget(config)
    if config.target:
        return CallableTarget(config.target, project)
    raise TargetError(
        "no target configured",
        "pass --target module:function or --url http://host/ask, or set one in [tool.harness.eval]",
    )


class CallableTarget:
    def __init__(self, spec: str, project: Path) -> None:
        self.spec = spec
        self.fn, self.source_hash = _import_callable(spec, project)
        self.is_async = inspect.iscoroutinefunction(self.fn)
        # Our own pool, not asyncio's default: a sync target stuck past --timeout must not make
        # the end of the run wait for it (asyncio.run joins the default executor).
        self.pool = ThreadPoolExecutor(thread_name_prefix="harness-eval-target")

    def identity(self) -> dict[str, Any]:
        return {"kind": "callable", "spec": self.spec, "source": self.source_hash}

    async def call(self, sample: Sample) -> TargetResult:
        row = dict(sample.raw)  # a copy: a target that mutates its input cannot corrupt the run
        try:
            if self.is_async:
                raw = await self.fn(row)
            else:
                # A sync target runs in a worker thread so it cannot stall the other samples.
                raw = await asyncio.get_running_loop().run_in_executor(
                    self.pool, _guarded, self.fn, row
                )
        except (SystemExit, KeyboardInterrupt) as exc:
            # The target's own sys.exit() or KeyboardInterrupt ends this sample, not the run.
            raise _exited(exc) from None
        return normalise(raw, ResponseMapping(), native=True)

    async def aclose(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def _guarded(fn: Callable[..., Any], row: dict[str, Any]) -> Any:
    try:
        return fn(row)
    except (SystemExit, KeyboardInterrupt) as exc:
        # Re-raised as a plain exception: a BaseException leaving a worker thread would be
        # re-raised by asyncio as a reason to stop the whole event loop.
        raise _exited(exc) from None


def _exited(exc: BaseException) -> TargetError:
    return TargetError(
        f"target raised {type(exc).__name__}({_exit_arg(exc)})", "do not exit from it"
    )


def _exit_arg(exc: BaseException) -> str:
    return ", ".join(repr(arg) for arg in exc.args)[:80]


def _import_callable(spec: str, project: Path) -> tuple[Callable[..., Any], str]:
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise TargetError(f"bad target {spec!r}", "write it as module:function, e.g. app.eval:ask")
    root = str(project.resolve())
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise TargetError(
            f"cannot import target module {module_name!r}: {type(exc).__name__}: {exc}",
            "check the module path relative to the project directory",
        ) from None
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise TargetError(f"{module_name} has no callable {attr!r}", "check the target name")
    return fn, _source_hash(module)


def _source_hash(module: Any) -> str:
    """Size and mtime of every .py file of the target's top-level package.

    A code change anywhere in the package invalidates cached answers; hashing stat data rather
    than contents keeps this cheap for large projects.
    """
    file = getattr(module, "__file__", None)
    if file is None:
        return "unknown"
    top = sys.modules.get(module.__name__.split(".")[0])
    top_file = getattr(top, "__file__", None) or file
    base = Path(top_file).parent if Path(top_file).name == "__init__.py" else Path(top_file)
    files = sorted(base.rglob("*.py")) if base.is_dir() else [base]
    digest = hashlib.sha256()
    for path in files:
        stat = path.stat()
        digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


class HttpTarget:
    def __init__(self, config: EvalConfig) -> None:
        assert config.url is not None
        self.url = config.url
        self.field = config.request_field
        self.extra = config.request_extra
        self.mapping = config.response
        self.transport = RetryingTransport(
            RetryPolicy(retries=config.retries), deadline=config.timeout
        )
        self.client = httpx.AsyncClient(
            transport=self.transport, timeout=config.timeout, headers=config.headers
        )

    def identity(self) -> dict[str, Any]:
        return {
            "kind": "http",
            "url": self.url,
            "request_field": self.field,
            "request_extra": self.extra,
            "response": self.mapping.model_dump(),
        }

    async def call(self, sample: Sample) -> TargetResult:
        body = {**self.extra, self.field: sample.user_input}
        response = await self.client.post(self.url, json=body)
        if response.status_code >= 400:
            raise TargetError(f"target answered HTTP {response.status_code}", "check the app logs")
        try:
            payload = response.json()
        except ValueError:
            raise TargetError("target answered with non-JSON", "return a JSON object") from None
        return normalise(payload, self.mapping, native=False)

    async def aclose(self) -> None:
        await self.client.aclose()


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def normalise(raw: Any, mapping: ResponseMapping, *, native: bool) -> TargetResult:
    """Validate a target answer. `native` is the callable contract, whose field names are fixed."""
    if not isinstance(raw, dict):
        raise TargetError(f"target returned {type(raw).__name__}, not a dict", "return a dict")
    m = ResponseMapping() if native else mapping
    answer = _dig(raw, "response" if native else m.answer)
    if not isinstance(answer, str):
        field = "response" if native else m.answer
        raise TargetError(f"target result has no string {field!r}", "return the answer text")
    contexts = _contexts(_dig(raw, "retrieved_contexts" if native else m.contexts), m, native)
    if len(answer) + sum(len(c.text) for c in contexts) > MAX_RESULT_CHARS:
        raise TargetError(
            f"target answer larger than {MAX_RESULT_CHARS // (1024 * 1024)} MB (refused)",
            "return a shorter answer and fewer or shorter contexts",
        )
    usage = _dig(raw, m.usage)
    usage = usage if isinstance(usage, dict) else {}
    cost = _dig(raw, m.cost)
    model = _dig(raw, m.model)
    outcome = _dig(raw, m.outcome)
    try:
        calls = parse_tool_calls(_dig(raw, m.tool_calls), "target result")
    except DatasetError as exc:
        raise TargetError(exc.message, "return tool_calls as [{'name':..., 'args':{}}]") from None
    return TargetResult(
        response=answer,
        contexts=contexts,
        input_tokens=_int_or_none(usage.get(m.input_tokens)),
        output_tokens=_int_or_none(usage.get(m.output_tokens)),
        model=model if isinstance(model, str) else None,
        cost_usd=float(cost) if _is_number(cost) else None,
        tool_calls=calls,
        outcome=outcome if isinstance(outcome, str) else None,
    )


def _contexts(value: Any, m: ResponseMapping, native: bool) -> list[Context]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TargetError("retrieved contexts must be a list", "return a list of {id, text}")
    id_key, text_key = ("id", "text") if native else (m.context_id, m.context_text)
    out: list[Context] = []
    for item in value:
        if isinstance(item, str):
            # Bare strings have no id: they still feed text metrics, never id-based ones.
            out.append(Context(id="", text=item))
            continue
        if not isinstance(item, dict):
            raise TargetError("each retrieved context must be an object", "return {id, text}")
        out.append(Context(id=str(item.get(id_key, "")), text=str(item.get(text_key, ""))))
    return out


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _int_or_none(value: Any) -> int | None:
    return int(value) if _is_number(value) else None
