"""A parsed file as the LLM model reads it: one walk, parents, nodes by type, imports, and what
wraps a call (timeouts, retries, traces) — shared helpers of phase one (`llm_extract`)."""

from __future__ import annotations

import ast
import re

from harness.audit import llm_catalog as cat
from harness.audit.llm_base import Kind, Where, call_path, dotted, import_aliases, qualify
from harness.audit.llm_trace import decorator_trace

TIMEOUT_CONTEXTS = frozenset({"timeout", "fail_after", "move_on_after", "timeout_at", "Timeout"})
RETRY_ITERATORS = re.compile(r"Retrying|retry_context|stop_after_attempt")
_FUNCTION = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_GENERATION_CALLS = frozenset(
    {"generation", "start_generation", "update_current_generation", "start_observation"}
)


def lookup(qual: str, table: dict[str, str]) -> str | None:
    """A catalog entry for `qual`, also under its package root (`openai.lib.azure.AzureOpenAI`
    is `openai.AzureOpenAI`, `autogen_ext.models.X` is `autogen_ext.models.openai.X`); the
    langfuse drop-in (`langfuse.openai.OpenAI`) is the SDK's."""
    qual = qual.removeprefix("langfuse.")
    if qual in table:
        return table[qual]
    if "." not in qual:
        return None
    root, last = qual.split(".", 1)[0], qual.rsplit(".", 1)[-1]
    return _by_root(table).get((root, last))


_ROOT_INDEX: dict[int, dict[tuple[str, str], str]] = {}


def _by_root(table: dict[str, str]) -> dict[tuple[str, str], str]:
    found = _ROOT_INDEX.get(id(table))
    if found is None:
        found = {}
        for key, family in table.items():
            found.setdefault((key.split(".", 1)[0], key.rsplit(".", 1)[-1]), family)
        _ROOT_INDEX[id(table)] = found
    return found


def framework_family(qual: str) -> str | None:
    found = lookup(qual, cat.MODELS)
    if found:
        return found
    last = qual.rsplit(".", 1)[-1]
    for prefix, pattern, family in cat.MODEL_PREFIXES:
        if qual.startswith(prefix) and "." in qual and pattern.match(last):
            return family
    return None


def truthy(value: ast.expr) -> bool:
    """False for `None`, `0` and `False`: `timeout=None` is no timeout, `max_retries=0` none."""
    return not (isinstance(value, ast.Constant) and value.value in (None, 0, False))


def config_kwargs(call: ast.Call, path: str, depth: int = 0) -> dict[Kind, Where]:
    """Timeout and retry settings among a call's arguments, nested calls and dicts included."""
    found: dict[Kind, Where] = {}

    def note(key: str, value: ast.expr, line: int) -> None:
        if not truthy(value):
            return
        if key in cat.TIMEOUT_KEYS:
            found.setdefault("timeout", Where(path, line, f"{key}={short(value)}"))
        elif key in cat.RETRY_KEYS:
            found.setdefault("retry", Where(path, line, f"{key}={short(value)}"))

    for kw in call.keywords:
        if kw.arg:
            note(kw.arg, kw.value, kw.value.lineno)
    if depth < 3:
        for value in [*call.args, *(k.value for k in call.keywords)]:
            if isinstance(value, ast.Call):
                for kind, where in config_kwargs(value, path, depth + 1).items():
                    found.setdefault(kind, where)
            elif isinstance(value, ast.Dict):
                for key, item in zip(value.keys, value.values, strict=True):
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        note(key.value, item, item.lineno)
    return found


def short(node: ast.expr) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "..."


def first_string(call: ast.Call, keyword: str) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    for kw in call.keywords:
        if kw.arg == keyword and isinstance(kw.value, ast.Constant):
            return str(kw.value.value)
    return None


def split_chain(func: ast.Attribute) -> tuple[list[str], list[ast.Call]]:
    """The attribute names of a call chain (`with_options(...)` calls skipped) and the
    intermediate calls (whose keyword arguments configure the final call)."""
    attrs: list[str] = []
    calls: list[ast.Call] = []
    node: ast.expr = func
    while isinstance(node, ast.Attribute | ast.Call):
        if isinstance(node, ast.Call):
            calls.append(node)
            node = node.func
            continue
        attrs.append(node.attr)
        node = node.value
    attrs.reverse()
    attrs = [a for a in attrs if a not in ("with_options", "with_raw_response", "aio", "beta")]
    return attrs, calls


def strip_chain(node: ast.expr) -> ast.expr:
    """`client.with_options(timeout=5)` -> `client`, `client.aio` -> `client`."""
    while True:
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("with_options", "with_raw_response")
        ):
            node = node.func.value
            continue
        if isinstance(node, ast.Attribute) and node.attr in ("aio", "beta", "with_raw_response"):
            node = node.value
            continue
        return node


def tail_len(attrs: list[str], families: tuple[str, ...]) -> int:
    best = 0
    for family in families:
        for tail in cat.CLIENT_TAILS[family]:
            if tuple(attrs[-len(tail) :]) == tail:
                best = max(best, len(tail))
    return best


