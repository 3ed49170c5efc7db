"""The audited repository's own settings: `[tool.harness]` in pyproject.toml, or harness.toml.

```toml
[tool.harness]
checklists = ["ops/extra-checks.yml"]     # more checklist files, relative to the repo
select = ["production", "ci"]             # categories, checklist names or check ids
ignore = ["readme-cost"]
exclude = ["templates/**"]                # paths the audit does not read
fail-under = 90
fail-on = "high"
min-coverage = 90                         # fail when fewer applicable checks reach a verdict

[[tool.harness.waivers]]
check = "dockerfile-healthcheck"
reason = "the platform probes /healthz itself"
paths = ["worker/Dockerfile"]             # optional: waive only evidence under these
expires = 2027-06-30                      # optional: an expired waiver fails the check
```
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness import safeio
from harness.audit.model import Severity, Waiver
from harness.errors import ConfigError

# Subtables owned by other verbs; the audit leaves them alone.
OTHER_VERBS = ("eval", "badge")


def _dash(name: str) -> str:
    return name.replace("_", "-")


class WaiverConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    check: str
    reason: str = Field(min_length=3)
    paths: list[str] = Field(default_factory=list)
    expires: dt.date | None = None


class AuditConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=_dash, populate_by_name=True)
    checklists: list[str] = Field(default_factory=list)
    select: list[str] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    fail_under: float | None = Field(default=None, ge=0, le=100)
    fail_on: Severity | None = None
    min_coverage: float | None = Field(default=None, ge=0, le=100)
    waivers: list[WaiverConfig] = Field(default_factory=list)

    def waiver_objects(self) -> list[Waiver]:
        return [
            Waiver(w.check, w.reason, tuple(w.paths), w.expires.isoformat() if w.expires else None)
            for w in self.waivers
        ]


def load_config(root: Path) -> tuple[AuditConfig, str | None]:
    """The config and the file it came from (None when the repo has none)."""
    for name in ("harness.toml", "pyproject.toml"):
        path = root / name
        if not safeio.is_regular_file(path) or path.is_symlink():
            continue
        table = _harness_table(path, name == "pyproject.toml")
        if table is None:
            continue
        own = {k: v for k, v in table.items() if k not in OTHER_VERBS}
        try:
            config = AuditConfig.model_validate(own)
            _check_waivers(config, name)
            return config, name
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(p) for p in error["loc"])
            raise ConfigError(
                f"{name} [tool.harness] {field}: {error['msg']}",
                "fix the setting (see README: Configuration)",
            ) from exc
    return AuditConfig(), None


def _check_waivers(config: AuditConfig, name: str) -> None:
    """Two waivers covering the same evidence of one check would both read "active"; which one
    applies (its reason, its expiry) would be a guess."""
    seen: dict[str, list[set[str]]] = {}
    for waiver in config.waivers:
        paths = set(waiver.paths)
        for earlier in seen.get(waiver.check, []):
            if not paths or not earlier or paths & earlier:
                raise ConfigError(
                    f"{name} [tool.harness] waivers: two waivers for check {waiver.check!r} "
                    "cover the same paths",
                    "keep one, or give each its own paths",
                )
        seen.setdefault(waiver.check, []).append(paths)


def _harness_table(path: Path, nested_only: bool) -> dict[str, Any] | None:
    try:
        data = safeio.load_toml_file(path)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, safeio.NestingError) as exc:
        if nested_only and not _mentions_harness(path):
            return None  # a broken pyproject is reported as a finding, not a config error
        # A [tool.harness] that cannot be read must not silently drop its gates (fail-under).
        raise ConfigError(f"{path.name}: invalid TOML ({exc})", "fix the syntax") from exc
    except safeio.TooLargeError as exc:
        raise ConfigError(f"{path.name}: {exc.reason}", "keep the config file small") from exc
    except OSError:
        return None
    tool = data.get("tool")
    table = tool.get("harness") if isinstance(tool, dict) else None
    if table is None and not nested_only:
        table = data
    if table is not None and not isinstance(table, dict):
        raise ConfigError(
            f"{path.name}: [tool.harness] must be a table, not {_kind(table)}",
            "write it as a [tool.harness] section",
        )
    return table


# `harness` as a TOML key: `[tool.harness]`, `harness = {...}` under `[tool]`, `tool.harness.x =`,
# a quoted "harness" key. Not "portfolio-harness" in a dependency list.
_HARNESS_KEY = re.compile(rb"""(?m)(?:^|[\s.\[{,])["']?harness["']?[ \t]*[.=\]]""")


def _mentions_harness(path: Path) -> bool:
    try:
        return bool(_HARNESS_KEY.search(safeio.read_bytes(path, limit=safeio.MAX_CONFIG_BYTES)))
    except OSError:
        return False


def _kind(value: Any) -> str:
    return {int: "a number", float: "a number", str: "a string", list: "an array"}.get(
        type(value), type(value).__name__
    )
