"""Detectors over Dockerfiles and compose files."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from harness.audit.detectors._common import plural
from harness.audit.index import RepoIndex
from harness.audit.model import Evidence, Outcome
from harness.audit.registry import NoParams, detector

DOCKERFILES = (
    "Dockerfile",
    "dockerfile",
    "Dockerfile.*",
    "dockerfile.*",
    "*.Dockerfile",
    "*.dockerfile",
    "Containerfile",
)
NOT_DOCKERFILES = (".dockerignore", ".md", ".txt")  # Dockerfile.dockerignore, Dockerfile.md
COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
ProblemFinder = Callable[[str, list["Instruction"]], list[Evidence]]
_ENV_SOURCE = re.compile(r"(^|/)\.env(\.[A-Za-z0-9_-]+)?$|(^|/)\.env\*?$")
_ENV_EXAMPLES = (".example", ".sample", ".template", ".dist")
_SECRET_NAME = re.compile(
    r"(KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|(DATABASE|POSTGRES|PG|DB|MONGO|MYSQL)_?(URL|URI|DSN))",
    re.IGNORECASE,
)
_REFERENCE = re.compile(r"^\$\{?(\w+)\}?$")


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    args: str


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with their first line, joining continuation lines and dropping comments."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if not pending:
            start = number
        continued = stripped.endswith("\\")
        pending.append(stripped[:-1] if continued else stripped)
        if not continued:
            keyword, _, args = " ".join(pending).partition(" ")
            instructions.append(Instruction(start, keyword.upper(), args.strip()))
            pending = []
    return instructions


def _stages(instructions: list[Instruction]) -> list[list[Instruction]]:
    stages: list[list[Instruction]] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages


def _dockerfiles(index: RepoIndex) -> list[tuple[str, list[Instruction]]]:
    parsed = []
    for rel in index.match(*DOCKERFILES):
        if rel.endswith(NOT_DOCKERFILES):
            continue
        text = index.text(rel)
        if text is not None:
            parsed.append((rel, parse_dockerfile(text)))
    return parsed


def _each_dockerfile(index: RepoIndex, problem_of: ProblemFinder, good: str) -> Outcome:
    files = _dockerfiles(index)
    if not files:
        return Outcome.not_applicable("no readable Dockerfile")
    problems = [ev for rel, instructions in files for ev in problem_of(rel, instructions)]
    if problems:
        return Outcome.failed(problems[0].note, *problems)
    return Outcome.passed(f"{plural(len(files), 'Dockerfile')}: {good}", Evidence(files[0][0]))


@detector("dockerfile_multi_stage")
def dockerfile_multi_stage(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when every Dockerfile has at least two stages (build tools stay out of the image)."""

    def problems(rel: str, instructions: list[Instruction]) -> list[Evidence]:
        froms = [i for i in instructions if i.keyword == "FROM"]
        if len(froms) >= 2:
            return []
        line = froms[0].line if froms else None
        return [Evidence(rel, line, f"{rel} has a single stage")]

    return _each_dockerfile(index, problems, "multi-stage")


