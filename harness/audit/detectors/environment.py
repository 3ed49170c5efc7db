"""The environment variables code reads, found once and shared by `settings-from-env` and
`env-example-complete` (so the two can never disagree), and the env example files that document
them — per service in a monorepo: each read is matched to the nearest example above it."""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

from harness.audit.detectors._common import plural
from harness.audit.detectors.python_code import call_name, string_arg
from harness.audit.index import RepoIndex
from harness.audit.layout import is_app_code
from harness.audit.model import Evidence, Outcome
from harness.audit.registry import NoParams, detector

ENV_EXAMPLES = (
    ".env.example",
    ".env.sample",
    ".env.template",
    ".env.dist",
    ".env.defaults",
    "example.env",
    "sample.env",
    "*.env.example",
    "*.env.sample",
    "*.env.template",
    ".env.*.example",
    "env.example",
    ".env-template",
    ".env-example",
    ".env_example",
    "env.template",
)
_ENV_KEY = re.compile(r"^\s*#?\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*[=:]", re.MULTILINE)
# Substrings of every way of reading the environment below: other files are not parsed.
NEEDLES = ("environ", "getenv", "BaseSettings", "dotenv")
_READ_CALLS = ("getenv", "environ.get")  # setdefault and pop write: nothing to document
# A variable that only switches a test double on (USE_MOCK_LLM, FAKE_LLM, CI) configures tests,
# not the application.
_TEST_SWITCH = re.compile(r"(?:^|_)(?:MOCK|MOCKS|FAKE|STUB|TEST|TESTING|CI)(?:_|$)")


@dataclass(frozen=True)
class EnvRead:
    name: str | None  # None: a computed name (os.getenv(key)) that cannot be documented
    evidence: Evidence
    implicit: bool = False  # load_dotenv(): the environment feeds SDKs that read it themselves


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _reads_in(
    rel: str, tree: ast.Module, uses_dotenv: bool, index: RepoIndex | None = None
) -> Iterator[EnvRead]:
    dotenv_names = _dotenv_variables(tree) if uses_dotenv else set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = call_name(node.func)
            if name.endswith(_READ_CALLS) and (name == "getenv" or "." in name):
                key = _literal(node.args[0]) if node.args else None
                yield EnvRead(key, Evidence(rel, node.lineno, f"{name}({key or '...'})"))
            elif name.split(".")[-1] in ("load_dotenv", "find_dotenv") and name != "find_dotenv":
                yield EnvRead(None, Evidence(rel, node.lineno, f"{name}()"), implicit=True)
            elif name.split(".")[-1] == "get" and name.rsplit(".", 1)[0] in dotenv_names:
                key = _literal(node.args[0]) if node.args else None
                yield EnvRead(key, Evidence(rel, node.lineno, f"dotenv {key or '...'}"))
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            target = call_name(node.value) if not isinstance(node.value, ast.Call) else ""
            called = isinstance(node.value, ast.Call) and call_name(node.value.func).endswith(
                "dotenv_values"
            )
            if target.endswith("environ") or target in dotenv_names or called:
                key = _literal(node.slice)
                yield EnvRead(key, Evidence(rel, node.lineno, f"{target or 'dotenv'}[{key}]"))
        elif isinstance(node, ast.ClassDef) and _is_settings_class(node):
            for key, line in _settings_fields(node):
                yield EnvRead(key, Evidence(rel, line, f"{node.name}.{key.lower()}"))
            if index is not None:
                yield from _mixin_reads(index, node)


def _mixin_reads(index: RepoIndex, node: ast.ClassDef) -> Iterator[EnvRead]:
    """Fields a settings class inherits from the project's own mixins (`class Settings(
    LLMSettings, StoreSettings, BaseSettings)`): pydantic-settings reads them from the environment
    too, with the subclass's env_prefix."""
    prefix = next(
        (
            p
            for st in node.body
            if isinstance(st, ast.Assign) and isinstance(st.value, ast.Call)
            if (p := string_arg(st.value, 99, "env_prefix"))
        ),
        "",
    )
    wanted = {call_name(b).rsplit(".", 1)[-1] for b in node.bases if not _is_settings_base(b)} - {
        "",
        "object",
        "BaseModel",
    }
    if not wanted:
        return
    needles = tuple(f"class {name}" for name in sorted(wanted))
    for other, tree in index.iter_python(*needles, only=is_app_code):
        for mixin in ast.walk(tree):
            if isinstance(mixin, ast.ClassDef) and mixin.name in wanted:
                wanted.discard(mixin.name)
                for key, line in _settings_fields(mixin):
                    yield EnvRead(
                        f"{prefix.upper()}{key}",
                        Evidence(other, line, f"{node.name}.{key.lower()} (from {mixin.name})"),
                    )


