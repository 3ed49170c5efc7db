"""Security detectors: committed secrets, upload limits, CORS, debug mode."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from harness.audit.detectors.python_code import call_name
from harness.audit.excluded import looks_templated
from harness.audit.index import RepoIndex
from harness.audit.model import Evidence, Outcome
from harness.audit.registry import NoParams, detector

# `.env`, `.env.prod`, and `backend.env`-style files kept in an envs/ folder.
ENV_FILE = re.compile(r"(^|/)(\.env(\.[A-Za-z0-9_-]+)?|[A-Za-z0-9_-]+\.env)$")
ENV_TEMPLATES = (".example", ".sample", ".template", ".dist", ".defaults")
# Formats of real credentials; placeholders such as `sk-...` or `changeme` do not match.
SECRET_PATTERNS = {
    "OpenAI key": r"\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{32,}",
    "Anthropic key": r"\bsk-ant-[A-Za-z0-9_-]{32,}",
    "Langfuse secret key": r"\bsk-lf-[0-9a-f]{8}-[0-9a-f-]{27,}",
    "AWS access key": r"\bAKIA[0-9A-Z]{16}\b",
    "GitHub token": r"\bgh[pousr]_[A-Za-z0-9]{36,}",
    "Slack token": r"\bxox[abprs]-[A-Za-z0-9-]{10,}",
    "Google API key": r"\bAIza[0-9A-Za-z_-]{35}\b",
    "Hugging Face token": r"\bhf_[A-Za-z]{34,}\b",
    "private key": r"-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----",
}
# Scanning is linear: every pattern starts with a literal, so the regex engine jumps from one
# occurrence of that literal to the next in C (a leading \b would make it try every position);
# the word boundary is checked only where a whole credential matched. `{32,}` becomes `{32}`:
# enough to tell a credential, and a match never runs on through a long run of key characters.
# The OpenAI pattern also covers Anthropic and Langfuse keys (same prefix, same characters).
_SCANNED = (
    "OpenAI key",
    "AWS access key",
    "GitHub token",
    "Slack token",
    "Google API key",
    "Hugging Face token",
    "private key",
)
_SCAN = tuple(
    re.compile(re.sub(r"\{(\d+),\}", r"{\1}", SECRET_PATTERNS[name].removeprefix(r"\b")))
    for name in _SCANNED
)
_WORD = re.compile(r"\w")
MAX_HITS_PER_FILE = 20  # enough evidence; a hostile file full of keys stops here


def secret_offsets(text: str) -> list[int]:
    """Offsets of credential-shaped strings, in one C-speed pass per pattern."""
    found: list[int] = []
    for pattern in _SCAN:
        for match in pattern.finditer(text):
            start = match.start()
            if start and text[start] != "-" and _WORD.match(text, start - 1):
                continue  # inside a longer word, e.g. "task-..."
            found.append(start)
            if len(found) >= MAX_HITS_PER_FILE:
                return sorted(found)
    return sorted(found)


def _is_env_file(rel: str) -> bool:
    return bool(ENV_FILE.search(rel)) and not rel.endswith(ENV_TEMPLATES)


def _real_env_file(index: RepoIndex, rel: str) -> bool:
    """An env file that may hold values: not an example, not a template's source."""
    if not _is_env_file(rel) or rel in index.excluded:
        return False
    text = index.text(rel) if index.has(rel) else None
    return text is None or not looks_templated(text)


@detector("env_files_not_committed")
def env_files_not_committed(index: RepoIndex, params: NoParams) -> Outcome:
    """Fails when a .env file is committed (in the git index, even if .gitignore'd later) or
    present and not covered by .gitignore (the next `git add .` would commit it)."""
    tracked = index.tracked
    committed = sorted(rel for rel in (tracked or ()) if _real_env_file(index, rel))
    exposed = [Evidence(rel, None, "committed: tracked by git") for rel in committed]
    exposed += [
        Evidence(rel, None, "not ignored: would be committed")
        for rel in index.files
        if _real_env_file(index, rel) and rel not in committed
    ]
    if exposed:
        parts = []
        if committed:
            parts.append(f"environment files committed: {', '.join(committed)}")
        pending = [e.path for e in exposed if e.path not in committed]
        if pending:
            parts.append(f"would be committed (not ignored): {', '.join(pending)}")
        return Outcome.failed("; ".join(parts), *exposed)
    return Outcome.passed("no .env file is or would be committed")


@detector("secrets_absent")
def secrets_absent(index: RepoIndex, params: NoParams) -> Outcome:
    """Fails on text that has the format of a real credential (API keys, tokens, private keys)."""
    hits = [
        Evidence(rel, text.count("\n", 0, offset) + 1, "looks like a credential")
        for rel in index.files
        if (text := index.text(rel))
        for offset in secret_offsets(text)
    ]
    if hits:
        return Outcome.failed(f"{len(hits)} credential-like strings in the repository", *hits)
    return Outcome.passed("no credential-like strings")


_SIZE_GUARD = re.compile(
    r"max_(upload|file|body|content)_?(size|bytes|mb)|MAX_(UPLOAD|FILE|BODY|CONTENT)|"
    r"content[-_]length|HTTP_413|status_code\s*=\s*413|too large",
    re.IGNORECASE,
)


