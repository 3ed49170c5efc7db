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
from harness.audit.llm_base import Kind, ModelRef, Ref, Where, dotted, qualify
from harness.audit.llm_file import (
    FileView,
    clip,
    config_kwargs,
    first_string,
    framework_family,
    lookup,
    short,
    split_chain,
    strip_chain,
    tail_len,
    truthy,
)
from harness.audit.llm_trace import TraceFacts, scan_trace


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


class _Extractor(FileView):
    def __init__(self, path: str, tree: ast.Module, text: str) -> None:
        super().__init__(path, tree, text)
        self.facts = FileFacts(path)
        self.injects = "Depends" in text or "Annotated" in text
        self._ctor_of: dict[int, int] = {}
        self._pending_models: list[tuple[ast.Call, str, Construction]] = []
        self.http_file = bool(cat.HTTP_MODULES & set(self.aliases.values())) and any(
            host in text for host in cat.PROVIDER_HOSTS
        )
        self.openai_agents = any(
            v.startswith("agents.") and v.rsplit(".", 1)[-1] in _AGENTS_MARKERS
            for v in self.aliases.values()
        )

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
        elif last == "client" and first_string(call, "service_name") == "bedrock-runtime":
            role, family = "client", "bedrock"
        elif family := lookup(qual, cat.FUNCTIONS):
            role = "function"
        elif family := lookup(qual, cat.LOCAL):
            task = first_string(call, "task")
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
        attrs, chain = split_chain(call.func)
        if not attrs:
            return
        families = tuple(
            dict.fromkeys(
                family
                for family, tail in _TAILS_BY_LAST.get(attrs[-1], ())
                if tuple(attrs[-len(tail) :]) == tail
            )
        )
        tail = tail_len(attrs, families)
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
        where = Where(self.path, call.lineno, ".".join(attrs[-(tail or 1) :]) + "(...)")
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
        for _ in range(tail or 1):
            if not isinstance(base, ast.Attribute):
                break
            base = strip_chain(base.value)
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

    def _imports_family(self, family: str) -> bool:
        roots = cat.STRONG_TAILS[family]
        return any(v == r or v.startswith(r + ".") for v in self.aliases.values() for r in roots)

    def _call_model(self, call: ast.Call) -> ModelRef | None:
        for kw in call.keywords:
            if kw.arg in cat.MODEL_KEYS and kw.arg != "llm":
                return self.classify(kw.value, call)
        for kw in call.keywords:
            if kw.arg is None:  # `**self._request(...)`, `**params`
                return self._spread_model(kw.value, call)
        return None

    def _spread_model(self, value: ast.expr, at: ast.AST) -> ModelRef:
        """The model in a dict spread into the call: built by a helper of this file (its
        returned dict) or assigned in the function; otherwise computed, so not hard-coded."""
        dicts: list[ast.Dict] = []
        if isinstance(value, ast.Call):
            name = dotted(value.func).rsplit(".", 1)[-1]
            home = self._scoped("self.x", at).partition(":")[0]  # the caller's class
            for function in self.of(ast.FunctionDef, ast.AsyncFunctionDef):
                assert isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
                same = self._scoped("self.x", function).partition(":")[0] == home
                if function.name == name and same:
                    returns = [n for n in ast.walk(function) if isinstance(n, ast.Return)]
                    dicts += [r.value for r in returns if isinstance(r.value, ast.Dict)]
        elif isinstance(value, ast.Name):
            scope = self._enclosing_function(at) or self.tree
            dicts += [v for v in self._assigned(value.id, scope) if isinstance(v, ast.Dict)]
        for found in dicts:
            for key, item in zip(found.keys, found.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "model":
                    model = self.classify(item, item)
                    if model is not None:
                        return model
        return ModelRef("config", Where(self.path, value.lineno, "**" + short(value)))

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
        where = Where(self.path, node.lineno, short(node))
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
                self.facts.usage.append(Where(self.path, node.lineno, clip(what)))

    def _module_settings(self) -> None:
        for node in self.tree.body:
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                name = qualify(dotted(target), self.aliases)
                module, _, attr = name.rpartition(".")
                if module in ("openai", "anthropic", "litellm") and truthy(node.value):
                    where = Where(self.path, node.lineno, f"{name} = {short(node.value)}")
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


def _json_model(call: ast.Call, extractor: _Extractor) -> ModelRef | None:
    for kw in call.keywords:
        if kw.arg in ("json", "data") and isinstance(kw.value, ast.Dict):
            for key, value in zip(kw.value.keys, kw.value.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "model":
                    return extractor.classify(value, call)
    return None


def extract(path: str, tree: ast.Module, text: str) -> FileFacts:
    """The LLM facts of one parsed file (the tree can be dropped afterwards)."""
    return _Extractor(path, tree, text).run()
