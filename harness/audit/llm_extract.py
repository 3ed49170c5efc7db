"""Phase one of the LLM call-site model: the facts one Python file holds, read from its AST.

A file is parsed once; everything later phases need (constructions of clients and models, what
each name is bound to, factories, call sites with the timeout/retry/trace wrappers around them,
tracing switches, token-usage reads) is copied out as small records and the tree is dropped.
Links between files (a factory in one module, its callers in another) are made in phase two,
`harness.audit.llm_model`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Literal

from harness.audit import llm_catalog as cat
from harness.audit.llm_base import Where, call_path, dotted, import_aliases, qualify
from harness.audit.llm_trace import TraceFacts, decorator_trace, scan_trace

Kind = Literal["timeout", "retry", "trace"]


# A symbolic reference, resolved in phase two: a construction of this file (by index), a name
# bound in this file, or a call to a function of that name anywhere in the project (a factory).
Ref = tuple[Literal["ctor", "name", "factory"], str | int]


@dataclass(frozen=True)
class ModelRef:
    """Where a call's model name comes from: a literal in code, or configuration."""

    kind: Literal["literal", "config"]
    where: Where


@dataclass
class Construction:
    where: Where
    family: str
    role: cat.Role | Literal["http"]
    timeout: Where | None = None
    retry: Where | None = None
    model: ModelRef | None = None
    inner: list[Ref] = field(default_factory=list)
    wrappers: dict[Kind, Where] = field(default_factory=dict)


@dataclass
class Use:
    """A method call on something: an SDK call (`client.messages.create`) or an invocation of a
    framework model (`chain.ainvoke`). Phase two decides which, from what the receiver is."""

    where: Where
    receiver: list[Ref]
    families: tuple[str, ...]  # SDK families whose tails match; empty for an invocation
    strong: str | None  # family to assume when the receiver is unknown (file imports it)
    module: str | None  # `openai.chat.completions.create`: the module's default client
    kwargs: dict[Kind, Where] = field(default_factory=dict)
    wrappers: dict[Kind, Where] = field(default_factory=dict)
    model: ModelRef | None = None
    configured: bool = False  # an invocation given a config or callbacks (`invoke(x, config)`)


@dataclass
class FileFacts:
    path: str
    constructions: list[Construction] = field(default_factory=list)
    bindings: dict[str, list[Ref]] = field(default_factory=dict)
    factories: dict[str, list[Ref]] = field(default_factory=dict)
    uses: list[Use] = field(default_factory=list)
    derived: list[tuple[Kind, Where, list[Ref]]] = field(default_factory=list)
    # `llm.model_name = "gpt-4o"`: a literal model set on a model after it was built.
    overrides: list[tuple[list[Ref], ModelRef]] = field(default_factory=list)
    module_settings: dict[tuple[str, Kind], Where] = field(default_factory=dict)
    trace: TraceFacts = field(default_factory=TraceFacts)
    usage: list[Where] = field(default_factory=list)
    llm_imports: list[Where] = field(default_factory=list)
    opaque: list[Where] = field(default_factory=list)


TOKEN_FIELDS = frozenset(
    {
        "prompt_tokens",
        "completion_tokens",
        "input_tokens",
        "output_tokens",
        "total_tokens",
        "prompt_token_count",
        "candidates_token_count",
        "total_token_count",
        "usage_metadata",
        "token_usage",
        "total_cost",
        "response_cost",
    }
)
USAGE_CALLS = frozenset({"get_openai_callback", "completion_cost", "cost_per_token"})
TIMEOUT_CONTEXTS = frozenset({"timeout", "fail_after", "move_on_after", "timeout_at", "Timeout"})
RETRY_ITERATORS = re.compile(r"Retrying|retry_context|stop_after_attempt")
_FUNCTION = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


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


def _truthy(value: ast.expr) -> bool:
    """False for `None`, `0` and `False`: `timeout=None` is no timeout, `max_retries=0` none."""
    return not (isinstance(value, ast.Constant) and value.value in (None, 0, False))


