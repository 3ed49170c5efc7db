"""The project-wide model of LLM call sites, built once per audit and shared by every LLM check.

Phase one (`llm_extract`) reads each application file that mentions a model library once and
keeps small facts; this module links them across files (a client built by a factory in one
module and called in another), decides for every call site where its timeout, retry policy,
tracing and model name come from, and caches the result on the index.

What counts (the policy the checks document):
- A *call site* is a raw SDK call (`client.chat.completions.create`, `client.messages.create`,
  `client.models.generate_content`, `litellm.completion`, `ollama.chat`, bedrock `converse`,
  an HTTP POST to a provider's API) or, for frameworks, the construction of the model or agent
  (`ChatOpenAI(...)`, `init_chat_model(...)`, `Agent(model=...)`), where their timeout and
  retries are configured. Local runtimes (llama.cpp, transformers pipelines) are call sites
  that need no timeout or retry.
- SDK defaults do not count: the openai/anthropic clients' 600 s timeout is not a timeout a
  request can be served under, and their two implicit retries are not an explicit policy. httpx's
  5 s default is a real timeout and counts.
- Code under tests/, examples/, docs/, evals/ and benchmarks/ is not application code.
"""

from __future__ import annotations

import ast
import re
import weakref
from dataclasses import dataclass, field

from harness.audit import llm_catalog as cat
from harness.audit.index import RepoIndex, is_test_file
from harness.audit.llm_base import Kind, ModelRef, Ref, Where
from harness.audit.llm_callers import FactoryCallers
from harness.audit.llm_extract import Construction, FileFacts, Use, extract
from harness.audit.llm_trace import ALL, env_switches, langgraph_server

NON_APP_DIRS = frozenset(
    {"tests", "test", "examples", "example", "docs", "doc", "benchmarks", "bench", "node_modules"}
)
NON_APP_NAMES = ("benchmark", "loadtest", "load_test", "conftest")
# Entry points run on their own: tracing set up by the application does not reach them.
SCRIPT_DIRS = frozenset({"scripts", "evals", "eval", "evaluation", "notebooks"})
ENV_FILES = (
    ".env.example",
    ".env.sample",
    ".env.template",
    "*.env.example",
    "example.env",
    ".env.dist",
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
    "docker-compose.*.yml",
    "Dockerfile",
    "Dockerfile.*",
    "langgraph.json",
)
# A file is parsed only when it imports a library that calls models or traces them, or names
# what the model reads (token usage, a tracing switch, a provider's URL): a regular-expression
# test over the text is far cheaper than a parse, and most files of a large tree fail it.
_LIBRARIES = re.compile(
    r"^[ \t]*(?:from|import)[ \t]+(?:openai|anthropic|litellm|langchain(?!_core\b|_text_splitters)"
    r"\w*|llama_index|llama_cpp|mistralai|cohere|groq|ollama|together|pydantic_ai"
    r"|google\.(?:genai|generativeai|adk)|google[ \t]+import[ \t]+(?:genai|generativeai|adk)"
    r"|vertexai|dspy|instructor|haystack|smolagents|crewai|autogen\w*|huggingface_hub|semantic_kernel|vllm|transformers"
    r"|agents|langfuse|langsmith|traceloop|openinference|opentelemetry|mlflow|phoenix|weave"
    r"|logfire|agentops|openlit|fireworks|cerebras)\b",
    re.MULTILINE,
)
_WORDS = (
    "prompt_tokens",
    "input_tokens",
    "output_tokens",
    "completion_tokens",
    "total_tokens",
    "usage_metadata",
    "token_usage",
    "token_count",
    "completion_cost",
    "get_openai_callback",
    "LANGCHAIN_TRACING",
    "LANGSMITH_TRACING",
    "TRACING_DISABLED",
    "bedrock-runtime",
    *cat.PROVIDER_HOSTS,
)


def _relevant(text: str) -> bool:
    return any(word in text for word in _WORDS) or _LIBRARIES.search(text) is not None


@dataclass(frozen=True)
class LLMCall:
    """One call site and what the model decided about it."""

    where: Where
    family: str
    kind: str  # "sdk", "framework", "local", "http"
    timeout: Where | None
    retry: Where | None
    trace: Where | None
    model: ModelRef | None
    why_untraced: str = ""  # when a mechanism exists but does not reach this call

    @property
    def local(self) -> bool:
        return self.kind == "local"