@detector("upload_size_limit")
def upload_size_limit(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when every module with an UploadFile route also enforces a size limit."""
    modules = []
    for rel, tree in index.iter_python("UploadFile"):
        if rel.startswith("tests/") or "/tests/" in rel:
            continue
        line = _upload_param_line(tree)
        if line is not None:
            modules.append(Evidence(rel, line))
    if not modules:
        return Outcome.not_applicable("no route takes an UploadFile")
    unguarded = [ev for ev in modules if not _SIZE_GUARD.search(index.text(ev.path) or "")]
    if unguarded:
        return Outcome.failed("upload routes without a size limit", *unguarded)
    return Outcome.passed("every upload route enforces a size limit", *modules)


def _upload_param_line(tree: ast.Module) -> int | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for arg in node.args.args + node.args.kwonlyargs:
                if arg.annotation is not None and "UploadFile" in ast.unparse(arg.annotation):
                    return node.lineno
    return None


@detector("cors_safe")
def cors_safe(index: RepoIndex, params: NoParams) -> Outcome:
    """Fails when CORS allows any origin (`*`) together with credentials, also when the origins
    come from a settings default, a module constant or an environment default."""
    configured: list[Evidence] = []
    unsafe: list[Evidence] = []
    defaults: dict[str, ast.expr] | None = None
    for rel, tree in index.iter_python("CORSMiddleware"):
        constants = _module_constants(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _mentions_cors(node):
                configured.append(Evidence(rel, node.lineno))
                if defaults is None:
                    defaults = _settings_defaults(index)
                if _wildcard_with_credentials(node, _Values(constants, defaults)):
                    unsafe.append(Evidence(rel, node.lineno, "allow_origins=['*'] + credentials"))
    if not configured:
        return Outcome.not_applicable("no CORS middleware configured")
    if unsafe:
        return Outcome.failed("CORS allows any origin with credentials", *unsafe)
    return Outcome.passed("CORS does not combine '*' with credentials", *configured)


def _mentions_cors(call: ast.Call) -> bool:
    return any(call_name(a).endswith("CORSMiddleware") for a in call.args) or call_name(
        call.func
    ).endswith("CORSMiddleware")


class _Values:
    """Resolves what an argument evaluates to from literals, module constants, settings
    defaults and environment defaults — without running anything."""

    def __init__(self, constants: dict[str, ast.expr], defaults: dict[str, ast.expr]) -> None:
        self.constants = constants
        self.defaults = defaults

    def resolve(self, node: ast.expr | None, depth: int = 0) -> list[object]:
        if node is None or depth > 8:
            return []
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return [part.strip() for part in node.value.split(",")]
            return [node.value]
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return [v for element in node.elts for v in self.resolve(element, depth + 1)]
        if isinstance(node, ast.Name):
            return self.resolve(self.constants.get(node.id), depth + 1)
        if isinstance(node, ast.Attribute):
            return self.resolve(self.defaults.get(node.attr), depth + 1)
        if isinstance(node, ast.Call):
            name = call_name(node.func)
            if name.endswith(("getenv", "environ.get")) and len(node.args) >= 2:
                return self.resolve(node.args[1], depth + 1)
            if name.endswith(("getenv", "environ.get")):
                default = next((k.value for k in node.keywords if k.arg == "default"), None)
                return self.resolve(default, depth + 1)
            if isinstance(node.func, ast.Attribute) and node.func.attr in ("split", "strip"):
                return self.resolve(node.func.value, depth + 1)
            if _last(name) in ("Field", "list", "tuple", "set"):
                default = next((k.value for k in node.keywords if k.arg == "default"), None)
                return self.resolve(default or (node.args[0] if node.args else None), depth + 1)
        return []


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _assignments(body: list[ast.stmt]) -> Iterator[tuple[str, ast.expr]]:
    for statement in body:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    yield target.id, statement.value
        elif (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and statement.value is not None
        ):
            yield statement.target.id, statement.value


def _module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    return dict(_assignments(tree.body))


def _settings_defaults(index: RepoIndex) -> dict[str, ast.expr]:
    """Field defaults of every settings class (pydantic-settings or a plain Settings class)."""
    defaults: dict[str, ast.expr] = {}
    for _, tree in index.iter_python("Settings", "settings"):
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and "settings" in node.name.lower():
                for name, value in _assignments(node.body):
                    defaults.setdefault(name, value)
    return defaults


def _wildcard_with_credentials(call: ast.Call, values: _Values) -> bool:
    kwargs = {k.arg: k.value for k in call.keywords if k.arg}
    wildcard = "*" in values.resolve(kwargs.get("allow_origins"))
    regex = [v for v in values.resolve(kwargs.get("allow_origin_regex")) if isinstance(v, str)]
    regex_any = any(v in (".*", "^.*$", ".+", "^.+$", "https?://.*") for v in regex)
    with_credentials = True in values.resolve(kwargs.get("allow_credentials"))
    return (wildcard or regex_any) and with_credentials


@detector("debug_off")
def debug_off(index: RepoIndex, params: NoParams) -> Outcome:
    """Fails when an app is created with `debug=True` or served with `reload=True` in code."""
    found = []
    for rel, tree in index.iter_python("debug=True", "reload=True"):
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            app_call = call_name(node.func).endswith(("FastAPI", "Flask", "run", "Starlette"))
            for kw in node.keywords:
                switched_on = isinstance(kw.value, ast.Constant) and kw.value.value is True
                if app_call and kw.arg in ("debug", "reload") and switched_on:
                    found.append(Evidence(rel, node.lineno, f"{kw.arg}=True"))
    if found:
        return Outcome.failed("debug or reload switched on in code", *found)
    return Outcome.passed("no debug or reload switched on in code")