def config_kwargs(call: ast.Call, path: str, depth: int = 0) -> dict[Kind, Where]:
    """Timeout and retry settings among a call's arguments, nested calls and dicts included."""
    found: dict[Kind, Where] = {}

    def note(key: str, value: ast.expr, line: int) -> None:
        if not _truthy(value):
            return
        if key in cat.TIMEOUT_KEYS:
            found.setdefault("timeout", Where(path, line, f"{key}={_short(value)}"))
        elif key in cat.RETRY_KEYS:
            found.setdefault("retry", Where(path, line, f"{key}={_short(value)}"))

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


def _short(node: ast.expr) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "..."


class _Extractor:
    def __init__(self, path: str, tree: ast.Module, text: str) -> None:
        self.path = path
        self.tree = tree
        self.text = text
        self.facts = FileFacts(path)
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
        self.injects = "Depends" in text or "Annotated" in text
        self._assignments: dict[str, list[ast.expr]] | None = None
        self._recorded: dict[int, ast.Call] | None = None
        self._ctor_of: dict[int, int] = {}
        self._pending_models: list[tuple[ast.Call, str, Construction]] = []
        self._calls_by_name: dict[str, list[ast.Call]] | None = None
        self.http_file = bool(cat.HTTP_MODULES & set(self.aliases.values())) and any(
            host in text for host in cat.PROVIDER_HOSTS
        )
        self.openai_agents = any(
            v.startswith("agents.") and v.rsplit(".", 1)[-1] in _AGENTS_MARKERS
            for v in self.aliases.values()
        )

    def of(self, *types: type) -> list[ast.AST]:
        """The file's nodes of these types (one walk made them all)."""
        if len(types) == 1:
            return self.by_type.get(types[0], [])
        return [node for kind in types for node in self.by_type.get(kind, [])]

    # ----- entry --------------------------------------------------------------------------

    def run(self) -> FileFacts:
        self._imports()
        calls = self.calls
        for call in reversed(calls):  # inner calls first: `Agent(model=Model(...))`
            self._construction(call)
        # Models once every construction is known: `Agent(llm=llm)` reads `llm = LLM(...)`.
        for call, qual, construction in self._pending_models:
            if construction.model is None:
                construction.model = self._model_of(call, qual)
            spread = any(k.arg is None for k in call.keywords)
            default = construction.family in cat.DEFAULT_MODEL_FAMILIES
            bare = construction.model is None and not spread and not construction.inner
            # init_chat_model() without a model is configurable by design (configurable_fields).
            if bare and default and not qual.endswith("init_chat_model"):
                where = Where(self.path, call.lineno, "none named: the library default")
                construction.model = ModelRef("literal", where)
        for call in calls:
            self._use(call)
        self._bindings()  # symbolic: names are resolved in phase two, in any order
        self._factories()
        self._overrides()
        self.facts.trace = scan_trace(
            self.tree, self.of(ast.Call, ast.Constant), self.aliases, self.path
        )
        self._usage()
        self._module_settings()
        unique = {(k, w, tuple(r)): (k, w, r) for k, w, r in self.facts.derived}
        self.facts.derived = list(unique.values())
        return self.facts

    def _imports(self) -> None:
        for node in self.of(ast.Import, ast.ImportFrom):
            modules: list[str] = []
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            if isinstance(node, ast.Import):
                modules = [n.name for n in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules = [node.module]
            for module in modules:
                sdk = self.openai_agents and module.split(".", 1)[0] == "agents"
                quiet = module in ("vertexai",) or module.startswith(cat.NO_CALL_IMPORTS)
                if (_llm_module(module) or sdk) and not quiet:
                    self.facts.llm_imports.append(Where(self.path, node.lineno, module))
                if module.split(".", 1)[0] in cat.OPAQUE_MODULES:
                    self.facts.opaque.append(Where(self.path, node.lineno, module))

    # ----- constructions ------------------------------------------------------------------

    def _construction(self, call: ast.Call) -> None:
        func = call.func.value if isinstance(call.func, ast.Subscript) else call.func
        name = dotted(func)  # `Agent[Context](...)` is a construction of Agent
        if not name:
            return
        qual = qualify(name, self.aliases)
        if qual.endswith(_CLASS_CONSTRUCTORS):  # `AutoModelForCausalLM.from_pretrained(...)`
            qual = qual.rsplit(".", 1)[0]
        last = qual.rsplit(".", 1)[-1]
        role: cat.Role | Literal["http"] | None = None
        family = lookup(qual, cat.CLIENTS)
        if family:
            role = "client"
        elif last == "client" and _first_string(call, "service_name") == "bedrock-runtime":
            role, family = "client", "bedrock"
        elif family := lookup(qual, cat.FUNCTIONS):
            role = "function"
        elif family := lookup(qual, cat.LOCAL):
            task = _first_string(call, "task")
            if last == "pipeline" and task not in cat.LOCAL_TASKS:
                return
            role = "local"
        elif family := framework_family(qual):
            if family == "openai-agents" and last == "Agent" and not self._agents_sdk(call):
                return
            if family == "langchain" and not _langchain_model(qual):
                return
            role = "model"
        elif qual in _HTTP_CLIENTS and self.http_file:
            role, family = "http", "http"
        if role is None or family is None:
            return
        settings = config_kwargs(call, self.path)
        for kind, where in self._spread_settings(call).items():
            settings.setdefault(kind, where)
        construction = Construction(
            Where(self.path, call.lineno, f"{last}(...)"),
            family,
            role,
            settings.get("timeout"),
            settings.get("retry"),
            None,
            [r for v in [*call.args, *(k.value for k in call.keywords)] for r in self.refs(v)],
        )
        if role == "http" and qual.startswith("httpx.") and "timeout" not in settings:
            construction.timeout = Where(self.path, call.lineno, "httpx default timeout (5 s)")
        if role in ("function", "model", "local"):
            construction.wrappers = self._wrappers(call)
        self._ctor_of[id(call)] = len(self.facts.constructions)
        self.facts.constructions.append(construction)
        if role != "client":
            self._pending_models.append((call, qual, construction))

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
                        and _truthy(node.value)
                    ):
                        if key.value in cat.TIMEOUT_KEYS:
                            what = f"{key.value}={_short(node.value)}"
                            found.setdefault("timeout", Where(self.path, node.lineno, what))
                        elif key.value in cat.RETRY_KEYS:
                            what = f"{key.value}={_short(node.value)}"
                            found.setdefault("retry", Where(self.path, node.lineno, what))
        return found

    def _agents_sdk(self, call: ast.Call) -> bool:
        """`from agents import Agent` is the openai-agents SDK (not a package of the project's
        own called agents) when the file uses the SDK's runner or tools, or the call reads like
        its Agent (`instructions=`, `handoffs=`)."""
        keywords = {k.arg for k in call.keywords}
        return self.openai_agents or bool(keywords & {"instructions", "handoffs", "output_type"})

    def _model_of(self, call: ast.Call, qual: str, depth: int = 0) -> ModelRef | None:
        for kw in call.keywords:
            if kw.arg in cat.MODEL_KEYS or kw.arg == "model_path":
                return self.classify(kw.value, call, depth)
        positional_model = qual.endswith(
            ("init_chat_model", "GenerativeModel", ".LM", ".Agent", "Llama", *_LOCAL_CLASSES)
        )
        if call.args and positional_model:
            return self.classify(call.args[0], call, depth)
        return None

    # ----- uses ---------------------------------------------------------------------------

    def _use(self, call: ast.Call) -> None:
        if id(call) in self._ctor_of or not isinstance(call.func, ast.Attribute):
            return
        attrs, chain = _chain(call.func)
        if not attrs:
            return
        families = tuple(
            dict.fromkeys(
                family
                for family, tail in _TAILS_BY_LAST.get(attrs[-1], ())
                if tuple(attrs[-len(tail) :]) == tail
            )
        )
        tail_len = _tail_len(attrs, families)
        invoke = not families and attrs[-1] in cat.INVOKE_METHODS
        runner = dotted(call.func) in ("Runner.run", "Runner.run_sync", "Runner.run_streamed")
        post = (
            self.http_file
            and attrs[-1] in cat.HTTP_POSTS
            and not families
            and self._provider_url(call)
        )
        if not (families or invoke or runner or post):
            return
        where = Where(self.path, call.lineno, ".".join(attrs[-(tail_len or 1) :]) + "(...)")
        kwargs = config_kwargs(call, self.path)
        for chained in chain:
            for kind, found in config_kwargs(chained, self.path).items():
                kwargs.setdefault(kind, found)
        wrappers = self._wrappers(call)
        if runner and call.args:
            self.facts.uses.append(
                Use(where, self.refs(call.args[0]), (), None, None, {}, wrappers)
            )
            return
        # The receiver is what the tail is called on: `self.client` in `self.client.chat....`.
        base: ast.expr = call.func
        for _ in range(tail_len or 1):
            if not isinstance(base, ast.Attribute):
                break
            base = _strip_chain(base.value)
        refs = self.refs(base)
        module = None
        head = dotted(base)
        if head and qualify(head, self.aliases) in cat.MODULE_CLIENTS:
            module = qualify(head, self.aliases)
        strong = next(
            (f for f in families if f in cat.STRONG_TAILS and self._imports_family(f)), None
        )
        if post:
            families = ("http",)
            model = _json_model(call, self)
            if module is None and qualify(head, self.aliases) in cat.HTTP_MODULES:
                module = "http"  # requests.post(...), httpx.post(...)
        else:
            model = self._call_model(call)
        configured = any(k.arg in ("config", "callbacks") for k in call.keywords) or (
            invoke and len(call.args) >= 2
        )
        self.facts.uses.append(
            Use(where, refs, families, strong, module, kwargs, wrappers, model, configured)
        )

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

    def _imports_family(self, family: str) -> bool:
        roots = cat.STRONG_TAILS[family]
        return any(v == r or v.startswith(r + ".") for v in self.aliases.values() for r in roots)

    def _call_model(self, call: ast.Call) -> ModelRef | None:
        for kw in call.keywords:
            if kw.arg in cat.MODEL_KEYS and kw.arg != "llm":
                return self.classify(kw.value, call)
        return None

    # ----- what is around a call ----------------------------------------------------------

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

    # ----- bindings and factories ---------------------------------------------------------

    def refs(self, node: ast.expr | None) -> list[Ref]:
        """What an expression may evaluate to, in terms phase two can resolve."""
        if node is None:
            return []
        if isinstance(node, ast.Await):
            return self.refs(node.value)
        if isinstance(node, ast.Call):
            if id(node) in self._ctor_of:
                return [("ctor", self._ctor_of[id(node)])]
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in cat.DERIVE_METHODS:
                inner = self.refs(func.value)
                self._derive(node, func.attr, inner)
                return inner
            name = dotted(func)
            last = name.rsplit(".", 1)[-1]
            if last in cat.WRAPPERS:
                return [
                    r for v in [*node.args, *(k.value for k in node.keywords)] for r in self.refs(v)
                ]
            return [("factory", last)] if last else []
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self.refs(node.left) + self.refs(node.right)
        if isinstance(node, ast.IfExp):
            return self.refs(node.body) + self.refs(node.orelse)
        if isinstance(node, ast.BoolOp):  # `client or self._client`
            return [r for v in node.values for r in self.refs(v)]
        if isinstance(node, ast.Tuple):  # `return client, info`
            return [r for v in node.elts for r in self.refs(v)]
        key = self._scoped(dotted(node), node)
        return [("name", key)] if key else []

    def _scoped(self, key: str, node: ast.AST) -> str:
        """`self.client` means the attribute of the enclosing class: two provider classes in one
        file each have their own. Phase two falls back to the bare name (a base class's)."""
        if not key.startswith(("self.", "cls.")):
            return key
        current = self.parents.get(id(node))
        while current is not None and not isinstance(current, ast.ClassDef):
            current = self.parents.get(id(current))
        return f"{current.name}:{key}" if current is not None else key

    def _derive(self, call: ast.Call, method: str, inner: list[Ref]) -> None:
        if not inner:
            return
        if method == "with_retry":
            where = Where(self.path, call.lineno, ".with_retry(...)")
            self.facts.derived.append(("retry", where, inner))
        elif method in ("with_options", "with_config", "bind"):
            for kind, where in config_kwargs(call, self.path).items():
                self.facts.derived.append((kind, where, inner))

    def _bindings(self) -> None:
        bindings: dict[str, list[Ref]] = {}
        kinds = (ast.arguments, ast.Assign, ast.AnnAssign, ast.NamedExpr, ast.withitem)
        for node in self.of(*kinds):
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(node, ast.arguments):
                self._injected(node, bindings)
                continue
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign | ast.NamedExpr):
                targets, value = [node.target], node.value
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                targets, value = [node.optional_vars], node.context_expr
            if value is None:
                continue
            refs = self.refs(value)
            if not refs:
                continue
            for target in targets:
                names = target.elts if isinstance(target, ast.Tuple) else [target]
                for name in names:
                    bare = dotted(name)
                    for key in {bare, self._scoped(bare, name)} - {""}:
                        bindings.setdefault(key, [])
                        bindings[key] += [
                            r
                            for r in refs
                            if r not in bindings[key] and r not in (("name", key), ("name", bare))
                        ]
        self.facts.bindings = bindings

    def _overrides(self) -> None:
        for node in self.of(ast.Assign):
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr in ("model", "model_name"):
                    found = self.classify(node.value, node)
                    refs = self.refs(target.value)
                    if found and found.kind == "literal" and refs and target.value is not None:
                        self.facts.overrides.append((refs, found))

    def _injected(self, args: ast.arguments, bindings: dict[str, list[Ref]]) -> None:
        """FastAPI dependencies: `llm: LLMDep`, `llm: Annotated[ChatOpenAI, Depends(get_llm)]`,
        `llm = Depends(get_llm)` bind the parameter to what the provider returns."""
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        defaults: list[ast.expr | None] = [None] * (
            len(args.posonlyargs) + len(args.args) - len(args.defaults)
        )
        defaults += [*args.defaults, *args.kw_defaults]
        for param, default in zip(params, defaults, strict=False):
            refs = _depends(default) + _depends(param.annotation) if self.injects else []
            if isinstance(param.annotation, ast.Name) and param.annotation.id[:1].isupper():
                refs.append(("factory", param.annotation.id))  # an `X = Annotated[...]` alias
            if refs:
                bindings.setdefault(param.arg, [])
                bindings[param.arg] += [r for r in refs if r not in bindings[param.arg]]

    def _factories(self) -> None:
        for statement in self.tree.body:  # `LLMDep = Annotated[ChatOpenAI, Depends(get_llm)]`
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target = dotted(statement.targets[0])
                provided = _depends(statement.value)
                if target and provided:
                    self.facts.factories.setdefault(target, []).extend(provided)
        returns: dict[int, tuple[ast.FunctionDef | ast.AsyncFunctionDef, list[Ref]]] = {}
        for node in self.of(ast.Return):
            if isinstance(node, ast.Return) and node.value is not None:
                function = self._enclosing_function(node)
                if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    entry = returns.setdefault(id(function), (function, []))
                    entry[1].extend(self.refs(node.value))
        for function, refs in returns.values():
            refs = [r for r in refs if r != ("factory", function.name)]
            if refs:
                self.facts.factories.setdefault(function.name, []).extend(refs)

    # ----- models, usage, module settings -------------------------------------------------

    def classify(self, node: ast.expr, at: ast.AST, depth: int = 0) -> ModelRef | None:
        where = Where(self.path, node.lineno, _short(node))
        if isinstance(node, ast.Constant):
            return ModelRef("literal", where) if isinstance(node.value, str) else None
        if isinstance(node, ast.JoinedStr):
            dynamic = any(isinstance(v, ast.FormattedValue) for v in node.values)
            return ModelRef("config" if dynamic else "literal", where)
        if isinstance(node, ast.IfExp):
            branches = [self.classify(b, at, depth + 1) for b in (node.body, node.orelse)]
            literal = all(b and b.kind == "literal" for b in branches)
            return ModelRef("literal" if literal else "config", where)
        if isinstance(node, ast.Call) and _named_model_call(node):
            return ModelRef("literal", where)  # get_chat_model("gpt-5-mini", ...)
        if isinstance(node, ast.Call) and id(node) in self._ctor_of:
            inner = self.facts.constructions[self._ctor_of[id(node)]]
            if inner.model is None and depth < 3:
                qual = qualify(dotted(node.func), self.aliases)
                inner.model = self._model_of(node, qual, depth + 1)
            return inner.model
        if isinstance(node, ast.Name) and depth < 3:
            return self._classify_name(node, at, depth) or ModelRef("config", where)
        if isinstance(node, ast.Attribute) and dotted(node).startswith("self.") and depth < 3:
            values = self._assigned(dotted(node), self.tree)
            kinds = [self.classify(v, v, depth + 1) for v in values]
            if kinds and all(k and k.kind == "literal" for k in kinds):
                first = kinds[0]
                assert first is not None
                return ModelRef("literal", first.where)
        return ModelRef("config", where)

    def _classify_name(self, node: ast.Name, at: ast.AST, depth: int) -> ModelRef | None:
        function = self._enclosing_function(at)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            params = function.args
            names = {a.arg for a in [*params.posonlyargs, *params.args, *params.kwonlyargs]}
            if node.id in names:
                return None
            values = self._assigned(node.id, function)
            before = [v for v in values if v.lineno <= getattr(at, "lineno", 0)]
            if before or values:
                value = (before or values)[-1]
                return self.classify(value, value, depth + 1)
        values = [
            s.value
            for s in self.tree.body
            if isinstance(s, ast.Assign) and any(dotted(t) == node.id for t in s.targets)
        ] + [
            s.value
            for s in self.tree.body
            if isinstance(s, ast.AnnAssign) and s.value is not None and dotted(s.target) == node.id
        ]
        if values:
            found = self.classify(values[-1], values[-1], depth + 1)
            if found and found.kind == "literal":
                return ModelRef(
                    "literal",
                    Where(self.path, values[-1].lineno, f"{node.id} = {found.where.what}"),
                )
            return found
        return None

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

    def _enclosing_function(self, node: ast.AST) -> ast.AST | None:
        current = self.parents.get(id(node))
        while current is not None and not isinstance(current, _FUNCTION):
            current = self.parents.get(id(current))
        return current

    def _usage(self) -> None:
        for node in self.of(ast.Attribute, ast.Subscript, ast.Call):
            what = ""
            if not isinstance(node, ast.expr):
                continue
            if isinstance(node, ast.Attribute):
                if node.attr in TOKEN_FIELDS and isinstance(node.ctx, ast.Load):
                    what = ast.unparse(node)
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
                key = node.slice
                if isinstance(key, ast.Constant) and key.value in TOKEN_FIELDS:
                    what = ast.unparse(node)
            elif isinstance(node, ast.Call):
                last = dotted(node.func).rsplit(".", 1)[-1]
                if last in USAGE_CALLS:
                    what = f"{last}(...)"
            if what:
                self.facts.usage.append(Where(self.path, node.lineno, _clip(what)))

    def _module_settings(self) -> None:
        for node in self.tree.body:
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                name = qualify(dotted(target), self.aliases)
                module, _, attr = name.rpartition(".")
                if module in ("openai", "anthropic", "litellm") and _truthy(node.value):
                    where = Where(self.path, node.lineno, f"{name} = {_short(node.value)}")
                    if attr in cat.TIMEOUT_KEYS:
                        self.facts.module_settings[(module, "timeout")] = where
                    elif attr in cat.RETRY_KEYS:
                        self.facts.module_settings[(module, "retry")] = where