@dataclass
class LLMModel:
    calls: list[LLMCall] = field(default_factory=list)
    usage: list[Where] = field(default_factory=list)
    tracing: list[tuple[tuple[str, ...], Where]] = field(default_factory=list)
    llm_imports: list[Where] = field(default_factory=list)
    unknown: list[Where] = field(default_factory=list)  # why some calls may have been missed


_CACHE: weakref.WeakKeyDictionary[RepoIndex, LLMModel] = weakref.WeakKeyDictionary()


def llm_model(index: RepoIndex) -> LLMModel:
    """The model for this index, built on first use and shared by every LLM check."""
    model = _CACHE.get(index)
    if model is None:
        model = build(index)
        _CACHE[index] = model
    return model


def is_app_file(rel: str) -> bool:
    if is_test_file(rel):
        return False
    parts = rel.split("/")
    if parts[-1].startswith(NON_APP_NAMES) or "{{" in rel or "{%" in rel:
        return False  # benchmark scripts and template sources (cookiecutter/Jinja paths)
    return not any(p in NON_APP_DIRS or p.startswith(".") for p in parts[:-1])


# Python 3.12 syntax this interpreter may not read: `type X = ...` and generic parameter lists.
_TYPE_ALIAS = re.compile(r"^(\s*)type\s+(\w+)\s*(?:\[[^\]=]*\])?\s*=", re.MULTILINE)
_GENERIC_DEF = re.compile(
    r"^(\s*(?:async\s+)?(?:def|class)\s+\w+)\[[^\]]*\](?=\s*[(:])", re.MULTILINE
)


def parse(text: str, rel: str) -> ast.Module:
    """The file's AST; newer syntax (PEP 695) is rewritten line for line when this Python
    cannot read it, so a 3.12 project is still read on 3.11."""
    try:
        return ast.parse(text, rel)
    except SyntaxError:
        downgraded = _GENERIC_DEF.sub(r"\1", _TYPE_ALIAS.sub(r"\1\2 =", text))
        if downgraded == text:
            raise
        return ast.parse(downgraded, rel)


def build(index: RepoIndex) -> LLMModel:
    files: list[FileFacts] = []
    model = LLMModel()
    parsed: set[str] = set()
    installed = _installed_roots(index)
    app_files = [
        rel for rel in index.python_files() if is_app_file(rel) and not rel.startswith(installed)
    ]
    for rel in app_files:
        text = index.text(rel)
        if text is not None and _relevant(text):
            parsed.add(rel)
            _read(rel, text, files, model)
    # Callers of a factory defined elsewhere (`client = get_client()`) need not import any
    # model library: read the files that call one they import (or its module, or its class).
    factories = _llm_factories(files)
    if factories:
        callers = FactoryCallers(
            {name: [f.path for f in files if name in f.factories] for name in factories}
        )
        for rel in app_files:
            text = index.text(rel)
            if rel not in parsed and text is not None and callers.calls(text):
                _read(rel, text, files, model)
    for rel in index.match("*.yaml", "*.yml"):
        text = index.text(rel) if is_app_file(rel) else None
        if text and "litellm_settings" in text and "track_cost" in text:
            line = text[: text.index("track_cost")].count("\n") + 1
            model.usage.append(Where(rel, line, "LiteLLM proxy tracks cost per request"))
    for rel in index.match(*ENV_FILES):
        if rel.rsplit("/", 1)[-1] == "langgraph.json" and is_app_file(rel):
            model.tracing.append(langgraph_server(rel))
            continue
        text = index.text(rel)
        if text and "TRACING" in text:
            model.tracing += env_switches(rel, text)
    return _link(files, model)


def _installed_roots(index: RepoIndex) -> tuple[str, ...]:
    """Folders of installed packages (a site-packages or dist-packages folder, or a folder
    holding several `*.dist-info` records): third-party code, not the project's calls."""
    roots: set[str] = set()
    records: dict[str, set[str]] = {}
    for rel in index.files:
        for marker in ("site-packages/", "dist-packages/"):
            at = rel.find(marker)
            if at != -1:
                roots.add(rel[: at + len(marker)])
        at = rel.find(".dist-info/")
        if at != -1:
            parent, _, record = rel[:at].rpartition("/")
            records.setdefault(parent + "/" if parent else "", set()).add(record)
    roots |= {parent for parent, found in records.items() if len(found) >= 3}
    if "" in roots:
        return ("",)  # the audited folder is itself a site-packages
    return tuple(sorted(roots))