@detector("dockerfile_non_root")
def dockerfile_non_root(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when the final stage of every Dockerfile switches to a non-root USER."""

    def problems(rel: str, instructions: list[Instruction]) -> list[Evidence]:
        stages = _stages(instructions)
        final = stages[-1] if stages else []
        users = [i for i in final if i.keyword == "USER"]
        if users and users[-1].args.split(":")[0] not in ("root", "0"):
            return []
        line = users[-1].line if users else (final[0].line if final else None)
        return [Evidence(rel, line, f"{rel}: the final stage runs as root")]

    return _each_dockerfile(index, problems, "final stage runs as a non-root user")


@detector("dockerfile_healthcheck")
def dockerfile_healthcheck(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when the final stage of every Dockerfile declares a HEALTHCHECK."""

    def problems(rel: str, instructions: list[Instruction]) -> list[Evidence]:
        stages = _stages(instructions)
        final = stages[-1] if stages else []
        checks = [i for i in final if i.keyword == "HEALTHCHECK"]
        if checks and not checks[-1].args.upper().startswith("NONE"):
            return []
        line = final[0].line if final else None
        return [Evidence(rel, line, f"{rel}: no HEALTHCHECK in the final stage")]

    return _each_dockerfile(index, problems, "HEALTHCHECK declared")


@detector("dockerfile_pinned_base")
def dockerfile_pinned_base(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when every base image names a version tag (not `latest`) or a digest."""

    def problems(rel: str, instructions: list[Instruction]) -> list[Evidence]:
        stage_names: set[str] = set()
        found = []
        for instruction in instructions:
            if instruction.keyword != "FROM":
                continue
            words = [w for w in instruction.args.split() if not w.startswith("--")]
            if not words:
                continue
            image = words[0]
            if len(words) >= 3 and words[1].lower() == "as":
                stage_names.add(words[2].lower())
            if image.lower() in stage_names or image == "scratch" or "$" in image:
                continue
            if not _is_pinned(image):
                found.append(Evidence(rel, instruction.line, f"{rel}: base image {image} floats"))
        return found

    return _each_dockerfile(index, problems, "base images pinned")


def _is_pinned(image: str) -> bool:
    if "@sha256:" in image:
        return True
    name = image.rsplit("/", 1)[-1]
    if ":" not in name:
        return False
    return name.split(":", 1)[1] not in ("latest", "")


@detector("dockerfile_no_secrets")
def dockerfile_no_secrets(index: RepoIndex, params: NoParams) -> Outcome:
    """Fails when an ENV or ARG bakes a secret-looking variable with a value into the image, or
    a COPY/ADD copies a .env file into it."""

    def problems(rel: str, instructions: list[Instruction]) -> list[Evidence]:
        found = []
        build_args: set[str] = set()
        for instruction in instructions:
            if instruction.keyword in ("COPY", "ADD"):
                sources = [w for w in instruction.args.split() if not w.startswith("--")][:-1]
                for source in sources:
                    if _ENV_SOURCE.search(source) and not source.endswith(_ENV_EXAMPLES):
                        what = f"{instruction.keyword} {source}"
                        note = f"{rel}: {what} bakes an env file into the image"
                        found.append(Evidence(rel, instruction.line, note))
            if instruction.keyword not in ("ENV", "ARG"):
                continue
            for name, value in _assignments(instruction.args):
                if instruction.keyword == "ARG":
                    build_args.add(name)
                if not _SECRET_NAME.search(name) or not value:
                    continue
                if not value.startswith("$"):
                    note = f"{rel}: {instruction.keyword} {name} has a value baked in"
                    found.append(Evidence(rel, instruction.line, note))
                elif instruction.keyword == "ENV" and _from_build_arg(value, build_args):
                    # ENV keeps a build argument's value in the image config for every container
                    note = f"{rel}: ENV {name} bakes the build argument {value} into the image"
                    found.append(Evidence(rel, instruction.line, note))
        return found

    return _each_dockerfile(index, problems, "no secrets in ENV or ARG")


def _from_build_arg(value: str, build_args: set[str]) -> bool:
    match = _REFERENCE.match(value)
    return match is not None and match.group(1) in build_args


def _assignments(args: str) -> list[tuple[str, str]]:
    if "=" not in args:
        name, _, value = args.partition(" ")
        return [(name, value.strip())]
    pairs = []
    for word in re.findall(r'(\S+?=(?:"[^"]*"|\'[^\']*\'|\S*))', args):
        name, _, value = word.partition("=")
        pairs.append((name, value.strip("\"'")))
    return pairs


@detector("compose_valid")
def compose_valid(index: RepoIndex, params: NoParams) -> Outcome:
    """Passes when every compose file parses and each service has an image or a build."""
    files = index.match(*COMPOSE_FILES)
    if not files:
        return Outcome.not_applicable("no compose file")
    problems: list[Evidence] = []
    for rel in files:
        data = index.yaml(rel)
        if rel in index.parse_errors:
            line, message = index.parse_errors[rel]
            problems.append(Evidence(rel, line, f"{rel}: {message}"))
            continue
        problems.extend(_compose_problems(rel, data))
    if problems:
        return Outcome.failed(problems[0].note, *problems)
    return Outcome.passed(f"{plural(len(files), 'compose file')} valid", Evidence(files[0]))


def _compose_problems(rel: str, data: object) -> list[Evidence]:
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        return [Evidence(rel, 1, f"{rel}: no `services` mapping")]
    problems = []
    for name, service in data["services"].items():
        if not isinstance(service, dict) or not ({"image", "build"} & set(service)):
            problems.append(Evidence(rel, None, f"{rel}: service {name!r} has no image or build"))
    return problems
