"""Detectors about which files exist and whether they parse."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, Field

from harness.audit.detectors._common import compile_pattern, find_all, find_first
from harness.audit.index import TOO_DEEP, RepoIndex
from harness.audit.layout import is_app_code
from harness.audit.model import Evidence, Outcome
from harness.audit.registry import NoParams, detector


class FileExistsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    any_of: list[str] = Field(min_length=1, description="gitignore-style patterns")


@detector("file_exists", FileExistsParams)
def file_exists(index: RepoIndex, params: FileExistsParams) -> Outcome:
    """Passes when a file matches any of the `any_of` patterns."""
    found = index.match(*params.any_of)
    if found:
        best = min(found, key=_relevance)  # the root file before a nested one
        return Outcome.passed(f"found {best}", Evidence(best))
    return Outcome.failed(f"no file matches {', '.join(params.any_of)}")


def _code_matches(index: RepoIndex, globs: list[str], regex: re.Pattern[str]) -> Iterator[Evidence]:
    for hit in find_all(index, globs, regex):
        if not is_app_code(hit.path):
            continue
        line = index.lines(hit.path)[(hit.line or 1) - 1].lstrip()
        if not line.startswith("#"):
            yield hit


class TextPresentParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    files: list[str] = Field(min_length=1, description="gitignore-style patterns of files to read")
    patterns: list[str] = Field(min_length=1, description="regexes that must all match somewhere")
    ignore_case: bool = True
    describe: str = Field(default="", description="what the patterns stand for, for messages")
    code_only: bool = Field(
        default=False, description="only application code: no tests, docs or comment lines"
    )


@detector("text_present", TextPresentParams)
def text_present(index: RepoIndex, params: TextPresentParams) -> Outcome:
    """Passes when every regex in `patterns` matches in at least one of `files`."""
    found: list[Evidence] = []
    for pattern in params.patterns:
        regex = compile_pattern(pattern, params.ignore_case)
        hit = (
            next(_code_matches(index, params.files, regex), None)
            if params.code_only
            else find_first(index, params.files, regex)
        )
        if hit is None:
            what = params.describe or f"/{pattern}/"
            return Outcome.failed(f"no match for {what} in {', '.join(params.files)}")
        found.append(hit)
    return Outcome.passed(f"found {params.describe or 'all patterns'}", *found)


def _relevance(rel: str) -> tuple[int, str]:
    return rel.count("/"), rel


# JSON with comments and trailing commas, as the editors and tools that own these files write it.
JSONC_FILES = (
    "/.vscode/*.json",
    ".devcontainer/*.json",
    "devcontainer.json",
    ".devcontainer.json",
    "tsconfig.json",
    "tsconfig.*.json",
    "jsconfig.json",
    "*.jsonc",
    ".eslintrc.json",
    "/.zed/*.json",
    "biome.json",
    "deno.json",
)
_JSONC_TOKENS = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/|,(?=\s*[}\]])', re.S)


def strip_jsonc(text: str) -> str:
    """JSONC to JSON: comments and trailing commas removed, strings left intact."""
    return _JSONC_TOKENS.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "", text)


@detector("config_files_parse")
def config_files_parse(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when every YAML, TOML and JSON file in the repository parses (JSONC where editors
    use it: .vscode, devcontainer.json, tsconfig.json)."""
    jsonc = set(index.match(*JSONC_FILES))
    parsers = {".yml": index.yaml, ".yaml": index.yaml, ".toml": index.toml, ".json": index.json}
    broken: list[Evidence] = []
    too_deep: list[Evidence] = []
    checked = 0
    for rel in index.match("*.yml", "*.yaml", "*.toml", "*.json", "*.jsonc"):
        suffix = rel[rel.rfind(".") :]
        if index.text(rel) is None:
            continue
        checked += 1
        if rel in jsonc:
            index.parse_as(rel, "jsonc", lambda text: json.loads(strip_jsonc(text)))
        else:
            parsers[suffix](rel)
        if rel in index.parse_errors:
            line, message = index.parse_errors[rel]
            (too_deep if message.startswith(TOO_DEEP) else broken).append(
                Evidence(rel, line, message)
            )
    if not checked:
        return Outcome.not_applicable("no YAML, TOML or JSON files")
    if broken:
        return Outcome.failed(f"{len(broken)} of {checked} config files do not parse", *broken)
    if too_deep:
        return Outcome.unknown(
            f"could not decide: {too_deep[0].path} {too_deep[0].note}", *too_deep
        )
    return Outcome.passed(f"all {checked} config files parse")