def _read(rel: str, text: str, files: list[FileFacts], model: LLMModel) -> None:
    try:
        tree = parse(text, rel)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        template = "{{" in text or "{%" in text  # a Jinja/cookiecutter source, not Python
        if not template and _LIBRARIES.search(text):
            reason = getattr(exc, "msg", None) or type(exc).__name__
            line = getattr(exc, "lineno", None) or 1
            model.unknown.append(Where(rel, line, f"does not parse ({reason})"))
        return
    try:
        files.append(extract(rel, tree, text))
    except RecursionError:
        model.unknown.append(Where(rel, 1, "too deeply nested to read"))
    except Exception as exc:  # a file the model cannot read is a finding, never a crash
        model.unknown.append(Where(rel, 1, f"could not be read ({type(exc).__name__})"))


def _llm_factories(files: list[FileFacts]) -> set[str]:
    """Names of functions that return a client or a model (resolved across files)."""
    return _Linker(files).productive


class _Linker:
    def __init__(self, files: list[FileFacts]) -> None:
        self.files = {f.path: f for f in files}
        self.factories: dict[str, list[tuple[str, Ref]]] = {}
        for facts in files:
            for name, refs in facts.factories.items():
                self.factories.setdefault(name, []).extend((facts.path, r) for r in refs)
        self.productive = self._productive()
        self._memo: dict[tuple[str, Ref], frozenset[tuple[str, int]]] = {}

    def _productive(self) -> set[str]:
        """Factories that can return a construction. On a large tree most functions return
        something; following only these keeps resolution linear instead of exploring every
        call graph path."""
        productive: set[str] = set()
        live: dict[tuple[str, str], bool] = {}  # (file, bound name) -> leads to a construction

        def leads(path: str, ref: Ref) -> bool:
            kind, value = ref
            if kind == "ctor":
                return True
            if kind == "factory":
                return value in productive
            name = str(value)
            return live.get((path, name), False) or live.get((path, name.rpartition(":")[2]), False)

        changed = True
        while changed:
            changed = False
            for facts in self.files.values():
                for key, refs in facts.bindings.items():
                    if not live.get((facts.path, key)) and any(leads(facts.path, r) for r in refs):
                        live[(facts.path, key)] = changed = True
            for name, entries in self.factories.items():
                if name not in productive and any(leads(p, r) for p, r in entries):
                    productive.add(name)
                    changed = True
        return productive

    def resolve(self, path: str, refs: list[Ref]) -> set[tuple[str, int]]:
        """Constructions (file, index) an expression may evaluate to."""
        out: set[tuple[str, int]] = set()
        for ref in refs:
            out |= self._one((path, ref))
        return out

    def _one(self, start: tuple[str, Ref]) -> frozenset[tuple[str, int]]:
        # Iterative depth-first walk over references, memoised per reference; a reference met
        # again while it is being resolved (a cycle) adds nothing new.
        if start in self._memo:
            return self._memo[start]
        found: set[tuple[str, int]] = set()
        seen: set[tuple[str, Ref]] = set()
        stack = [start]
        while stack:
            key = stack.pop()
            if key in seen:
                continue
            seen.add(key)
            if key in self._memo:
                found |= self._memo[key]
                continue
            path, (kind, value) = key
            if kind == "ctor":
                assert isinstance(value, int)
                found.add((path, value))
            elif kind == "name":
                bindings = self.files[path].bindings
                name = str(value)
                bound = bindings.get(name) or bindings.get(name.rpartition(":")[2], [])
                stack.extend((path, r) for r in bound)
            elif value in self.productive:
                stack.extend(self.factories.get(str(value), []))
        self._memo[start] = frozenset(found)
        return self._memo[start]

    def ctor(self, ident: tuple[str, int]) -> Construction:
        return self.files[ident[0]].constructions[ident[1]]