_AGENTS_MARKERS = frozenset(
    {
        "Runner",
        "function_tool",
        "handoff",
        "ModelSettings",
        "RunConfig",
        "set_default_openai_client",
    }
)
_HTTP_CLIENTS = frozenset(
    {"httpx.Client", "httpx.AsyncClient", "requests.Session", "aiohttp.ClientSession"}
)


_LANGCHAIN_LLM = re.compile(r"(?:Endpoint|Hub|Pipeline|LLM|OpenAI|Ollama|Bedrock|VertexAI)\Z")
_NOT_MODELS = re.compile(
    r"(?:Template|Message|MessageChunk|History|Result|Generation|GenerationChunk|Session|"
    r"PromptValue|Loader|Memory|Callback\w*)\Z"
)


def _langchain_model(qual: str) -> bool:
    """A LangChain chat model or LLM class: from a provider package (`langchain_openai`) or the
    chat_models/llms modules, never a prompt, message or history class."""
    module, _, name = qual.rpartition(".")
    if qual.endswith("init_chat_model"):
        return True
    if not module.startswith("langchain") or module.startswith("langchain_core"):
        return False
    if not (name.startswith(("Chat", "AzureChat")) or _LANGCHAIN_LLM.search(name)):
        return False
    helpers = (".prompts", ".messages", ".schema", ".memory", ".callbacks")
    return not (_NOT_MODELS.search(name) or any(part in module for part in helpers))