def _is_settings_base(base: ast.expr) -> bool:
    return call_name(base).endswith("BaseSettings")


def _dotenv_variables(tree: ast.Module) -> set[str]:
    """Names bound to `dotenv_values(...)` (their subscripts and .get() read the env file)."""
    names = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and call_name(node.value.func).endswith("dotenv_values")
        ):
            names |= {call_name(t) for t in node.targets if call_name(t)}
    return names


def _is_settings_class(node: ast.ClassDef) -> bool:
    return any(call_name(base).endswith("BaseSettings") for base in node.bases)


def _settings_fields(node: ast.ClassDef) -> Iterator[tuple[str, int]]:
    prefix = ""
    for statement in node.body:
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call):
            prefix = string_arg(statement.value, 99, "env_prefix") or prefix
    for statement in node.body:
        if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
            continue
        field = statement.target.id
        if field.startswith("_") or field == "model_config" or _is_classvar(statement):
            continue
        alias = None
        if isinstance(statement.value, ast.Call):
            alias = string_arg(statement.value, 99, "validation_alias") or string_arg(
                statement.value, 99, "alias"
            )
        yield (alias or f"{prefix}{field}").upper(), statement.lineno


def _is_classvar(statement: ast.AnnAssign) -> bool:
    annotation = statement.annotation
    target = annotation.value if isinstance(annotation, ast.Subscript) else annotation
    return call_name(target).endswith("ClassVar")


def env_reads(index: RepoIndex) -> list[EnvRead]:
    """Every environment read in application code (tests and docs left out), in file order;
    computed once per audit and shared by both checks."""
    return index.fact("env_reads", lambda: _all_reads(index))


def _all_reads(index: RepoIndex) -> list[EnvRead]:
    """os.getenv / os.environ / load_dotenv are read from the text (a literal-led regex, no
    parse); only files with a settings class or dotenv_values are parsed."""
    reads: list[EnvRead] = []
    for rel in index.python_files():
        if not is_app_code(rel):
            continue
        text = index.text(rel)
        if not text or not any(needle in text for needle in NEEDLES):
            continue
        if "BaseSettings" in text or "dotenv_values" in text:
            tree = index.python(rel)
            if tree is not None:
                reads.extend(_reads_in(rel, tree, "dotenv_values" in text, index))
                continue
            if rel in index.parse_errors:
                line, message = index.parse_errors[rel]
                index.undecided[rel] = f"{rel}:{line}: {message}" if line else f"{rel}: {message}"
        reads.extend(_text_reads(rel, text))
    return reads


_TEXT_READ = re.compile(
    r"""getenv\(\s*(?:(["'])([A-Za-z_][A-Za-z0-9_]*)\1)?"""
    r"""|environ\.get\(\s*(?:(["'])([A-Za-z_][A-Za-z0-9_]*)\3)?"""
    r"""|environ\[\s*(["'])([A-Za-z_][A-Za-z0-9_]*)\5\s*\](?!\s*=[^=])"""
    r"""|load_dotenv\("""
)


def _text_reads(rel: str, text: str) -> Iterator[EnvRead]:
    for match in _TEXT_READ.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        if text[line_start : match.start()].lstrip().startswith("#"):
            continue  # a comment
        line = text.count("\n", 0, match.start()) + 1
        source = match.group(0)
        if source.startswith("load_dotenv"):
            yield EnvRead(None, Evidence(rel, line, "load_dotenv()"), implicit=True)
            continue
        name = match.group(2) or match.group(4) or match.group(6)
        call = "os.getenv" if source.startswith("getenv") else "os.environ.get"
        note = (
            f"os.environ[{name}]" if source.startswith("environ[") else f"{call}({name or '...'})"
        )
        yield EnvRead(name, Evidence(rel, line, note))