def _link(files: list[FileFacts], model: LLMModel) -> LLMModel:
    linker = _Linker(files)
    derived: dict[tuple[str, int], dict[Kind, Where]] = {}
    consumed: set[tuple[str, int]] = set()
    inner_of: dict[tuple[str, int], set[tuple[str, int]]] = {}
    overridden: dict[tuple[str, int], ModelRef] = {}
    for facts in files:
        for refs, literal in facts.overrides:
            for ident in linker.resolve(facts.path, refs):
                overridden.setdefault(ident, literal)
    for facts in files:
        model.usage += facts.usage
        model.llm_imports += facts.llm_imports
        model.tracing += facts.trace.mechanisms
        for kind, where, refs in facts.derived:
            for ident in linker.resolve(facts.path, refs):
                derived.setdefault(ident, {}).setdefault(kind, where)
        for number, construction in enumerate(facts.constructions):
            ident = (facts.path, number)
            inner = linker.resolve(facts.path, construction.inner) - {ident}
            inner_of[ident] = inner
            if construction.role in ("model", "function"):
                consumed |= {i for i in inner if linker.ctor(i).role == "model"}
    disabled = {family for f in files for family, _ in f.trace.disabled}
    callbacks = [w for f in files for w in f.trace.callbacks]
    invocations = _invocations(files, linker)
    module_settings: dict[tuple[str, Kind], Where] = {}
    for facts in files:
        module_settings.update(facts.module_settings)
    tracing = model.tracing
    agents = [
        c.where
        for f in files
        for n, c in enumerate(f.constructions)
        if c.family == "openai-agents" and (f.path, n) not in consumed
    ]
    agents.sort(key=lambda w: (w.path, w.line))
    if agents and "openai-agents" not in disabled:
        builtin = Where(
            agents[0].path, agents[0].line, "openai-agents built-in tracing (default on)"
        )
        tracing = [*tracing, (("openai-agents",), builtin)]
    for facts in files:
        for number, construction in enumerate(facts.constructions):
            ident = (facts.path, number)
            if construction.role in ("client", "http") or ident in consumed:
                continue
            settings = _settings(construction, linker, inner_of[ident], derived.get(ident, {}))
            for kind, where in _all_wrapped(invocations.get(ident, [])).items():
                settings.setdefault(kind, where)
            for kind in ("timeout", "retry"):
                if (
                    construction.family in ("litellm",)
                    and (construction.family, kind) in module_settings
                ):
                    settings.setdefault(kind, module_settings[(construction.family, kind)])
            kind_name = "local" if construction.role == "local" else "framework"
            if construction.role == "function":
                kind_name = "sdk"
            trace = settings.get("trace") or _project_trace(
                construction.where, construction.family, tracing
            )
            direct = invocations.get(ident, [])
            why = ""
            if trace is not None and "trace" not in settings:
                # A script invoking the model is reached only by what reaches the script.
                for use in direct:
                    reached = use.wrappers.get("trace") or _project_trace(
                        use.where, construction.family, tracing
                    )
                    if reached is None and trace is not None:
                        why = f"{trace.what} does not reach its run at {use.where.location()}"
                        trace = None
            if trace is None and callbacks and construction.family == "langchain":
                # A callback handler traces the runs it is handed: the model is traced when
                # every direct invocation of it passes a config or callbacks.
                script = construction.where.path.split("/", 1)[0] in SCRIPT_DIRS
                bare = [u for u in direct if not u.configured]
                if not script and not bare:
                    trace, why = callbacks[0], ""
                elif bare and not why:
                    why = (
                        f"{callbacks[0].what} ({callbacks[0].location()}) is not passed to"
                        f" the run at {bare[0].where.location()}"
                    )
            model.calls.append(
                LLMCall(
                    construction.where,
                    construction.family,
                    kind_name,
                    settings.get("timeout"),
                    settings.get("retry"),
                    trace,
                    overridden.get(ident, construction.model),
                    why,
                )
            )
        for use in facts.uses:
            call = _sdk_call(use, facts, linker, module_settings, tracing, disabled)
            if call is not None:
                model.calls.append(call)
    model.calls.sort(key=lambda c: (c.where.path, c.where.line))
    model.usage.sort(key=lambda w: (w.path, w.line))
    opaque = [w for f in files for w in f.opaque]
    if opaque and not model.calls:
        model.unknown += opaque[:1]
    return model