LOCK_FILES = (
    "uv.lock",
    "poetry.lock",
    "pdm.lock",
    "Pipfile.lock",
    "pylock.toml",
    "pylock.*.toml",
    "requirements*.lock",
    "conda-lock.yml",
)
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$")


@detector("dependencies_locked")
def dependencies_locked(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes with a lock file, or requirements files whose every requirement is pinned with ==."""
    locks = sorted(index.match(*LOCK_FILES), key=_relevance)
    if locks:
        return Outcome.passed(f"lock file {locks[0]}", Evidence(locks[0]))
    requirement_files = sorted(
        index.match("requirements*.txt", "requirements/*.txt"), key=_relevance
    )
    if not requirement_files:
        return Outcome.failed("no lock file and no requirements file with pinned versions")
    readable = [rel for rel in requirement_files if index.text(rel) is not None]
    if not readable:
        reasons = ", ".join(
            f"{rel} ({index.skipped.get(rel, 'unreadable')})" for rel in requirement_files
        )
        return Outcome.unknown(
            f"could not decide: no requirements file could be read: {reasons}",
            *(Evidence(rel) for rel in requirement_files),
        )
    listed = sum(1 for rel in readable for _ in _requirement_lines(index, rel))
    if not listed:
        return Outcome.failed(
            f"{', '.join(readable)} list no requirements: nothing is pinned",
            *(Evidence(rel) for rel in readable),
        )
    runtime = next((r for r in readable if r.rsplit("/", 1)[-1] == "requirements.txt"), None)
    # What the app installs decides; development requirement files may float.
    runtime_pinned = (
        runtime is not None
        and any(True for _ in _requirement_lines(index, runtime))
        and not _unpinned_lines(index, runtime)
    )
    if runtime is not None and runtime_pinned:
        message = f"every runtime requirement in {runtime} is pinned"
        return Outcome.passed(message, Evidence(runtime))
    unpinned = [ev for rel in readable for ev in _unpinned_lines(index, rel)]
    if unpinned:
        return Outcome.failed(f"{len(unpinned)} requirements are not pinned with ==", *unpinned)
    return Outcome.passed(f"every requirement is pinned ({listed})", Evidence(readable[0]))


def _requirement_lines(index: RepoIndex, rel: str) -> Iterator[tuple[int, str, re.Match[str]]]:
    for number, raw in enumerate(index.lines(rel), start=1):
        line = raw.split(" #")[0].strip().rstrip("\\").strip()
        if not line or line.startswith(("#", "-", "--")):
            continue
        match = _REQUIREMENT.match(line)
        if match:
            yield number, line, match


def _unpinned_lines(index: RepoIndex, rel: str) -> list[Evidence]:
    return [
        Evidence(rel, number, line)
        for number, line, match in _requirement_lines(index, rel)
        if "==" not in match.group(3) and "@" not in match.group(3)
    ]


class JsonlDatasetParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    files: list[str] = Field(min_length=1)
    min_rows: int = Field(default=20, ge=1)
    question_fields: list[str] = Field(default=["user_input", "question", "query", "input"])


@detector("jsonl_dataset", JsonlDatasetParams)
def jsonl_dataset(index: RepoIndex, params: JsonlDatasetParams) -> Outcome:
    """Passes when an eval dataset (JSON Lines) has at least `min_rows` rows, each a question."""
    candidates = index.match(*params.files)
    if not candidates:
        return Outcome.failed(f"no eval dataset matches {', '.join(params.files)}")
    best: tuple[int, str] = (0, candidates[0])
    for rel in candidates:
        rows, problem = _count_rows(index, rel, params.question_fields)
        if problem is not None:
            return Outcome.failed(f"{rel} is not a valid dataset: {problem[1]}", problem[0])
        best = max(best, (rows, rel))
    rows, rel = best
    if rows < params.min_rows:
        return Outcome.failed(
            f"{rel} has {rows} rows; a dataset needs at least {params.min_rows}", Evidence(rel)
        )
    return Outcome.passed(f"{rel} has {rows} rows", Evidence(rel))


def _count_rows(
    index: RepoIndex, rel: str, fields: list[str]
) -> tuple[int, tuple[Evidence, str] | None]:
    rows = 0
    for number, line in enumerate(index.lines(rel), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            return rows, (Evidence(rel, number), f"line {number} is not JSON ({exc.msg})")
        if not isinstance(row, dict) or not any(isinstance(row.get(f), str) for f in fields):
            return rows, (Evidence(rel, number), f"line {number} has no {' or '.join(fields)}")
        rows += 1
    return rows, None