_TAILS_BY_LAST: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
for _family, _tails in cat.CLIENT_TAILS.items():
    for _tail in _tails:
        _TAILS_BY_LAST.setdefault(_tail[-1], []).append((_family, _tail))
_LOCAL_CLASSES = ("AutoModelForCausalLM", "AutoModelForSeq2SeqLM")
_CLASS_CONSTRUCTORS = (".from_pretrained", ".from_model_id", ".from_defaults")
_GENERATION_CALLS = frozenset(
    {"generation", "start_generation", "update_current_generation", "start_observation"}
)


def _depends(node: ast.expr | None) -> list[Ref]:
    """`Depends(get_llm)` anywhere in an annotation or default: the provider's name."""
    if node is None:
        return []
    found: list[Ref] = []
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call) and dotted(inner.func).endswith("Depends") and inner.args:
            provider = dotted(inner.args[0]).rsplit(".", 1)[-1]
            if provider:
                found.append(("factory", provider))
    return found


def _named_model_call(call: ast.Call) -> bool:
    """A model-returning helper called with a literal model name as its first argument."""
    last = dotted(call.func).rsplit(".", 1)[-1].lower()
    first = call.args[0] if call.args else None
    literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
    return literal and ("model" in last or "llm" in last)


def _llm_module(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in cat.LLM_MODULES) or (
        module.startswith("langchain_")
    )


def _first_string(call: ast.Call, keyword: str) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    for kw in call.keywords:
        if kw.arg == keyword and isinstance(kw.value, ast.Constant):
            return str(kw.value.value)
    return None


def _chain(func: ast.Attribute) -> tuple[list[str], list[ast.Call]]:
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


def _strip_chain(node: ast.expr) -> ast.expr:
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


def _tail_len(attrs: list[str], families: tuple[str, ...]) -> int:
    best = 0
    for family in families:
        for tail in cat.CLIENT_TAILS[family]:
            if tuple(attrs[-len(tail) :]) == tail:
                best = max(best, len(tail))
    return best


def _json_model(call: ast.Call, extractor: _Extractor) -> ModelRef | None:
    for kw in call.keywords:
        if kw.arg in ("json", "data") and isinstance(kw.value, ast.Dict):
            for key, value in zip(kw.value.keys, kw.value.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "model":
                    return extractor.classify(value, call)
    return None


def _clip(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def extract(path: str, tree: ast.Module, text: str) -> FileFacts:
    """The LLM facts of one parsed file (the tree can be dropped afterwards)."""
    return _Extractor(path, tree, text).run()