def _settings(
    construction: Construction,
    linker: _Linker,
    inner: set[tuple[str, int]],
    derived: dict[Kind, Where],
) -> dict[Kind, Where]:
    found: dict[Kind, Where] = dict(construction.wrappers)
    pairs: tuple[tuple[Kind, Where | None], ...] = (
        ("timeout", construction.timeout),
        ("retry", construction.retry),
    )
    for kind, where in pairs:
        if where is not None:
            found.setdefault(kind, where)
    for kind, where in derived.items():
        found.setdefault(kind, where)
    # What the model is built from (a client, an inner model), to any depth.
    seen: set[tuple[str, int]] = set()
    todo = sorted(inner)
    while todo:
        ident = todo.pop(0)
        if ident in seen:
            continue
        seen.add(ident)
        other = linker.ctor(ident)
        for kind, where in (("timeout", other.timeout), ("retry", other.retry)):
            if where is not None:
                found.setdefault("timeout" if kind == "timeout" else "retry", where)
        todo += sorted(linker.resolve(ident[0], other.inner) - seen)
    return found


def _invocations(files: list[FileFacts], linker: _Linker) -> dict[tuple[str, int], list[Use]]:
    """Framework models -> the invocations (`.invoke`, `Runner.run`) linked to them."""
    out: dict[tuple[str, int], list[Use]] = {}
    for facts in files:
        for use in facts.uses:
            if use.families:
                continue
            for ident in linker.resolve(facts.path, use.receiver):
                if linker.ctor(ident).role == "model":
                    out.setdefault(ident, []).append(use)
    return out


def _all_wrapped(uses: list[Use]) -> dict[Kind, Where]:
    """A timeout, retry or trace that wraps every invocation of a model counts for the model."""
    if not uses:
        return {}
    found: dict[Kind, Where] = {}
    for kind in ("timeout", "retry", "trace"):
        wheres = [u.wrappers.get(kind) for u in uses]
        if all(wheres) and wheres[0] is not None:
            found[kind] = wheres[0]
    return found


def _project_trace(
    call: Where, family: str, tracing: list[tuple[tuple[str, ...], Where]]
) -> Where | None:
    """A mechanism covering the family. Set up in code, it reaches the application, not the
    scripts and eval runners started on their own (env files and langgraph.json reach all)."""
    top = call.path.split("/", 1)[0] if "/" in call.path else ""
    script = top in SCRIPT_DIRS
    for families, where in tracing:
        if not (ALL in families or family in families):
            continue
        from_env = where.path.rsplit("/", 1)[-1].startswith((".env", "env", "compose", "docker"))
        if script and not from_env and not where.path.startswith(top + "/"):
            continue
        return where
    return None


def _sdk_call(
    use: Use,
    facts: FileFacts,
    linker: _Linker,
    module_settings: dict[tuple[str, Kind], Where],
    tracing: list[tuple[tuple[str, ...], Where]],
    disabled: set[str],
) -> LLMCall | None:
    if not use.families:
        return None
    clients = [
        linker.ctor(i)
        for i in sorted(linker.resolve(facts.path, use.receiver))
        if linker.ctor(i).role in ("client", "http")
    ]
    family = next((c.family for c in clients if c.family in use.families), None)
    clients = [c for c in clients if c.family == family]
    if family is None and use.families == ("http",) and use.module == "http":
        family = "http"
    if family is None and use.module in use.families:
        family = use.module
    if family is None and use.strong:
        family = use.strong
        clients = _fallback_clients(family, facts, linker)
    if family is None:
        return None
    found: dict[Kind, Where] = {**use.wrappers}
    for kind, where in use.kwargs.items():
        found.setdefault(kind, where)
    for kind in ("timeout", "retry"):
        wheres = [getattr(c, kind) for c in clients]
        if clients and all(wheres):
            found.setdefault(kind, wheres[0])
        if (family, kind) in module_settings and (use.module or not clients):
            found.setdefault(kind, module_settings[(family, kind)])
    if family == "http" and not clients and "timeout" not in found:
        pass  # a bare requests/httpx call: its own `timeout=` is the only one
    trace = found.get("trace") or _project_trace(use.where, family, tracing)
    return LLMCall(
        use.where,
        family,
        "http" if family == "http" else "sdk",
        found.get("timeout"),
        found.get("retry"),
        trace,
        use.model,
    )


def _fallback_clients(family: str, facts: FileFacts, linker: _Linker) -> list[Construction]:
    """A client passed in from elsewhere: the family's clients in this file, else in the
    project, stand for it (all must set a timeout for the call to have one)."""
    local = [c for c in facts.constructions if c.role == "client" and c.family == family]
    if local:
        return local
    return [
        c
        for f in linker.files.values()
        for c in f.constructions
        if c.role == "client" and c.family == family
    ]