def clip(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


class FileView:
    """One parsed file: its nodes (walked once), imports, assignments, and the wrappers found
    around a call in it. Phase one's extractor builds on it; the tree goes when it is done."""

    def __init__(self, path: str, tree: ast.Module, text: str) -> None:
        self.path = path
        self.tree = tree
        self.text = text
        # One walk of the tree, recording parents; every later pass reads these lists.
        self.nodes: list[ast.AST] = [tree]
        self.parents: dict[int, ast.AST] = {}
        self.by_type: dict[type, list[ast.AST]] = {}
        for node in self.nodes:  # the list grows as children are appended: breadth first
            self.by_type.setdefault(type(node), []).append(node)
            for child in ast.iter_child_nodes(node):
                self.parents[id(child)] = node
                self.nodes.append(child)
        self.calls: list[ast.Call] = self.of(ast.Call)  # type: ignore[assignment]
        self.aliases = import_aliases(self.of(ast.Import, ast.ImportFrom))
        self._assignments: dict[str, list[ast.expr]] | None = None
        self._recorded: dict[int, ast.Call] | None = None
        self._calls_by_name: dict[str, list[ast.Call]] | None = None

    def of(self, *types: type) -> list[ast.AST]:
        """The file's nodes of these types (one walk made them all)."""
        if len(types) == 1:
            return self.by_type.get(types[0], [])
        return [node for kind in types for node in self.by_type.get(kind, [])]

    def _enclosing_function(self, node: ast.AST) -> ast.AST | None:
        current = self.parents.get(id(node))
        while current is not None and not isinstance(current, _FUNCTION):
            current = self.parents.get(id(current))
        return current

    def _assigned(self, key: str, scope: ast.AST) -> list[ast.expr]:
        """Values assigned to `key` (a name or `self.attr`) inside `scope`, in source order."""
        if self._assignments is None:
            self._assignments = {}
            for node in self.of(ast.Assign, ast.AnnAssign):
                targets: list[ast.expr] = []
                if isinstance(node, ast.Assign):
                    targets = node.targets
                elif isinstance(node, ast.AnnAssign) and node.value is not None:
                    targets = [node.target]
                for target in targets:
                    name = dotted(target)
                    if name:
                        assert isinstance(node, ast.Assign | ast.AnnAssign)
                        assert node.value is not None
                        self._assignments.setdefault(name, []).append(node.value)
            for values in self._assignments.values():
                values.sort(key=lambda v: (v.lineno, v.col_offset))
        values = self._assignments.get(key, [])
        if scope is self.tree:
            return values
        start = getattr(scope, "lineno", 0)
        end = getattr(scope, "end_lineno", None) or start
        return [v for v in values if start <= v.lineno <= end]

    def _scoped(self, key: str, node: ast.AST) -> str:
        """`self.client` means the attribute of the enclosing class: two provider classes in one
        file each have their own. Phase two falls back to the bare name (a base class's)."""
        if not key.startswith(("self.", "cls.")):
            return key
        current = self.parents.get(id(node))
        while current is not None and not isinstance(current, ast.ClassDef):
            current = self.parents.get(id(current))
        return f"{current.name}:{key}" if current is not None else key

    def _wrappers(self, call: ast.Call, depth: int = 0) -> dict[Kind, Where]:
        found: dict[Kind, Where] = {}
        child: ast.AST = call
        node = self.parents.get(id(call))
        in_try = False
        while node is not None:
            if isinstance(node, ast.Call) and dotted(node.func).endswith("wait_for"):
                found.setdefault("timeout", Where(self.path, node.lineno, "asyncio.wait_for"))
            elif isinstance(node, ast.With | ast.AsyncWith):
                self._with_wrapper(node, found)
            elif isinstance(node, ast.Try) and node.handlers and child in node.body:
                in_try = True
            elif isinstance(node, ast.For | ast.AsyncFor | ast.While):
                iterator = ast.unparse(node.iter) if not isinstance(node, ast.While) else ""
                if RETRY_ITERATORS.search(iterator):
                    found.setdefault("retry", Where(self.path, node.lineno, "tenacity Retrying"))
                elif in_try:
                    found.setdefault("retry", Where(self.path, node.lineno, "retry loop"))
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self._decorator_wrappers(node, found)
                if depth < 2 and len(found) < 3:
                    for kind, where in self._from_callers(node, depth).items():
                        found.setdefault(kind, where)
                break
            elif isinstance(node, ast.Lambda | ast.ClassDef):
                break
            child, node = node, self.parents.get(id(node))
        return found

    def _generations(self) -> dict[int, ast.Call]:
        """Functions that record a Langfuse generation by hand (`trace.generation(...)`,
        `langfuse.update_current_generation(...)`): the calls in them are traced."""
        if self._recorded is None:
            self._recorded = {}
            for call in self.calls:
                func = call.func
                if isinstance(func, ast.Attribute) and func.attr in _GENERATION_CALLS:
                    function = self._enclosing_function(call)
                    if function is not None:
                        self._recorded.setdefault(id(function), call)
        return self._recorded

    def _from_callers(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, depth: int
    ) -> dict[Kind, Where]:
        """What wraps every call of `function` in this file (a retry loop in `generate` around
        `self._generate_once(...)`, an `@observe` handler calling a helper) wraps its body."""
        if self._calls_by_name is None:
            self._calls_by_name = {}
            for node in self.calls:
                if isinstance(node, ast.Call):
                    name = dotted(node.func)
                    if name.count(".") == 0 or name.startswith(("self.", "cls.")):
                        last = name.rsplit(".", 1)[-1]
                        self._calls_by_name.setdefault(last, []).append(node)
        callers = self._calls_by_name.get(function.name, [])
        if not callers or len(callers) > 20:
            return {}
        each = [self._wrappers(c, depth + 1) for c in callers]
        return {
            kind: each[0][kind]
            for kind in ("timeout", "retry", "trace")
            if all(kind in w for w in each)
        }

    def _with_wrapper(self, node: ast.With | ast.AsyncWith, found: dict[Kind, Where]) -> None:
        for item in node.items:
            expr = item.context_expr
            name = call_path(expr.func) if isinstance(expr, ast.Call) else call_path(expr)
            last = name.rsplit(".", 1)[-1]
            if last in TIMEOUT_CONTEXTS:
                found.setdefault("timeout", Where(self.path, node.lineno, f"with {name}(...)"))
            elif decorator_trace(qualify(name, self.aliases)):
                found.setdefault("trace", Where(self.path, node.lineno, f"with {name}(...)"))

    def _decorator_wrappers(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, found: dict[Kind, Where]
    ) -> None:
        for decorator in function.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            name = dotted(target)
            qual = qualify(name, self.aliases)
            low = qual.lower()
            line = decorator.lineno
            if "retry" in low or "backoff" in low or low.endswith("on_exception"):
                found.setdefault("retry", Where(self.path, line, f"@{name}"))
            elif low.rsplit(".", 1)[-1] in ("timeout", "timeout_decorator"):
                found.setdefault("timeout", Where(self.path, line, f"@{name}"))
            elif decorator_trace(qual):
                found.setdefault("trace", Where(self.path, line, f"@{name}"))
        if "trace" not in found:
            recorded = self._generations().get(id(function))
            if recorded is not None:
                what = f"{call_path(recorded.func)}(...) in {function.name}"
                found["trace"] = Where(self.path, recorded.lineno, what)

    def _provider_url(self, call: ast.Call) -> bool:
        """The URL of an HTTP call may be a provider's API: a literal naming one, or a value
        computed elsewhere in a file that names one."""
        url = call.args[0] if call.args else None
        for kw in call.keywords:
            if kw.arg == "url":
                url = kw.value
        if url is None:
            return False
        texts = self._url_texts(url, call)
        if texts is None:
            return True
        return any(host in text for text in texts for host in cat.PROVIDER_HOSTS)

    def _url_texts(self, url: ast.expr, at: ast.AST) -> list[str] | None:
        """The literal text of the URL's possible values, or None when it is not known here."""
        if isinstance(url, ast.Constant) and isinstance(url.value, str):
            return [url.value]
        if isinstance(url, ast.JoinedStr):
            parts = [v.value for v in url.values if isinstance(v, ast.Constant)]
            text = "".join(p for p in parts if isinstance(p, str))
            return [text] if "://" in text or "/" in text else None
        if isinstance(url, ast.Name):
            function = self._enclosing_function(at)
            values = self._assigned(url.id, function) if function is not None else []
            values = values or self._assigned(url.id, self.tree)
            found: list[str] = []
            for value in values:
                texts = self._url_texts(value, value) if value is not url else None
                if texts is None:
                    return None
                found += texts
            return found or None
        return None

    def _spread_settings(self, call: ast.Call) -> dict[Kind, Where]:
        """Settings passed through `**kwargs` built in the same function: a dict literal, or
        `kwargs["timeout"] = ...` assignments."""
        found: dict[Kind, Where] = {}
        for kw in call.keywords:
            if kw.arg is not None or not isinstance(kw.value, ast.Name):
                continue
            scope = self._enclosing_function(call) or self.tree
            for value in self._assigned(kw.value.id, scope):
                if isinstance(value, ast.Dict | ast.Call):
                    wrapper = ast.Call(func=ast.Name("dict"), args=[value], keywords=[])
                    for kind, where in config_kwargs(wrapper, self.path).items():
                        found.setdefault(kind, where)
            for node in ast.walk(scope):
                if not isinstance(node, ast.Assign):
                    continue
                for target in node.targets:
                    key = target.slice if isinstance(target, ast.Subscript) else None
                    if (
                        isinstance(target, ast.Subscript)
                        and dotted(target.value) == kw.value.id
                        and isinstance(key, ast.Constant)
                        and truthy(node.value)
                    ):
                        if key.value in cat.TIMEOUT_KEYS:
                            what = f"{key.value}={short(node.value)}"
                            found.setdefault("timeout", Where(self.path, node.lineno, what))
                        elif key.value in cat.RETRY_KEYS:
                            what = f"{key.value}={short(node.value)}"
                            found.setdefault("retry", Where(self.path, node.lineno, what))
        return found
