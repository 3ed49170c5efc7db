"""Security detectors: committed secrets, upload limits, CORS, debug mode."""

from __future__ import annotations

import ast
import re

from harness.audit.detectors.python_code import call_name
from harness.audit.index import RepoIndex
from harness.audit.model import Evidence, Outcome
from harness.audit.registry import NoParams, detector

ENV_FILE = re.compile(r"(^|/)\.env(\.[A-Za-z0-9_-]+)?$")
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
# Every pattern starts with one of these: a substring test skips files before the regex runs.
SECRET_PREFIXES = (
    "sk-",
    "AKIA",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "xox",
    "AIza",
    "hf_",
    "-----BEGIN",
)
_SECRETS = re.compile("|".join(f"(?:{p})" for p in SECRET_PATTERNS.values()))


def _is_env_file(rel: str) -> bool:
    return bool(ENV_FILE.search(rel)) and not rel.endswith(ENV_TEMPLATES)


@detector("env_files_not_committed")
def env_files_not_committed(index: RepoIndex, params: NoParams) -> Outcome:
    """Fails when a .env file is tracked by git, or present and not covered by .gitignore."""
    exposed = [Evidence(rel, None, "not ignored") for rel in index.files if _is_env_file(rel)]
    tracked = index.tracked or frozenset()
    exposed += [
        Evidence(rel, None, "tracked by git")
        for rel in sorted(tracked)
        if _is_env_file(rel) and rel not in index.files
    ]
    if exposed:
        names = ", ".join(f"{e.path} ({e.note})" for e in exposed)
        return Outcome.failed(f"environment files would be committed: {names}", *exposed)
    return Outcome.passed("no .env file is or would be committed")


@detector("secrets_absent")
def secrets_absent(index: RepoIndex, params: NoParams) -> Outcome:
    """Fails on text that has the format of a real credential (API keys, tokens, private keys)."""
    hits = [
        Evidence(rel, text.count("\n", 0, match.start()) + 1, "looks like a credential")
        for rel in index.files
        if (text := index.text(rel)) and any(prefix in text for prefix in SECRET_PREFIXES)
        for match in _SECRETS.finditer(text)
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
    """Fails when CORS allows any origin (`*`) together with credentials."""
    configured: list[Evidence] = []
    unsafe: list[Evidence] = []
    for rel, tree in index.iter_python("CORSMiddleware"):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _mentions_cors(node):
                configured.append(Evidence(rel, node.lineno))
                if _wildcard_with_credentials(node):
                    unsafe.append(Evidence(rel, node.lineno, "allow_origins=['*'] + credentials"))
    if not configured:
        return Outcome.not_applicable("no CORS middleware configured")
    if unsafe:
        return Outcome.failed("CORS allows any origin with credentials", *unsafe)
    return Outcome.passed("CORS does not combine '*' with credentials", *configured)


def _mentions_cors(call: ast.Call) -> bool:
    return any("CORSMiddleware" in ast.unparse(a) for a in call.args) or call_name(
        call.func
    ).endswith("CORSMiddleware")


def _wildcard_with_credentials(call: ast.Call) -> bool:
    kwargs = {k.arg: k.value for k in call.keywords if k.arg}
    origins = kwargs.get("allow_origins")
    credentials = kwargs.get("allow_credentials")
    wildcard = origins is not None and "'*'" in ast.unparse(origins)
    regex_any = "allow_origin_regex" in kwargs and ".*" in ast.unparse(kwargs["allow_origin_regex"])
    with_credentials = isinstance(credentials, ast.Constant) and credentials.value is True
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
