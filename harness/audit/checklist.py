"""Loading checklists: the built-in YAML files plus the user's, validated at load.

A bad checklist is one line naming the file, the item and the field.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from harness import safeio
from harness.audit import registry
from harness.audit.model import Check, Checklist
from harness.errors import ChecklistError


def builtin_dir() -> Path:
    """Checklists shipped in the wheel, or in the source tree for an editable install."""
    packaged = Path(str(resources.files("harness"))) / "_data" / "checklists"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "checklists"


def builtin_files() -> list[Path]:
    return sorted(builtin_dir().glob("*.yml"))


def load_file(path: Path) -> Checklist:
    try:
        raw = safeio.loads_yaml(safeio.read_text(path))
    except safeio.NestingError as exc:
        raise ChecklistError(f"{path}: {exc}", "flatten the YAML") from exc
    except OSError as exc:
        raise ChecklistError(f"{path}: cannot read ({exc.strerror})", "check the path") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ChecklistError(f"{where}: invalid YAML ({problem})", "fix the YAML syntax") from exc
    except UnicodeDecodeError as exc:
        raise ChecklistError(f"{path}: not UTF-8 text", "save it as UTF-8") from exc
    try:
        checklist = Checklist.model_validate(raw)
    except ValidationError as exc:
        raise ChecklistError(
            _describe(path, raw, exc), "see `harness checklists --schema`"
        ) from exc
    for check in checklist.checks:
        _validate_detector(path, check)
    return checklist


def _describe(path: Path, raw: Any, exc: ValidationError) -> str:
    error = exc.errors()[0]
    location = list(error["loc"])
    item = ""
    if len(location) >= 2 and location[0] == "checks" and isinstance(location[1], int):
        checks = raw.get("checks") if isinstance(raw, dict) else None
        entry = checks[location[1]] if isinstance(checks, list) else None
        item_id = entry.get("id") if isinstance(entry, dict) else None
        item = f" item {item_id or '#' + str(location[1] + 1)}"
        location = location[2:]
    field = ".".join(str(part) for part in location) or "(top level)"
    return f"{path}:{item} field {field}: {error['msg']}"


def _validate_detector(path: Path, check: Check) -> None:
    detector = registry.get(check.detector) if check.detector in registry.detectors() else None
    if detector is None:
        raise ChecklistError(
            f"{path}: item {check.id} field detector: unknown detector {check.detector!r}",
            "run `harness checklists --detectors` to list them",
        )
    try:
        detector.parse_params(check.params)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "params"
        raise ChecklistError(
            f"{path}: item {check.id} field params.{field}: {error['msg']}",
            f"see `harness checklists show {check.id}`",
        ) from exc


def load_all(extra: list[Path]) -> tuple[list[Checklist], list[Check]]:
    """Built-in checklists then the extra files; check ids must be unique across all."""
    checklists = [load_file(path) for path in [*builtin_files(), *extra]]
    seen: dict[str, str] = {}
    checks: list[Check] = []
    for checklist in checklists:
        for check in checklist.checks:
            if check.id in seen:
                raise ChecklistError(
                    f"check id {check.id!r} is defined by both {seen[check.id]} and "
                    f"{checklist.checklist}",
                    "give the check a unique id",
                )
            seen[check.id] = checklist.checklist
            checks.append(check)
    return checklists, checks


def schema() -> dict[str, Any]:
    """The JSON schema of a checklist file (also shipped as checklists/checklist.schema.json)."""
    return Checklist.model_json_schema()