@detector("settings_from_env")
def settings_from_env(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when application code reads settings from the environment (os.getenv,
    os.environ, pydantic-settings, dotenv)."""
    reads = env_reads(index)
    if reads and all(r.name and _TEST_SWITCH.search(r.name) for r in reads):
        return Outcome.failed(
            f"the only environment reads are test switches ({reads[0].name}); "
            "the application's settings are literals",
            *(r.evidence for r in reads[:5]),
        )
    if reads:
        return Outcome.passed(
            f"{plural(len(reads), 'environment read')}, first {reads[0].evidence.note}",
            *(r.evidence for r in reads[:5]),
        )
    return Outcome.failed("application code reads no settings from the environment")


_SECRET_NAME = re.compile(r"(?:KEY|TOKEN|SECRET|PASSWORD|PASS)$")
_PLACEHOLDER = re.compile(
    r"^(?:|test|changeme|change-me|secret|password|x+|\.\.\.|<[^>]*>|your[-_ ].*|.*[-_]here)$",
    re.IGNORECASE,
)
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def _safe_defaults(text: str) -> tuple[int, bool]:
    """How many variables an env file sets, and whether every secret among them is empty or a
    placeholder (then the committed file documents the configuration; it holds no credential)."""
    count, safe = 0, True
    for line in text.splitlines():
        match = _ASSIGNMENT.match(line)
        if match is None:
            continue
        count += 1
        name, value = match.group(1), match.group(2).strip("'\"")
        if _SECRET_NAME.search(name.upper()) and not _PLACEHOLDER.match(value):
            safe = False
    return count, safe


@detector("env_example_present")
def env_example_present(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when an env example documents the configuration: a file named as one
    (.env.example, env.example, backend/.env.sample...), or a committed `*.env` file that
    compose reads (compose.env) whose secrets are all empty or placeholders."""
    examples = _examples(index)
    if examples:
        best = min(examples, key=lambda e: (e.count("/"), e))
        return Outcome.passed(f"found {best}", Evidence(best))
    for rel in index.match("*.env"):
        if rel.rsplit("/", 1)[-1] == ".env" or not is_app_code(rel):
            continue
        count, safe = _safe_defaults(index.text(rel) or "")
        if count >= 3 and safe:
            return Outcome.passed(
                f"{rel} documents {count} variables with empty or placeholder secrets",
                Evidence(rel),
            )
    return Outcome.failed(
        "no .env.example (or a committed env file with placeholder secrets) documents the "
        "configuration"
    )


def _examples(index: RepoIndex) -> list[str]:
    return index.match(*ENV_EXAMPLES)


def governing_examples(reader: str, examples: list[str]) -> list[str]:
    """The env examples that document a file's reads: those in its folder or above (nearest
    first); when there are none, every example in the repository (e.g. config/app.env.example)."""
    folder = posixpath.dirname(reader)
    above = [
        e
        for e in examples
        if (parent := posixpath.dirname(e)) == ""
        or folder == parent
        or folder.startswith(parent + "/")
    ]
    above.sort(key=lambda e: -e.count("/"))
    return above or examples


@detector("env_example_complete")
def env_example_complete(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when every environment variable the code reads is listed in the env example that
    governs that code (the nearest one above it: one per service in a monorepo)."""
    reads = env_reads(index)
    named = [r for r in reads if r.name]
    if not reads:
        return Outcome.not_applicable("the code reads no environment variables")
    examples = _examples(index)
    if not named and all(r.implicit for r in reads):
        if not examples:
            return Outcome.not_applicable(
                "the code names no environment variable (load_dotenv only)"
            )
        return Outcome.passed(
            f"the code names no variable (load_dotenv only); {examples[0]} documents the rest",
            Evidence(examples[0]),
        )
    if not named:
        return Outcome.unknown(
            "could not decide: the code reads the environment only through computed names",
            *(r.evidence for r in reads[:5]),
        )
    if not examples:
        count = plural(len({r.name for r in named}), "variable")
        return Outcome.failed(
            f"no .env.example for {count} the code reads", *(r.evidence for r in named[:5])
        )
    keys = {e: set(_ENV_KEY.findall(index.text(e) or "")) for e in examples}
    missing: dict[str, Evidence] = {}
    used: set[str] = set()
    for read in named:
        governing = governing_examples(read.evidence.path, examples)
        used.update(governing[:1])
        if not any(read.name in keys[e] for e in governing) and read.name not in missing:
            where = governing[0]
            missing[read.name or ""] = Evidence(
                read.evidence.path, read.evidence.line, f"{read.name} (not in {where})"
            )
    if missing:
        names = ", ".join(sorted(missing))
        return Outcome.failed(f"env examples miss {names}", *missing.values())
    shown = sorted(used)
    return Outcome.passed(
        f"{', '.join(shown)} cover{'s' if len(shown) == 1 else ''} all "
        f"{plural(len({r.name for r in named}), 'variable')}",
        *(Evidence(e) for e in shown),
    )
